"""Badges with a QR code, check-in by scanning it, and the QR in the confirmation email.

The QR codes are read back as a phone would read them: the PDF page (or the email's image)
rendered to pixels (pypdfium2) and decoded by ZXing (zxing-cpp), not from our own matrix.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pypdfium2 as pdfium
import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image

from app.database import utcnow
from app.extensions import db
from app.models import (
    Attendance,
    AuditEntry,
    BadgeRole,
    DoorScan,
    EventFormat,
    Message,
    Registration,
    RegistrationStatus,
)
from app.services import links
from app.services.attendance import badges
from app.services.mail.delivery import deliver_pending
from app.services.registration.registrations import Applicant, cancel, register
from tests.conftest import csrf_token, make_event
from tests.test_report_downloads import SPEAKER_FORMS, joined_forms, needs_unicode_font

PEOPLE = [
    ("Aida Awel", "aida.awel@ilo.example.org", "ILO"),
    ("Vincent Cochetel", "vincent.cochetel@unhcr.example.org", "UNHCR"),
    ("سهام عثمان محمد", "siham.osman@moj.example.org", "وزارة العدل"),
    ("Johan Kruger", "johan.kruger@unodc.example.org", "UNODC"),
    ("Annalisa Pauciullo", "annalisa.pauciullo@unodc.example.org", "UNODC"),
]


@pytest.fixture
def event(app):
    return make_event(
        "Steering Committee meeting",
        format=EventFormat.IN_PERSON,
        place="World Forum, Churchillplein 10, The Hague",
    )


@pytest.fixture
def people(event) -> list[Registration]:
    return [
        register(event, Applicant(email=email, name=name, organisation=organisation)).registration
        for name, email, organisation in PEOPLE
    ]


def token(client) -> str:
    return csrf_token(client, "/console/password")


def scan(client, event, code, client_id=None, scanned_at=None):
    body = {"code": code}
    if client_id:
        body["client_id"] = client_id
    if scanned_at is not None:
        body["scanned_at"] = scanned_at
    return post_json(client, f"/console/events/{event.id}/check-in/scan", body)


def post_json(client, url, body):
    """As the page's script sends a scan: JSON, the CSRF token in its header and in the body."""
    csrf = token(client)
    return client.post(url, json={**body, "csrf_token": csrf}, headers={"X-CSRFToken": csrf})


def checked_in() -> list[int]:
    rows = db.session.scalars(sa.select(Attendance).execution_options(populate_existing=True))
    return sorted(row.registration_id for row in rows if row.attended)


def codes_in_pdf(pdf: bytes) -> list[list[str]]:
    """The QR codes ZXing reads on each page, rendered at 200 dpi."""
    document = pdfium.PdfDocument(pdf)
    pages = []
    for page in document:
        image = page.render(scale=200 / 72).to_pil()
        pages.append(sorted(result.text for result in zxingcpp.read_barcodes(image)))
    return pages


# --- the check-in code ---------------------------------------------------------------------------


def test_the_code_names_nobody_and_reads_back(app, event, people):
    person = people[0]
    code = links.check_in_code(person)
    assert code.startswith(f"P1-{event.id}-{person.id}-")
    assert "aida" not in code.lower() and "@" not in code
    assert links.read_check_in_code(code) == links.CheckInCode(event.id, person.id)
    assert links.read_check_in_code(code.lower()) == links.CheckInCode(event.id, person.id)


def test_an_altered_code_is_refused(app, event, people):
    code = links.check_in_code(people[0])
    mac = code.rsplit("-", 1)[1]
    other_mac = ("A" if mac[0] != "A" else "B") + mac[1:]
    forged = [
        code.rsplit("-", 1)[0] + "-" + other_mac,  # a letter of the signature changed
        f"P1-{event.id}-{people[1].id}-{mac}",  # someone else's id under this signature
        f"P1-{event.id + 1}-{people[0].id}-{mac}",  # another event under this signature
        "",
        "P1-1-1-",
        "https://example.org/" + code,
    ]
    for text in forged:
        assert links.read_check_in_code(text) is None, text
    app.config["SECRET_KEY"] = "another secret key of this site, changed since the printing"
    assert links.read_check_in_code(code) is None


# --- scanning at the door ------------------------------------------------------------------------


def test_a_scan_checks_the_right_person_in_once(console, event, people):
    response = scan(console, event, links.check_in_code(people[1]))
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["outcome"] == "checked_in"
    assert answer["name"] == "Vincent Cochetel"
    assert "UNHCR" in answer["details"]
    assert answer["counts"] == "1 checked in of 5 confirmed"
    assert checked_in() == [people[1].id]

    arrived = db.session.scalar(sa.select(Attendance.first_join_dt))
    again = scan(console, event, links.check_in_code(people[1]))
    assert again.status_code == 200
    assert again.get_json()["outcome"] == "already"
    time = arrived.astimezone(event.zone).strftime("%H:%M")
    assert again.get_json()["message"] == f"Vincent Cochetel was already checked in at {time}."
    assert checked_in() == [people[1].id]
    assert db.session.scalar(sa.select(Attendance.first_join_dt)) == arrived
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.action == "attendance.check_in")
    )
    assert len(list(actions)) == 1


