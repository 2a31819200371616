"""Roles per series (issue 21): a partner organisation's account, with rights on one series, reaches
that series and its events only. The proof walks every rule of the console and of the organisers'
API with the ids of another series' objects (and of a standalone event's): each answers 404, as
for something that does not exist; with its own series' ids nothing of the others is listed."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pypdfium2 as pdfium
import pytest
import sqlalchemy as sa
from werkzeug.routing import Rule

from app.console.access import PARTNER_PAGES, protected_blueprints
from app.extensions import db
from app.models import (
    AccountRole,
    ApiTokenScope,
    Attendance,
    AttendanceImport,
    AttendanceSource,
    AuditEntry,
    Document,
    Event,
    ImportStatus,
    Mailing,
    MailingAudience,
    Mailout,
    MailoutKind,
    Message,
    Question,
    QuestionKind,
    SeriesGrant,
)
from app.services.accounts.accounts import AccountError, change_account, grant_series
from app.services.accounts.api_tokens import create_token
from tests.conftest import (
    CSRF_RE,
    add_keynote,
    csrf_token,
    make_account,
    make_event,
    make_series,
    sign_in,
    submit,
)
from tests.test_console_registrations import register

CHANGES = {"POST", "PUT", "PATCH", "DELETE"}
# Words of series B and of the standalone event: none may appear on a page the partner sees.
HIDDEN = ("Bravo", "bravo", "Quokka", "quokka")


def owned_objects(event: Event, label: str, series_id: int | None) -> dict[str, int]:
    """One object of every kind a console or API address names, all of `event`."""
    registration = register(event, f"{label} Delegate", f"{label.lower()}.delegate@example.org")
    item = add_keynote(event, f"{label} Speaker", "Minister", f"{label} Ministry")
    upload = AttendanceImport(
        event_id=event.id,
        filename=f"{label.lower()}.csv",
        file_sha256="0" * 64,
        source=AttendanceSource.ZOOM,
        status=ImportStatus.DONE,
        finished_dt=event.start_dt,
    )
    walk_in = Attendance(
        event_id=event.id,
        name=f"{label} Walk-in",
        participant_key=f"{label.lower()}-walk-in",
        source=AttendanceSource.ZOOM,
    )
    document = Document(event_id=event.id, title=f"{label} note", url="https://example.org/n")
    question = Question(event_id=event.id, kind=QuestionKind.SHORT_TEXT, key="diet", labels={"en": label})
    mailing = Mailing(
        event_id=event.id,
        audience=MailingAudience.CONFIRMED,
        subject=f"{label} news",
        body="Hello",
        scheduled_dt=event.start_dt - timedelta(days=1),
    )
    mailout = Mailout(kind=MailoutKind.FOLLOW_UP, event_id=event.id, params={"audience": "attendees"})
    objects = [upload, walk_in, document, question, mailing, mailout]
    if series_id is not None:
        series_document = Document(series_id=series_id, title=f"{label} series note", url="https://e.org")
        series_question = Question(
            series_id=series_id, kind=QuestionKind.SHORT_TEXT, key="why", labels={"en": label}
        )
        objects += [series_document, series_question]
    db.session.add_all(objects)
    db.session.commit()
    message = db.session.scalar(sa.select(Message.id).where(Message.registration_id == registration.id))
    assert message is not None  # the confirmation, in the mail log
    return {
        "event_id": event.id,
        "series_id": series_id,
        "registration_id": registration.id,
        "item_id": item.id,
        "speaker_id": item.speakers[0].id,
        "import_id": upload.id,
        "attendance_id": walk_in.id,
        "document_id": series_document.id if series_id is not None else document.id,
        "question_id": series_question.id if series_id is not None else question.id,
        "mailing_id": mailing.id,
        "mailout_id": mailout.id,
        "message_id": message,
    }


@pytest.fixture
def programme(app):
    alpha = make_series("Alpha Partnership Series")
    bravo = make_series("Bravo Hidden Series")
    ids = {
        "A": owned_objects(make_event("Alpha Webinar", series=alpha, is_published=True), "Alpha", alpha.id),
        "B": owned_objects(make_event("Bravo Meeting", series=bravo, is_published=True), "Bravo", bravo.id),
        "S": owned_objects(make_event("Quokka Summit", is_published=True), "Quokka", None),
    }
    ids["S"]["series_id"] = bravo.id  # a standalone event has none: its addresses name B's
    return ids


def partner_of(series_id: int, role: AccountRole = AccountRole.ORGANISER, email: str | None = None):
    admin = make_account("admin")
    partner = make_account("viewer", email)
    grant_series(partner, series_id, role, by=admin)
    return partner


def signed_in_partner(app, series_id: int, role: AccountRole = AccountRole.ORGANISER):
    partner = partner_of(series_id, role)
    client = app.test_client()
    assert sign_in(client, partner.email).status_code == 302
    client.account = partner
    return client


def protected_rules(app) -> list[Rule]:
    """Every rule behind sign-in (console, attendance, reports) and every rule of the organisers' API."""
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.partition(".")[0] in protected_blueprints | {"api_organiser"}
    ]


