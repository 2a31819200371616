"""Schemathesis against the live OpenAPI document, through the WSGI app: for every operation,
generated requests (valid and invalid, without and with an organiser's token, on unknown and
on real ids) never get a 5xx, and every answer matches the document (status code, content
type, body schema)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.api.tokens import create_token
from app.extensions import db
from app.models import ApiTokenScope, Document, DocumentKind
from app.services.registrations import Applicant, register
from tests.conftest import add_keynote, make_account, make_event, make_series

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 20


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


def run_operation(operation, mode: GenerationMode, path_parameters: dict | None, headers: dict) -> None:
    if mode == GenerationMode.NEGATIVE and not has_input(operation, path_parameters is not None):
        return
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        case.call_and_validate(checks=CHECKS, headers=headers)

    check()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_conforms_and_never_fails(app, programme, mode):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:
        headers = programme["headers"]
        if operation.definition.raw.get("security"):
            run_operation(operation, mode, None, {})  # no token: 401 problems
        run_operation(operation, mode, None, headers)  # mostly unknown ids: 404 problems
        names = {p.name for p in operation.path_parameters}
        if "event_id" in names:
            for event_id in programme["event_ids"]:
                run_operation(operation, mode, {"event_id": event_id}, headers)
        if "series_id" in names:
            run_operation(operation, mode, {"series_id": programme["series_id"]}, headers)
        if "registration_id" in names:
            run_operation(operation, mode, {"registration_id": programme["registration_id"]}, headers)