@pytest.mark.parametrize(
    ("why", "status", "message"),
    [
        ("forged", 400, "This is not a check-in code of this site: refused."),
        ("other event", 409, "This code is for another event."),
        ("cancelled", 409, "registration is Cancelled"),
        ("erased", 409, "This registration no longer exists."),
    ],
)
def test_a_scan_refused_says_why_and_changes_nothing(console, event, people, why, status, message):
    person = people[0]
    code = links.check_in_code(person)
    if why == "forged":
        code = code[:-1] + ("A" if code[-1] != "A" else "B")
    elif why == "other event":
        other = make_event("Senior Officials' Meeting", format=EventFormat.IN_PERSON)
        code = links.check_in_code(
            register(other, Applicant(email=person.email, name=person.name)).registration
        )
    elif why == "cancelled":
        cancel(person)
    else:
        db.session.get(Registration, person.id).anonymised_dt = utcnow()
        db.session.commit()
    response = scan(console, event, code, client_id="scan-refused-1")
    assert response.status_code == status
    assert response.get_json()["outcome"] == "refused"
    assert message in response.get_json()["message"]
    assert checked_in() == []
    assert db.session.scalar(sa.select(sa.func.count(DoorScan.id))) == 0


def test_bad_input_to_the_scan_is_refused(console, event, people):
    url = f"/console/events/{event.id}/check-in/scan"
    code = links.check_in_code(people[0])
    for body in (
        {"code": ""},
        {"code": "x" * 101},
        {"code": code, "client_id": "no spaces allowed"},
        {"code": code, "scanned_at": "yesterday"},
        {"code": code, "scanned_at": -5},
    ):
        response = post_json(console, url, body)
        assert response.status_code == 400, body
        assert response.get_json()["outcome"] == "refused"
    assert console.post(url, json={"code": code}).status_code == 400  # no CSRF token
    assert checked_in() == []


def test_a_viewer_cannot_scan(signed_in, event, people):
    viewer = signed_in("viewer")
    response = scan(viewer, event, links.check_in_code(people[0]))
    assert response.status_code == 403
    assert checked_in() == []


def test_a_typed_code_without_javascript(console, event, people):
    url = f"/console/events/{event.id}/check-in/scan"
    response = console.post(url, data={"code": links.check_in_code(people[3]), "csrf_token": token(console)})
    assert response.status_code == 303
    page = console.get(response.headers["Location"]).get_data(as_text=True)
    assert "Johan Kruger is checked in at" in page
    refused = console.post(url, data={"code": "P1-1-1-AAAA", "csrf_token": token(console)})
    assert refused.status_code == 400
    assert "This is not a check-in code of this site" in refused.get_data(as_text=True)


def test_the_offline_queue_sent_again_counts_once(console, event, people):
    """The page sends its queue when the network is back; an answer lost on the way makes it send
    a scan again, maybe after the desk took the check-in back: it is recorded once, as it was."""
    code = links.check_in_code(people[2])
    five_minutes_ago = utcnow() - timedelta(minutes=5)
    first = scan(
        console, event, code, client_id="a1b2c3d4e5f6", scanned_at=int(five_minutes_ago.timestamp() * 1000)
    )
    assert first.get_json()["outcome"] == "checked_in"
    arrived = db.session.scalar(sa.select(Attendance.first_join_dt))
    assert abs(arrived - five_minutes_ago) < timedelta(seconds=1)  # the time the scan was read

    # The desk takes the check-in back; the same queued scan arrives again.
    console.post(
        f"/console/events/{event.id}/check-in/{people[2].id}/undo", data={"csrf_token": token(console)}
    )
    assert checked_in() == []
    for _ in range(2):
        again = scan(console, event, code, client_id="a1b2c3d4e5f6")
        assert again.status_code == 200
        assert again.get_json()["outcome"] == "checked_in"  # the same answer as the first time
    assert checked_in() == []
    assert db.session.scalar(sa.select(sa.func.count(DoorScan.id))) == 1

    # A scan id already used for someone else is refused, not taken as theirs.
    other = scan(console, event, links.check_in_code(people[0]), client_id="a1b2c3d4e5f6")
    assert other.status_code == 409
    assert checked_in() == []