def filled(rule: Rule, ids: dict[str, int]) -> str:
    """The rule's path with each id of `ids`; a direction, a chart's key or a format as a word."""

    def value(match: re.Match) -> str:
        converter, name = match.group(1) or "", match.group(2)
        if converter.startswith("int"):
            return str(ids.get(name, 1))
        return {"fmt": "png", "key": "status", "direction": "up"}.get(name, "x")

    return re.sub(r"<(?:([\w(=)]+):)?(\w+)>", value, rule.rule)


def token_of(client) -> str:
    return CSRF_RE.search(client.get("/console/password").get_data(as_text=True)).group(1)


def ask(client, rule: Rule, url: str, method: str, csrf: str, headers: dict | None = None):
    if rule.endpoint.startswith("api_"):
        response = client.open(url, method=method, json={}, headers=headers)
        if response.status_code == 415:  # an attendance report: sent as a file
            report = {"file": (io.BytesIO(b"Name,Email\n"), "report.csv")}
            response = client.open(url, method=method, data=report, headers=headers)
        return response
    return client.open(url, method=method, data={"csrf_token": csrf})


def test_a_partner_reaches_nothing_of_another_series_nor_of_a_standalone_event(app, programme):
    partner = signed_in_partner(app, programme["A"]["series_id"])
    csrf = token_of(partner)
    _token, plain = create_token(partner.account, "CRM", ApiTokenScope.WRITE)
    bearer = {"Authorization": f"Bearer {plain}"}
    rules = protected_rules(app)
    assert len(rules) > 100 and any(rule.endpoint.startswith("api_organiser.") for rule in rules)
    walked = 0
    for other in ("B", "S"):
        for rule in rules:
            if rule.endpoint in PARTNER_PAGES:
                continue  # its own lists and tokens, walked below
            url = filled(rule, programme[other])
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = ask(partner, rule, url, method, csrf, bearer)
                assert response.status_code == 404, (other, method, url, response.status_code)
                assert not any(word in response.get_data(as_text=True) for word in HIDDEN), url
                walked += 1
    assert walked > 250


def test_a_404_for_another_series_is_that_of_something_that_does_not_exist(app, programme):
    partner = signed_in_partner(app, programme["A"]["series_id"])
    _token, plain = create_token(partner.account, "CRM", ApiTokenScope.READ)
    bearer = {"Authorization": f"Bearer {plain}"}
    for path in ("/console/events/{}", "/api/v1/events/{}/registrations", "/api/v1/reports/events/{}"):
        there = partner.get(path.format(programme["B"]["event_id"]), headers=bearer)
        nowhere = partner.get(path.format(999_999), headers=bearer)
        assert there.status_code == nowhere.status_code == 404
        # The same page but for the address itself (in the language links).
        hidden = there.get_data(as_text=True).replace(
            path.format(programme["B"]["event_id"]), path.format(999_999)
        )
        assert hidden == nowhere.get_data(as_text=True), path


