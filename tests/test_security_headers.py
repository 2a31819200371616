"""Security headers on every response, and pages that obey the strict Content-Security-Policy."""

from __future__ import annotations

import re
import secrets
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from flask import g

from app.extensions import db
from app.models import Message, Registration
from app.services.links import manage_token
from app.services.registration import registrations
from app.services.registration.registrations import Applicant
from tests.conftest import csrf_token, make_app, make_event, make_series, with_fresh_database
from tests.test_console_messages import BODY, STAMP_RE
from tests.test_follow_up import partnership  # noqa: F401 - a fixture
from tests.test_follow_up import post as post_follow_up
from tests.test_summaries import build_four_ps

STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox"


def amina(event) -> Registration:
    applicant = Applicant(
        email="amina.yusuf@example.org", name="Amina Yusuf", organisation="Ministry of Labour"
    )
    return registrations.register(event, applicant).registration


# --- the headers ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/privacy", "/no-such-page", "/static/plenary.css", "/healthz"])
def test_every_response_carries_the_headers(client, url):
    response = client.get(url)
    assert response.headers["Content-Security-Policy"] == STRICT_CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "microphone=()" in response.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP in development and tests


def test_error_pages_and_refused_forms_carry_them_too(app, client):
    event = make_event()
    response = client.post(f"/events/{event.id}/register", data={"name": "x"})  # no CSRF token
    assert response.status_code == 400
    assert response.headers["Content-Security-Policy"] == STRICT_CSP


def test_manage_pages_send_no_referrer(app, client):
    registration = amina(make_event())
    token = manage_token(registration)
    for url in (
        f"/registrations/manage/{token}",
        f"/registrations/manage/{token}/cancel",
        "/registrations/manage/forged",
    ):
        response = client.get(url)
        assert response.headers["Referrer-Policy"] == "no-referrer", url
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Content-Security-Policy"] == STRICT_CSP


def test_hsts_when_configured(tmp_path):
    yielded = with_fresh_database(make_app(tmp_path, HSTS_SECONDS=31536000))
    app = next(yielded)
    response = app.test_client().get("/")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    yielded.close()


def test_production_sends_hsts_by_default(tmp_path):
    app = make_app(tmp_path, PLENARY_ENV="production", SECRET_KEY=secrets.token_urlsafe(32))
    assert app.config["HSTS_SECONDS"] >= 180 * 24 * 3600
    with app.app_context():
        response = app.test_client().get("/static/plenary.css")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


# --- the embedding contract -----------------------------------------------------------------


@pytest.fixture
def app_config(request):
    return getattr(request, "param", {})


def _add_test_routes(app):
    def embeddable():
        g.embeddable = True
        return "an embeddable page"

    app.add_url_rule("/test-only/embeddable", "test_embeddable", embeddable)
    app.add_url_rule("/test-only/plain", "test_plain", lambda: "a page")


@pytest.mark.parametrize(
    "app_config",
    [{"EMBED_ORIGINS": ["https://www.khartoumprocess.net", "https://partner.example.org:8443/"]}],
    indirect=True,
)
def test_an_embeddable_page_may_be_framed_by_the_configured_origins_only(app):
    _add_test_routes(app)
    client = app.test_client()

    response = client.get("/test-only/embeddable")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://www.khartoumprocess.net https://partner.example.org:8443" in csp
    assert "script-src 'self'" in csp  # the rest stays strict
    assert "X-Frame-Options" not in response.headers

    other = client.get("/test-only/plain")
    assert "frame-ancestors 'none'" in other.headers["Content-Security-Policy"]
    assert other.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "app_config",
    [{"EMBED_ORIGINS": ["https://ok.example.org", "https://evil.example; script-src *", "*"]}],
    indirect=True,
)
def test_an_origin_that_is_not_plain_cannot_widen_the_policy(app):
    _add_test_routes(app)
    csp = app.test_client().get("/test-only/embeddable").headers["Content-Security-Policy"]
    assert csp.endswith("frame-ancestors 'self' https://ok.example.org")
    assert "evil" not in csp and "*" not in csp


def test_without_configured_origins_an_embeddable_page_is_framed_by_this_site_only(app):
    _add_test_routes(app)
    response = app.test_client().get("/test-only/embeddable")
    assert response.headers["Content-Security-Policy"].endswith("frame-ancestors 'self'")
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


# --- the pages obey the policy -------------------------------------------------------------------


