"""Schemathesis against the live OpenAPI document, through the WSGI app, with every check it
has (as `schemathesis run --checks all`): for every operation, generated requests (valid and
invalid, without and with an organiser's token, on unknown and on real ids) never get a 5xx,
every answer matches the document (status code, content type, headers, body schema), what the
document calls valid is accepted and what it calls invalid refused, and a token is needed where
the document says so. The project's schemathesis.toml applies, as it does on the command line."""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig

from app.extensions import db
from app.models import ApiTokenScope, Document, DocumentKind
from app.services.accounts.api_tokens import create_token
from app.services.registration.registrations import Applicant, register
from tests.conftest import add_keynote, make_account, make_event, make_series

load_all_checks()
ALL_CHECKS = CHECKS.get_all()
EXAMPLES = 20
# Ids the schema makes up are mostly unknown (404), and an operation called without its token
# answers 401 before it reads its input: fewer examples teach as much there.
FEW_EXAMPLES = 5
PROJECT_CONFIG = tomllib.loads((Path(__file__).parent.parent / "schemathesis.toml").read_text())


@pytest.fixture
def programme(app):
    """A published series with a past and an upcoming event, documents, an agenda and summaries."""
    series = make_series(summary_published=True, summary_text="Four webinars.")
    past = make_event("Partnership", series=series, start=datetime(2021, 6, 30, 8, tzinfo=UTC))
    upcoming = make_event("Prevention", series=series, starts_in=timedelta(days=30), capacity=2)
    add_keynote(past, "Aida Awel", "Senior Programme Officer", "ILO")
    past.summary_published = True
    past.documents = [Document(kind=DocumentKind.READER, title="Reader", url="https://example.org/reader")]
    db.session.commit()
    registration = register(upcoming, Applicant(email="amina@example.org", name="Amina Yusuf")).registration
    _token, plain = create_token(make_account("organiser"), "Schemathesis", ApiTokenScope.WRITE)
    return {
        "series_id": series.id,
        "event_ids": (past.id, upcoming.id),
        "registration_id": registration.id,
        "headers": {"Authorization": f"Bearer {plain}"},
    }


def has_input(operation, fixed_path: bool) -> bool:
    """Whether negative mode has anything to break: with fixed ids, only a query or a body."""
    return bool(operation.query or operation.body or (operation.path_parameters and not fixed_path))


def api_schema(app, token: str | None):
    """The document, with the project's configuration and, given a token, the organiser's
    credentials for the operations the document says need one (as `[auth.openapi]` does)."""
    config = dict(PROJECT_CONFIG)
    if token:
        config["auth"] = {"openapi": {"bearerAuth": {"bearer": token}}}
    return schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", app, config=SchemathesisConfig.from_dict(config)
    )


def programme_ids(names: set[str], programme: dict) -> Iterator[dict]:
    """The path parameters naming the programme's own objects, for an operation whose path has
    the parameters `names`."""
    if "event_id" in names:
        yield from ({"event_id": event_id} for event_id in programme["event_ids"])
    if "series_id" in names:
        yield {"series_id": programme["series_id"]}
    if "registration_id" in names:
        yield {"registration_id": programme["registration_id"]}


def needs_token(operation) -> bool:
    return bool(operation.definition.raw.get("security"))


def run_operation(
    operation, mode: GenerationMode, path_parameters: dict | None, answers: Counter, *, examples: int
) -> None:
    if mode == GenerationMode.NEGATIVE and not has_input(operation, path_parameters is not None):
        return
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @given(case=strategy)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        response = case.call_and_validate(checks=ALL_CHECKS)
        answers[operation.label, response.status_code] += 1

    check()


@pytest.mark.parametrize("with_token", [False, True], ids=["without-token", "with-token"])
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_conforms_and_never_fails(app, programme, mode, with_token):
    token = programme["headers"]["Authorization"].removeprefix("Bearer ") if with_token else None
    operations = [result.ok() for result in api_schema(app, token).get_all_operations()]
    assert len(operations) >= 15
    answers = Counter()
    for operation in operations:
        # The token goes only to the operations that need one: the others are called the same
        # way in both runs, and the run with a token has them. Without, an operation answers
        # 401 before it reads its input.
        if not with_token and not needs_token(operation):
            continue
        examples = EXAMPLES if with_token else FEW_EXAMPLES
        names = {p.name for p in operation.path_parameters}
        # Made-up ids, mostly unknown: 404 problems.
        run_operation(operation, mode, None, answers, examples=FEW_EXAMPLES if names else examples)
        for path_parameters in programme_ids(names, programme):
            run_operation(operation, mode, path_parameters, answers, examples=examples)

    # The token was sent, or not: the mail log read the request, or only asked for a token.
    mail_log = {status for (label, status) in answers if label == "GET /api/v1/messages"}
    if with_token:
        assert mail_log - {401}, mail_log
    else:
        assert mail_log == {401}