def test_in_its_own_series_a_partner_sees_nothing_of_the_others(app, programme):
    partner = signed_in_partner(app, programme["A"]["series_id"])
    _token, plain = create_token(partner.account, "CRM", ApiTokenScope.READ)
    bearer = {"Authorization": f"Bearer {plain}"}
    seen = 0
    for rule in protected_rules(app):
        if "GET" not in rule.methods:
            continue
        url = filled(rule, programme["A"])
        response = partner.get(url, headers=bearer)
        if rule.endpoint in PARTNER_PAGES or any(name in rule.arguments for name in programme["A"]):
            assert response.status_code != 403, url
        else:  # the programme's own pages: accounts, audit, webhooks, platforms...
            assert response.status_code == 404, (url, response.status_code)
        body = readable(response.get_data())
        if response.status_code == 200:
            assert not [word for word in HIDDEN if word in body], url
            seen += 1
    assert seen > 40


def readable(body: bytes) -> str:
    """The text of a page, a CSV, a JSON answer, an XLSX workbook (its XML parts) or a PDF."""
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as workbook:
            return "".join(workbook.read(name).decode("utf-8", "replace") for name in workbook.namelist())
    if body.startswith(b"%PDF"):
        document = pdfium.PdfDocument(body)
        return "".join(page.get_textpage().get_text_range() for page in document)
    return body.decode("utf-8", "replace")


def test_its_lists_show_its_series_only(app, programme):
    partner = signed_in_partner(app, programme["A"]["series_id"])
    _token, plain = create_token(partner.account, "CRM", ApiTokenScope.READ)
    for url in ("/console/", "/console/programme", "/console/mail"):
        page = partner.get(url).get_data(as_text=True)
        assert "Alpha" in page, url
        assert not [word for word in HIDDEN if word in page], url
    log = partner.get("/api/v1/messages", headers={"Authorization": f"Bearer {plain}"}).get_json()
    registrations = [item["registration_id"] for item in log["items"]]
    assert registrations == [programme["A"]["registration_id"]]
    # An organiser with a global role still sees every series.
    organiser = make_account("organiser")
    client = app.test_client()
    sign_in(client, organiser.email)
    page = client.get("/console/programme").get_data(as_text=True)
    assert "Alpha Webinar" in page and "Bravo Meeting" in page and "Quokka Summit" in page


def test_a_viewer_on_its_series_changes_nothing_there(app, programme):
    viewer = signed_in_partner(app, programme["A"]["series_id"], AccountRole.VIEWER)
    event_id = programme["A"]["event_id"]
    assert viewer.get(f"/console/events/{event_id}/registrations").status_code == 200
    csrf = token_of(viewer)
    response = viewer.post(f"/console/events/{event_id}/publish", data={"csrf_token": csrf})
    assert response.status_code == 403
    # ...and, as a viewer, reads no addresses there.
    page = viewer.get(f"/console/events/{event_id}/registrations").get_data(as_text=True)
    assert "alpha.delegate@example.org" not in page


def test_the_role_follows_the_series_asked_about(app, programme):
    admin = make_account("admin")
    partner = partner_of(programme["A"]["series_id"], AccountRole.VIEWER)
    grant_series(partner, programme["B"]["series_id"], AccountRole.ORGANISER, by=admin)
    client = app.test_client()
    assert sign_in(client, partner.email).status_code == 302
    alpha = client.get(f"/console/events/{programme['A']['event_id']}/registrations").get_data(as_text=True)
    bravo = client.get(f"/console/events/{programme['B']['event_id']}/registrations").get_data(as_text=True)
    assert "alpha.delegate@example.org" not in alpha  # a viewer on A
    assert "bravo.delegate@example.org" in bravo  # an organiser on B
    csrf = token_of(client)
    refused = client.post(f"/console/events/{programme['A']['event_id']}/publish", data={"csrf_token": csrf})
    assert refused.status_code == 403
    assert client.get(f"/console/events/{programme['S']['event_id']}").status_code == 404
    # Its lists of every series it reaches: as a viewer, since it is one on A.
    log = client.get("/console/mail").get_data(as_text=True)
    assert "Alpha Delegate" in log
    assert "alpha.delegate@example.org" not in log and "bravo.delegate@example.org" not in log


def grant_on_page(admin, account_id: int, data: dict):
    """The form of the account's page, sent as a browser does."""
    csrf = csrf_token(admin, f"/console/accounts/{account_id}")
    return admin.post(f"/console/accounts/{account_id}/series", data={**data, "csrf_token": csrf})


