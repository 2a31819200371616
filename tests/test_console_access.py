"""Who may reach what in the console: every rule of the console, walked for each role."""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import Rule

from app.console.access import REQUIRED_ROLE, protected_blueprints
from app.models import AccountRole
from tests.conftest import CSRF_RE, PASSWORD, make_account, sign_in

CHANGES = {"POST", "PUT", "PATCH", "DELETE"}


def console_rules(app) -> list[Rule]:
    """Every rule of the blueprints behind sign-in: the console, attendance, reports."""
    assert "console" in protected_blueprints
    return [
        rule for rule in app.url_map.iter_rules() if rule.endpoint.partition(".")[0] in protected_blueprints
    ]


def url_for_rule(rule: Rule) -> str:
    """The rule's path with every variable filled in (the ids need not exist: access is checked first)."""
    return re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: "1" if m.group(1) == "int" else "x", rule.rule)


def token_of(client, page: str = "/console/password") -> str:
    """A valid CSRF token of this client's session (a form page it may open)."""
    return CSRF_RE.search(client.get(page).get_data(as_text=True)).group(1)


def test_the_console_has_rules_of_every_kind(app):
    rules = console_rules(app)
    assert len(rules) > 5
    assert any(CHANGES & rule.methods for rule in rules)


def test_every_console_view_states_the_role_it_needs(app):
    missing = [
        rule.endpoint
        for rule in console_rules(app)
        if not hasattr(app.view_functions[rule.endpoint], REQUIRED_ROLE)
    ]
    assert missing == []


def test_an_anonymous_visitor_is_sent_to_sign_in_from_every_console_url(app, client):
    token = token_of(client, "/console/login")
    for rule in console_rules(app):
        url = url_for_rule(rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.headers["Location"].startswith("/console/login"), (method, url)


def test_a_viewer_can_change_nothing(app, signed_in):
    viewer = signed_in("viewer")
    token = token_of(viewer)
    changes = [rule for rule in console_rules(app) if CHANGES & rule.methods]
    assert changes
    for rule in changes:
        url = url_for_rule(rule)
        for method in CHANGES & rule.methods:
            response = viewer.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 403, (method, url, response.status_code)


def test_a_viewer_reads_but_admin_pages_are_refused(app, signed_in):
    viewer = signed_in("viewer")
    for rule in console_rules(app):
        if "GET" not in rule.methods:
            continue
        needed = getattr(app.view_functions[rule.endpoint], REQUIRED_ROLE)
        response = viewer.get(url_for_rule(rule))
        if needed == AccountRole.VIEWER:
            assert response.status_code != 403, rule.rule
        else:
            assert response.status_code == 403, rule.rule


def test_an_organiser_is_refused_the_admin_pages(app, signed_in):
    organiser = signed_in("organiser")
    token = token_of(organiser)
    admin_rules = [
        rule
        for rule in console_rules(app)
        if getattr(app.view_functions[rule.endpoint], REQUIRED_ROLE) == AccountRole.ADMIN
    ]
    assert {"console.accounts", "console.audit_log"} <= {rule.endpoint for rule in admin_rules}
    for rule in admin_rules:
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = organiser.open(url_for_rule(rule), method=method, data={"csrf_token": token})
            assert response.status_code == 403, (method, rule.rule)


def test_console_pages_are_never_cached(signed_in):
    response = signed_in("viewer").get("/console/")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_a_disabled_account_is_signed_out_at_once(app, signed_in):
    from app.services.accounts.accounts import change_account

    admin = signed_in("admin")
    organiser = signed_in("organiser")
    assert organiser.get("/console/").status_code == 200
    change_account(organiser.account, role=AccountRole.ORGANISER, is_enabled=False, by=admin.account)
    assert organiser.get("/console/").status_code == 302
    # ...and cannot sign in again.
    fresh = app.test_client()
    assert sign_in(fresh, organiser.account.email).status_code == 400


@pytest.mark.parametrize("role", ["admin", "organiser", "viewer"])
def test_each_role_reaches_the_dashboard(signed_in, role):
    assert signed_in(role).get("/console/").status_code == 200


def test_the_password_of_the_fixture_accounts(app):
    account = make_account("viewer")
    assert account.check_password(PASSWORD)
    assert not account.check_password(PASSWORD + "x")