def test_a_queued_scan_from_a_wrong_clock_arrives_now(console, event, people):
    tomorrow = utcnow() + timedelta(days=1)
    scan(
        console,
        event,
        links.check_in_code(people[0]),
        client_id="clockwrong1",
        scanned_at=int(tomorrow.timestamp() * 1000),
    )
    arrived = db.session.scalar(sa.select(Attendance.first_join_dt))
    assert abs(arrived - utcnow()) < timedelta(minutes=1)


def test_the_check_in_page_may_open_the_camera_and_no_other(console, event, people):
    page = console.get(f"/console/events/{event.id}/check-in")
    assert "camera=(self)" in page.headers["Permissions-Policy"]
    assert "'unsafe-inline'" not in page.headers["Content-Security-Policy"]
    html = page.get_data(as_text=True)
    assert "check-in-scan.js" in html and "vendor/jsqr-1.4.0/jsQR.js" in html
    assert (
        console.get(f"/console/events/{event.id}/attendance")
        .headers["Permissions-Policy"]
        .startswith("camera=()")
    )
    assert console.get("/static/vendor/jsqr-1.4.0/jsQR.js").status_code == 200


# --- badges --------------------------------------------------------------------------------------


def print_badges(client, event, **form):
    url = f"/console/events/{event.id}/badges"
    data = {"who": "everyone", "layout": "a6", "csrf_token": token(client), **form}
    return client.post(url, data=data)


def test_each_badge_carries_a_qr_code_that_checks_its_wearer_in(console, event, people):
    response = print_badges(console, event, layout="a6")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    pages = codes_in_pdf(response.data)
    assert len(pages) == 5
    by_name = sorted(people, key=lambda person: person.search_text)
    assert pages == [[links.check_in_code(person)] for person in by_name]

    # The third badge read at the door checks in its wearer, and nobody else.
    wearer = by_name[2]
    assert scan(console, event, pages[2][0]).get_json()["name"] == wearer.name
    assert checked_in() == [wearer.id]


def test_a4_sheets_hold_four_badges_each(console, event, people):
    response = print_badges(console, event, layout="a4")
    pages = codes_in_pdf(response.data)
    assert [len(codes) for codes in pages] == [4, 1]
    assert sorted(code for codes in pages for code in codes) == sorted(links.check_in_code(p) for p in people)
    page = pdfium.PdfDocument(response.data)[0]
    assert (round(page.get_width() * 25.4 / 72), round(page.get_height() * 25.4 / 72)) == (210, 297)


def test_a_badge_says_who_and_shapes_arabic(app, event, people):
    person = people[2]
    person.badge_role = BadgeRole.SPEAKER
    lines = badges.badge_lines(person)
    assert (lines.given_name, lines.family_name, lines.organisation) == ("", "سهام عثمان محمد", "وزارة العدل")
    needs_unicode_font()
    pdf = badges.render(event, [lines], badges.Layout.A6)
    assert joined_forms(pdf) >= SPEAKER_FORMS  # her letters in their joined shapes
    text = pdfium.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert "SPEAKER" in text and "سهام عثمان محمد" in text  # and found by a reader's search


def test_badge_lines_take_the_registration_forms_fields_when_there(app, event, people):
    person = people[0]
    person.given_name, person.family_name = "Aida", "Awel"  # as the meeting's form gives them
    person.salutation, person.representing_country, person.head_of_delegation = "he", "ET", True
    lines = badges.badge_lines(person)
    assert (lines.salutation, lines.given_name, lines.family_name) == ("H.E.", "Aida", "Awel")
    assert lines.representing == "Ethiopia" and lines.head_of_delegation
    person.representing_country, person.representing_organisation = "", person.organisation
    assert badges.badge_lines(person).representing == ""  # the organisation, said once


def test_late_arrivals_only_are_printed_the_second_time(console, event, people):
    assert print_badges(console, event).status_code == 200
    late = register(
        event, Applicant(email="late@example.org", name="Late Comer", organisation="IOM")
    ).registration
    response = print_badges(console, event, who="late")
    assert codes_in_pdf(response.data) == [[links.check_in_code(late)]]
    nobody = print_badges(console, event, who="late")
    assert nobody.status_code == 400
    assert "Nobody to print" in nobody.get_data(as_text=True)
    page = console.get(f"/console/events/{event.id}/badges").get_data(as_text=True)
    assert "6 confirmed; 0 of them have no badge printed yet." in page


def print_from_table(client, event, query: str = "", **form):
    """The registrations table's "Print their badges", its filters in the query string."""
    url = f"/console/events/{event.id}/registrations/badges{query}"
    return client.post(url, data={"csrf_token": token(client), **form})


def printed() -> list[int]:
    statement = sa.select(Registration.id).where(Registration.badge_printed_dt.is_not(None))
    return sorted(db.session.scalars(statement.execution_options(populate_existing=True)))