def test_an_admin_gives_and_removes_rights_on_the_account_page(app, programme, signed_in):
    admin = signed_in("admin")
    partner = make_account("organiser", "partner@unodc.example.org")
    page_url = f"/console/accounts/{partner.id}"
    response = grant_on_page(admin, partner.id, {"series": programme["A"]["series_id"], "role": "viewer"})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    grant = db.session.scalar(sa.select(SeriesGrant).where(SeriesGrant.account_id == partner.id))
    assert (grant.series_id, grant.role) == (programme["A"]["series_id"], AccountRole.VIEWER)
    assert "Alpha Partnership Series" in admin.get(page_url).get_data(as_text=True)
    assert db.session.scalars(sa.select(AuditEntry.action)).all()[-1] == "account.series_grant"

    client = app.test_client()
    assert sign_in(client, partner.email).status_code == 302
    assert client.get(f"/console/events/{programme['B']['event_id']}").status_code == 404

    csrf = CSRF_RE.search(admin.get(page_url).get_data(as_text=True)).group(1)
    response = admin.post(
        f"/console/accounts/{partner.id}/series/{grant.id}/remove", data={"csrf_token": csrf}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.scalars(sa.select(SeriesGrant)).all() == []
    # Its rights changed: its session ended; signed in again, its global role applies as before.
    assert client.get("/console/").status_code == 302
    assert sign_in(client, partner.email).status_code == 302
    assert client.get(f"/console/events/{programme['B']['event_id']}").status_code == 200


@pytest.mark.parametrize(
    "data",
    [
        {"series": "999999", "role": "viewer"},
        {"series": "", "role": "viewer"},
        {"series": "x", "role": "organiser"},
        {"series": "A", "role": "admin"},
        {"series": "A", "role": ""},
    ],
)
def test_bad_rights_are_refused_and_change_nothing(app, programme, signed_in, data):
    admin = signed_in("admin")
    partner = make_account("organiser")
    if data["series"] == "A":
        data = {**data, "series": programme["A"]["series_id"]}
    response = grant_on_page(admin, partner.id, data)
    assert response.status_code == 400
    assert "error-summary" in response.get_data(as_text=True)
    assert db.session.scalars(sa.select(SeriesGrant)).all() == []


def test_an_admin_gets_no_series_rights_and_a_partner_is_not_made_admin(app, programme):
    admin = make_account("admin")
    other_admin = make_account("admin")
    with pytest.raises(AccountError):
        grant_series(other_admin, programme["A"]["series_id"], AccountRole.ORGANISER, by=admin)
    partner = partner_of(programme["A"]["series_id"])
    with pytest.raises(AccountError):
        change_account(partner, role=AccountRole.ADMIN, is_enabled=True, by=admin)


def test_another_accounts_grant_cannot_be_removed_through_this_account(app, programme, signed_in):
    admin = signed_in("admin")
    partner = partner_of(programme["A"]["series_id"])
    other = make_account("viewer")
    grant = db.session.scalar(sa.select(SeriesGrant).where(SeriesGrant.account_id == partner.id))
    csrf = token_of(admin)
    response = admin.post(f"/console/accounts/{other.id}/series/{grant.id}/remove", data={"csrf_token": csrf})
    assert response.status_code == 404
    assert db.session.scalars(sa.select(SeriesGrant)).all() != []


def test_a_partner_keeps_its_event_in_its_series(app, programme):
    partner = signed_in_partner(app, programme["A"]["series_id"])
    page = partner.get(f"/console/events/{programme['A']['event_id']}/edit").get_data(as_text=True)
    assert "Alpha Partnership Series" in page
    assert "None: a standalone event" not in page


def test_ids_sent_in_a_form_of_its_own_event_reach_nothing_of_another(app, programme):
    """The address names A's event; the ticked ids are B's: nothing of B changes or shows."""
    from app.models import Registration, RegistrationStatus

    partner = signed_in_partner(app, programme["A"]["series_id"])
    alpha, bravo = programme["A"], programme["B"]
    csrf = token_of(partner)
    response = partner.post(
        f"/console/events/{alpha['event_id']}/registrations/actions",
        data={"csrf_token": csrf, "action": "cancel", "ids": [str(bravo["registration_id"])]},
        follow_redirects=True,
    )
    assert response.status_code in (200, 400, 409)
    assert not [word for word in HIDDEN if word in response.get_data(as_text=True)]
    db.session.expire_all()
    assert db.session.get(Registration, bravo["registration_id"]).status == RegistrationStatus.CONFIRMED
    response = partner.post(
        f"/console/series/{alpha['series_id']}/registrations/actions",
        data={"csrf_token": csrf, "action": "cancel", "ids": [str(bravo["registration_id"])]},
        follow_redirects=True,
    )
    assert not [word for word in HIDDEN if word in response.get_data(as_text=True)]
    db.session.expire_all()
    assert db.session.get(Registration, bravo["registration_id"]).status == RegistrationStatus.CONFIRMED


def test_the_accounts_list_tells_a_partner(app, programme, signed_in):
    admin = signed_in("admin")
    partner = partner_of(programme["A"]["series_id"], email="partner@iom.example.org")
    row = next(
        line
        for line in admin.get("/console/accounts").get_data(as_text=True).split("<tr")
        if partner.email in line
    )
    assert "Partner: 1 series" in row


def test_an_organiser_partner_adds_events_to_its_series_only(app, programme):
    from tests.test_console_programme import event_form

    partner = signed_in_partner(app, programme["A"]["series_id"])
    page = partner.get("/console/events/new").get_data(as_text=True)
    assert "Alpha Partnership Series" in page
    assert not [word for word in HIDDEN if word in page]
    assert "None: a standalone event" not in page
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Event))
    for elsewhere in (str(programme["B"]["series_id"]), ""):
        response = submit(
            partner, "/console/events/new", event_form(title="Partner meeting", series=elsewhere)
        )
        assert response.status_code == 400, elsewhere
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == count
    response = submit(
        partner,
        "/console/events/new",
        event_form(title="Partner meeting", series=str(programme["A"]["series_id"])),
    )
    assert response.status_code == 303
    created = db.session.scalar(sa.select(Event).where(Event.title == "Partner meeting"))
    assert created.series_id == programme["A"]["series_id"]


