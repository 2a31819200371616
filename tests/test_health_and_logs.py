"""Health checks and request ids, as a load balancer and a log reader see them."""

from __future__ import annotations

import io
import json
import logging
import re
from contextlib import contextmanager
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.logs import JsonFormatter, RequestIdFilter
from app.models import AccountRole
from app.services.accounts import accounts
from app.services.links import manage_url
from app.services.registration.registrations import Applicant, register
from tests.conftest import delegate_form, make_account, make_event
from tests.test_embed import hidden_fields


def test_healthz_answers_while_the_process_is_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_checks_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize("app_config", [{"REDIS_URL": "redis://127.0.0.1:6379/15"}])
def test_readyz_checks_redis_when_it_carries_the_queue(client):
    response = client.get("/readyz")
    assert response.json["queue"] in ("ok", "unavailable")
    assert response.status_code == 200
    assert response.json["status"] == ("ok" if response.json["queue"] == "ok" else "degraded")


@pytest.mark.parametrize("app_config", [{"REDIS_URL": "redis://127.0.0.1:1/0"}])
def test_readyz_names_redis_as_down_but_the_host_still_serves(client):
    # Every host shares the one Redis: taking them all out of rotation would stop the site,
    # while without Redis only mail waits (tests/test_redis_down.py).
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "degraded", "database": "ok", "queue": "unavailable"}


@pytest.mark.parametrize("app_config", [{"SQLALCHEMY_DATABASE_URI": "sqlite:////nonexistent/dir/plenary.db"}])
def test_readyz_is_unavailable_without_the_database(tmp_path, app_config):
    from tests.conftest import make_app

    response = make_app(tmp_path, **app_config).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "unavailable"}


def test_every_response_carries_a_request_id(client):
    first, second = client.get("/"), client.get("/")
    assert len(first.headers["X-Request-ID"]) == 32
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_a_proxys_request_id_is_kept_and_a_forged_one_replaced(client):
    kept = client.get("/healthz", headers={"X-Request-ID": "edge-4f2a9c1b7d"})
    assert kept.headers["X-Request-ID"] == "edge-4f2a9c1b7d"
    forged = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert len(forged.headers["X-Request-ID"]) == 32 and "<" not in forged.headers["X-Request-ID"]


@contextmanager
def request_log():
    """The JSON lines the request logger writes meanwhile."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("plenary.request")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    lines: list[dict] = []
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        lines.extend(json.loads(line) for line in stream.getvalue().splitlines())


def test_request_log_line_is_json_with_the_request_id(client):
    with request_log() as lines:
        client.get("/events/999999", headers={"X-Request-ID": "trace-0001-abcd"})
    line = lines[-1]
    assert line["request_id"] == "trace-0001-abcd"
    assert (line["method"], line["route"], line["status"]) == ("GET", "/events/<int:event_id>", 404)
    assert line["duration_ms"] >= 0 and line["level"] == "INFO"


@pytest.mark.parametrize("app_config", [{"PROXY_COUNT": 1}])
def test_behind_a_proxy_the_clients_address_is_logged(client):
    with request_log() as lines:
        client.get("/healthz", headers={"X-Forwarded-For": "196.200.1.7", "X-Forwarded-Proto": "https"})
    assert lines[-1]["remote_addr"] == "196.200.1.7"


# --- no secret of a URL in the logs ---------------------------------------------------------


def invitation_path(app) -> str:
    """The path of the link in the invitation email just delivered (written as a file, as mail
    is without an SMTP server): the database keeps no copy of it once sent."""
    [eml] = Path(app.config["MAIL_DIR"]).glob("*-account_invitation.eml")
    parts = message_from_bytes(eml.read_bytes(), policy=policy.default).walk()
    body = "".join(part.get_content() for part in parts if part.get_content_maintype() == "text")
    return re.search(r"(/console/invitation/[A-Za-z0-9_\-]+)", body).group(1)


@pytest.mark.parametrize("app_config", [{"EMBED_ORIGINS": ["https://www.khartoumprocess.net"]}])
def test_the_log_names_routes_never_the_tokens_in_their_urls(app, client, caplog):
    event = make_event("Partnership")
    amina = register(event, Applicant(email="amina.yusuf@example.org", name="Amina Yusuf")).registration
    manage = urlsplit(manage_url(amina)).path
    accounts.invite("new.person@example.org", AccountRole.VIEWER, make_account("admin"))
    invitation = invitation_path(app)
    embed_page = client.get(f"/embed/events/{event.id}/register").get_data(as_text=True)
    caplog.set_level(logging.DEBUG)

    with request_log() as lines:
        for path in (manage, f"{manage}/cancel", f"{manage}/erase", f"{manage}/calendar.ics", invitation):
            assert client.get(path).status_code == 200, path
        assert client.get(f"{manage}/my-data.json").status_code == 200
        assert client.get(f"{manage}/documents/1").status_code == 404
        assert client.put(manage).status_code == 405  # no route for this method
        assert client.get(f"{manage}/no-such-page").status_code == 404  # no route at all
        assert client.get(f"{invitation}x").status_code == 404
        data = {**hidden_fields(embed_page), **delegate_form(email="siham@example.org")}
        done = client.post(f"/embed/events/{event.id}/register", data=data)
        assert done.status_code == 302
        assert client.get(done.headers["Location"]).status_code == 200

    secrets = {
        "manage": manage.rsplit("/", 1)[1],
        "invitation": invitation.rsplit("/", 1)[1],
        "embed": hidden_fields(embed_page)["embed_token"],
        "outcome": done.headers["Location"].split("outcome=", 1)[1],
    }
    logged = [json.dumps(line) for line in lines]
    logged += [f"{record.getMessage()} {record.__dict__}" for record in caplog.records]
    for kind, secret in secrets.items():
        assert not [line for line in logged if secret in line], f"the {kind} token is in the log"
    routes = [line["route"] for line in lines]
    assert routes[:5] == [
        "/registrations/manage/<token>",
        "/registrations/manage/<token>/cancel",
        "/registrations/manage/<token>/erase",
        "/registrations/manage/<token>/calendar.ics",
        "/console/invitation/<token>",
    ]
    assert "/registrations/manage/…/no-such-page" in routes