def test_the_ticked_ones_from_the_registrations_table(console, event, people):
    cancel(people[4])
    table = console.get(f"/console/events/{event.id}/registrations?status=confirmed").get_data(as_text=True)
    assert f'formaction="/console/events/{event.id}/registrations/badges?status=confirmed"' in table
    response = print_from_table(console, event, ids=[people[0].id, people[4].id])
    assert response.mimetype == "application/pdf"
    assert codes_in_pdf(response.data) == [[links.check_in_code(people[0])]]  # the cancelled one left out
    assert printed() == [people[0].id]


def test_the_whole_list_as_filtered_from_the_registrations_table(console, event, people):
    response = print_from_table(console, event, "?q=unodc", everyone="y")
    assert response.mimetype == "application/pdf"
    unodc = sorted(links.check_in_code(person) for person in people if person.organisation == "UNODC")
    assert codes_in_pdf(response.data) == [unodc]
    assert printed() == sorted(person.id for person in people if person.organisation == "UNODC")


@pytest.mark.parametrize(
    ("query", "form"),
    [("", {}), ("", {"ids": ["one"]}), ("", {"ids": [2**40]}), ("?status=nonsense", {"everyone": "y"})],
)
def test_bad_requests_from_the_table_are_refused(console, event, people, query, form):
    response = print_from_table(console, event, query, **form)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert printed() == []


@pytest.mark.parametrize("form", [{"who": "all"}, {"layout": "letter"}, {"who": "chosen"}])
def test_bad_badge_requests_are_refused(console, event, people, form):
    response = print_badges(console, event, **form)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert printed() == []


def test_a_viewer_prints_no_badge(signed_in, event, people):
    viewer = signed_in("viewer")
    assert print_badges(viewer, event).status_code == 403
    assert print_from_table(viewer, event, ids=[people[0].id]).status_code == 403
    assert printed() == []


def test_no_badges_for_an_online_event(console, people):
    online = make_event("Webinar", format=EventFormat.ONLINE)
    register(online, Applicant(email="w@example.org", name="Web Inar"))
    assert print_badges(console, online).status_code == 409


def test_the_badge_role_is_set_on_the_registration_page(console, event, people):
    url = f"/console/registrations/{people[1].id}/badge"
    response = console.post(url, data={"role": "press", "csrf_token": token(console)})
    assert response.status_code == 303
    assert db.session.get(Registration, people[1].id, populate_existing=True).badge_role == BadgeRole.PRESS
    assert 'value="press" selected' in console.get(f"/console/registrations/{people[1].id}").get_data(
        as_text=True
    )
    assert console.post(url, data={"role": "king", "csrf_token": token(console)}).status_code == 400
    assert db.session.get(Registration, people[1].id, populate_existing=True).badge_role == BadgeRole.PRESS


# --- the confirmation email ----------------------------------------------------------------------


def test_the_confirmation_of_an_in_person_meeting_carries_the_qr_and_a_map(mail_app, smtp_server):
    event = make_event(
        "Steering Committee meeting", format=EventFormat.IN_PERSON, place="World Forum, The Hague"
    )
    person = register(event, Applicant(email="amina@example.org", name="Amina Yusuf")).registration
    deliver_pending()
    email = smtp_server.inbox.messages[-1]
    html = email.get_body(preferencelist=("html",))
    assert 'src="cid:check-in-code"' in html.get_content()
    images = [part for part in email.walk() if part.get_content_type() == "image/png"]
    assert len(images) == 1 and images[0]["Content-ID"] == "<check-in-code>"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(images[0].get_content())))
    assert [result.text for result in decoded] == [links.check_in_code(person)]
    text = email.get_body(preferencelist=("plain",)).get_content()
    assert "Show this email at the door" in text
    assert "https://www.openstreetmap.org/search?query=World%20Forum%2C%20The%20Hague" in text
    assert "openstreetmap.org/search?query=World%20Forum" in html.get_content()

    stored = db.session.scalar(sa.select(Message).where(Message.registration_id == person.id))
    assert [item["filename"] for item in stored.content.attachments] == ["invitation.ics", "check-in.png"]
    assert "content_b64" not in stored.content.attachments[1]  # the mail log keeps its name only


def test_the_confirmation_of_an_online_event_has_no_qr(mail_app, smtp_server):
    event = make_event("Webinar", format=EventFormat.ONLINE, place="")
    register(event, Applicant(email="amina@example.org", name="Amina Yusuf"))
    deliver_pending()
    email = smtp_server.inbox.messages[-1]
    assert not [part for part in email.walk() if part.get_content_type() == "image/png"]
    assert "at the door" not in email.get_body(preferencelist=("plain",)).get_content()


def test_confirmed_status_is_what_gets_a_badge(app, event, people):
    people[0].status = RegistrationStatus.WAITLISTED
    db.session.commit()
    assert people[0] not in badges.to_print(event, badges.Who.EVERYONE)