def test_a_viewer_partner_adds_no_event(app, programme):
    from tests.test_console_programme import event_form

    viewer = signed_in_partner(app, programme["A"]["series_id"], AccountRole.VIEWER)
    assert viewer.get("/console/events/new").status_code == 403
    data = event_form(series=str(programme["A"]["series_id"])) | {"csrf_token": token_of(viewer)}
    assert viewer.post("/console/events/new", data=data).status_code == 403


NAV_LINK = re.compile(r'<nav class="console-nav"[^>]*>(.*?)</nav>', re.S)


def nav_links(client, url: str = "/console/") -> list[str]:
    [nav] = NAV_LINK.findall(client.get(url).get_data(as_text=True))
    return [link for link in re.findall(r'<a href="([^"]+)"', nav)]


@pytest.mark.parametrize("role", [AccountRole.ORGANISER, AccountRole.VIEWER])
def test_the_console_shows_a_partner_only_the_pages_it_opens(app, programme, role):
    """Its navigation leads nowhere that answers "not found": the programme's pages (the
    summaries of all series, the focal points, the privacy notice, the webhooks) are not its."""
    partner = signed_in_partner(app, programme["A"]["series_id"], role)
    links = nav_links(partner)
    assert "/console/focal-points" not in links and "/console/privacy" not in links
    for url in [*links, *nav_links(partner, f"/console/events/{programme['A']['event_id']}")]:
        assert partner.get(url).status_code == 200, url


def test_on_a_series_where_it_organises_a_partner_sees_no_link_its_viewer_grant_forbids(app, programme):
    """Organiser on one series, viewer on another: the programme's pages are its least grant's."""
    account = partner_of(programme["A"]["series_id"], AccountRole.ORGANISER)
    grant_series(account, programme["B"]["series_id"], AccountRole.VIEWER, by=make_account("admin"))
    partner = app.test_client()
    assert sign_in(partner, account.email).status_code == 302
    links = nav_links(partner, f"/console/events/{programme['A']['event_id']}")
    assert "/console/api-tokens" not in links
    for url in links:
        assert partner.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["viewer", "organiser", "admin"])
def test_the_console_shows_each_role_the_pages_it_opens(app, programme, signed_in, role):
    client = signed_in(role)
    links = nav_links(client)
    assert "/console/focal-points" in links
    for url in links:
        assert client.get(url).status_code == 200, url