class InlineCode(HTMLParser):
    """Everything a strict CSP would block: inline scripts, handlers, style attributes and blocks."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name.lower(): value for name, value in attrs}
        if tag == "script" and not names.get("src"):
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style> block")
        if tag == "iframe" and "srcdoc" in names:
            self.found.append("<iframe srcdoc> (inherits the page's policy)")
        for name, value in names.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=>")
            if name == "style":
                self.found.append(f"<{tag} style=>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:>")

    handle_startendtag = handle_starttag


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def assert_strict_page(response, *must_contain: str) -> str:
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Security-Policy"] == STRICT_CSP
    html = response.get_data(as_text=True)
    assert inline_code(html) == []
    for text in must_contain:
        assert text in html
    return html


def test_the_checker_finds_inline_code():
    page = (
        '<script>alert(1)</script><script src="/static/x.js"></script><p style="color:red" onclick="x()">'
        '<a href="javascript:x()">x</a><style>p{}</style><iframe srcdoc="&lt;p&gt;"></iframe>'
        "<img onerror=x />"
    )
    assert len(inline_code(page)) == 7
    assert inline_code('<script src="/static/x.js" defer></script><p class="note">onclick= style=</p>') == []


HOSTILE_MARKDOWN = (
    "**Partnership** <script>alert(1)</script> [notes](javascript:alert(2)) "
    '<p style="color:red" onclick="alert(3)">x</p> <img src=x onerror=alert(4)> <style>p{}</style>'
)


def test_public_pages_obey_the_strict_policy(app, client):
    series = make_series(description=HOSTILE_MARKDOWN)
    event = make_event("Partnership", series=series, description=HOSTILE_MARKDOWN)
    make_event("Prosecution", series=series)
    token = manage_token(amina(event))

    assert_strict_page(client.get("/"), "Partnership")
    # Organisers' Markdown is sanitised: the bold stays, the script and handlers go.
    assert_strict_page(client.get(f"/events/{event.id}"), "<strong>Partnership</strong>")
    assert_strict_page(client.get(f"/series/{series.id}"), "Prosecution", "<strong>Partnership</strong>")
    assert_strict_page(client.get(f"/events/{event.id}/register"), 'name="website"')
    assert_strict_page(client.get(f"/series/{series.id}/register"), 'name="website"')
    assert_strict_page(client.get(f"/registrations/manage/{token}"), "Amina Yusuf")
    assert_strict_page(client.get(f"/registrations/manage/{token}/cancel"))
    assert_strict_page(client.get("/registrations/manage/resend"), 'name="website"')
    assert_strict_page(client.get("/registrations/manage/resend/sent"))
    assert_strict_page(client.get("/privacy"))


def test_console_pages_and_summaries_with_charts_obey_the_strict_policy(app, signed_in):
    four_ps = build_four_ps()
    console = signed_in("organiser")
    assert_strict_page(console.get("/console/"))
    html = assert_strict_page(console.get(f"/console/reports/events/{four_ps.protection.id}"), "<svg")
    assert "<svg" in html
    assert_strict_page(console.get(f"/console/reports/series/{four_ps.series.id}"), "<svg")
    assert_strict_page(console.get("/console/reports/programme"), "<svg")
    event_report = f"/console/reports/events/{four_ps.protection.id}"
    published = console.post(
        event_report,
        data={
            "csrf_token": csrf_token(console, event_report),
            "summary_text": "Over 140.",
            "publish": "Publish",
        },
    )
    assert published.status_code in (302, 303)
    assert_strict_page(app.test_client().get(f"/events/{four_ps.protection.id}/summary"), "Over 140.", "<svg")


def test_the_email_preview_is_a_page_of_its_own_in_a_sandboxed_frame(app, console):
    event = make_event("Partnership", capacity=10)
    registration = amina(event)
    messages = f"/console/events/{event.id}/messages"
    page = console.get(messages).get_data(as_text=True)
    draft = {
        "csrf_token": csrf_token(console, messages),
        "stamp": STAMP_RE.search(page).group(1),
        "audience": "confirmed",
        "subject": "Agenda of the Partnership webinar",
        "body": BODY,
    }
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Message))

    preview_page = console.post(f"{messages}/preview", data=draft)
    html = assert_strict_page(preview_page, 'target="email-preview"', "console-email-preview.js")
    assert re.search(r'<iframe name="email-preview" class="email-preview" sandbox=""', html)

    email = console.post(f"{messages}/preview/email", data=draft)
    assert email.status_code == 200
    assert email.mimetype == "text/html"
    assert email.headers["Content-Security-Policy"] == PREVIEW_CSP
    assert email.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert email.headers["Cache-Control"] == "no-store"  # a delegate's name
    body = email.get_data(as_text=True)
    assert "Dear Amina Yusuf," in body and "<strong>background note</strong>" in body
    assert 'style="' in body  # the email's own inline styles, allowed in this frame only
    # Her personal link is hers alone, even in the organisers' preview.
    assert manage_token(registration) not in body and "[personal link removed]" in body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == before  # nothing queued


def test_the_email_preview_refuses_what_the_preview_refuses(app, console, signed_in):
    event = make_event("Partnership", capacity=10)
    amina(event)
    url = f"/console/events/{event.id}/messages/preview/email"
    token = csrf_token(console, f"/console/events/{event.id}/messages")
    assert console.post(url, data={"csrf_token": token, "audience": "confirmed"}).status_code == 400
    assert (
        console.post(
            url, data={"audience": "confirmed", "subject": "x", "body": "y", "stamp": "0"}
        ).status_code
        == 400
    )
    viewer = signed_in("viewer")
    viewer_token = csrf_token(viewer, f"/events/{event.id}/register")
    data = {"csrf_token": viewer_token, "audience": "confirmed", "subject": "x", "body": "y", "stamp": "0"}
    assert viewer.post(url, data=data).status_code == 403
    assert app.test_client().post(url, data=data).status_code in (302, 400)  # signed out: no preview


def test_the_follow_up_preview_loads_its_email_the_same_way(partnership, console):  # noqa: F811
    draft = {"audience": "attendees", "note": "Thanks *all*", "certificate": "y"}
    html = assert_strict_page(
        post_follow_up(console, partnership, "preview", draft), 'target="email-preview"'
    )
    assert 'name="note" value="Thanks *all*"' in html

    email = post_follow_up(console, partnership, "preview/email", draft)
    assert email.status_code == 200
    assert email.headers["Content-Security-Policy"] == PREVIEW_CSP
    assert "Zoë Ørsted" in email.get_data(as_text=True)
