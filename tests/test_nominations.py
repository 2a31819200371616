"""Delegations nominated by focal points (issue 21): organisers set a quota and invite the focal
points by email; each personal link (signed, expiring, no account) opens their delegation's
page, where they nominate up to the quota and replace a nominee until nominations close."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeTimedSerializer

from app.database import utcnow
from app.extensions import db
from app.formatting import instant_in
from app.models import AuditEntry, Event, FocalPoint, Message, Nomination, NomineeRole, Registration
from app.services import links
from app.services.programme import nominations as nominations_service
from tests.conftest import csrf_token, delegate_form, make_account, make_event
from tests.test_console_registrations import token

LINK = re.compile(r"https?://[^\s\"'<>]+/nominate/[^\s\"'<>]+")


def focal_point(country="ET", name="Tigist Haile", email="tigist@mofa.gov.et", organisation="") -> FocalPoint:
    focal = FocalPoint(country=country, organisation=organisation, name=name, email=email)
    db.session.add(focal)
    db.session.commit()
    return focal


def meeting(quota: int | None = 2, **fields) -> Event:
    return make_event("Senior Officials' Meeting", nomination_quota=quota, capacity=50, **fields)


def path(event: Event, focal: FocalPoint) -> str:
    return f"/nominate/{links.nomination_token(event.id, focal.id, focal.email)}"


def nominate(client, url: str, name: str, email: str, role: str = "member", **more):
    data = {"csrf_token": csrf_of(client, url), "name": name, "email": email, "role": role, **more}
    return client.post(url, data=data)


def csrf_of(client, _url: str = "") -> str:
    """The session's CSRF token, from a public form (a closed nomination page has none)."""
    return csrf_token(client, "/registrations/manage/resend")


def standing(event: Event) -> list[tuple[str, str]]:
    db.session.rollback()
    return [
        (n.name, n.role.value)
        for n in db.session.scalars(
            sa.select(Nomination)
            .where(Nomination.event_id == event.id, Nomination.replaced_dt.is_(None))
            .order_by(Nomination.id)
        )
    ]


def test_organisers_set_a_quota_and_invite_the_focal_points_by_email(console, client, app):
    ethiopia = focal_point()
    focal_point(country="", organisation="IOM", email="ana@iom.int", name="Ana Lima")
    event = meeting(quota=None)
    url = f"/console/events/{event.id}/nominations"
    response = console.post(url, data={"csrf_token": token(console), "quota": "2", "closes": ""})
    assert response.status_code == 303
    db.session.rollback()
    assert db.session.get(Event, event.id).nomination_quota == 2
    response = console.post(f"{url}/invite", data={"csrf_token": token(console)})
    assert response.status_code == 303
    messages = db.session.scalars(
        sa.select(Message).where(Message.kind == "nomination_invitation").order_by(Message.id)
    ).all()
    assert [m.to_address for m in messages] == [ethiopia.email, "ana@iom.int"]
    # The stored copy never holds the personal link (services/mail/personal_links.py).
    assert "/nominate/" not in messages[0].body_text and "personal link removed" in messages[0].body_text
    # Until when, in the event's zone with its offset, as every time the site shows.
    closes = instant_in(nominations_service.closes_dt(event), event.zone)
    assert "(UTC" in closes and closes in messages[0].body_text
    assert db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "event.nominations_invite")
    )


def test_the_link_in_the_email_opens_the_delegations_page(mail_app, smtp_server, signed_in):
    from app.services.programme import nominations

    with mail_app.app_context():
        focal = focal_point()
        event = meeting()
        nominations.invite_focal_points(event, by=make_account("organiser"))
        [message] = smtp_server.inbox.to(focal.email)
        link = LINK.search(message.get_body(("plain",)).get_content()).group(0)
        body = unescape(mail_app.test_client().get(link[link.index("/nominate/") :]).get_data(as_text=True))
        assert "Delegation of Ethiopia – nominees at most: 2." in body


def test_a_focal_point_nominates_up_to_the_quota(client, app):
    event, focal = meeting(), focal_point()
    url = path(event, focal)
    assert nominate(client, url, "Amina Yusuf", "amina@mofa.gov.et", "head").status_code == 303
    assert nominate(client, url, "Dawit Bekele", "dawit@mofa.gov.et").status_code == 303
    response = nominate(client, url, "Chiara Rossi", "chiara@mofa.gov.et")
    assert response.status_code == 409
    assert "Your delegation has its 2 nominees: replace one to nominate someone else." in unescape(
        response.get_data(as_text=True)
    )
    assert standing(event) == [("Amina Yusuf", "head"), ("Dawit Bekele", "member")]
    body = unescape(client.get(url).get_data(as_text=True))
    assert "Amina Yusuf" in body and "Head of delegation" in body


def test_another_delegations_nominees_are_neither_seen_nor_counted(client, app):
    event = meeting(quota=1)
    ethiopia, kenya = focal_point(), focal_point(country="KE", email="wanjiru@mfa.go.ke", name="Wanjiru")
    nominate(client, path(event, ethiopia), "Amina Yusuf", "amina@mofa.gov.et")
    assert nominate(client, path(event, kenya), "Otieno Ouma", "otieno@mfa.go.ke").status_code == 303
    assert "Amina Yusuf" not in client.get(path(event, kenya)).get_data(as_text=True)


def test_a_focal_point_replaces_a_nominee_before_the_deadline(client, app):
    event, focal = meeting(quota=1), focal_point()
    url = path(event, focal)
    nominate(client, url, "Amina Yusuf", "amina@mofa.gov.et", "head")
    amina = db.session.scalars(sa.select(Nomination)).one()
    response = nominate(client, f"{url}/replace/{amina.id}", "Dawit Bekele", "dawit@mofa.gov.et", "head")
    assert response.status_code == 303
    assert standing(event) == [("Dawit Bekele", "head")]
    # The replaced nominee's link to the form opens nothing any more.
    assert client.get(f"/nominee/{links.nominee_token(amina.id, amina.email)}").status_code == 404
    # A nominee of another delegation cannot be replaced from this link.
    kenya = focal_point(country="KE", email="wanjiru@mfa.go.ke", name="Wanjiru")
    dawit = db.session.scalars(sa.select(Nomination).where(Nomination.replaced_dt.is_(None))).one()
    assert (
        nominate(client, f"{path(event, kenya)}/replace/{dawit.id}", "X Y", "x@mfa.go.ke").status_code == 404
    )


def test_after_the_deadline_nothing_changes(client, app):
    event, focal = meeting(nominations_close_dt=utcnow() - timedelta(minutes=1)), focal_point()
    url = path(event, focal)
    body = unescape(client.get(url).get_data(as_text=True))
    assert "Nominations for this event are closed." in body
    assert nominate(client, url, "Amina Yusuf", "amina@mofa.gov.et").status_code == 409
    assert standing(event) == []


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"email": "not an address"}, "Enter a valid email address"),
        ({"name": ""}, "This field is required."),
        ({"role": "chair"}, "Not a valid choice."),
    ],
)
def test_bad_input_is_refused(client, app, fields, message):
    event, focal = meeting(), focal_point()
    url = path(event, focal)
    data = {
        "csrf_token": csrf_of(client, url),
        "name": "Amina",
        "email": "amina@mofa.gov.et",
        "role": "member",
    }
    response = client.post(url, data={**data, **fields})
    assert response.status_code == 400 and message in unescape(response.get_data(as_text=True))
    assert standing(event) == []


def test_a_forged_an_expired_or_a_stale_link_is_refused(client, app):
    event, focal = meeting(), focal_point()
    good = path(event, focal)
    assert client.get(good).status_code == 200
    assert client.get(good[:-3] + "abc").status_code == 404  # forged signature
    forged = URLSafeTimedSerializer("not the key", salt=links.NOMINATION_SALT).dumps(
        [event.id, focal.id, "x"]
    )
    assert client.get(f"/nominate/{forged}").status_code == 404
    # Signed with the right key, 31 days ago: past NOMINATION_LINK_LIFE.
    long_ago = time.time() - timedelta(days=31).total_seconds()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("itsdangerous.timed.time.time", lambda: long_ago)
        expired = links.nomination_token(event.id, focal.id, focal.email)
    response = client.get(f"/nominate/{expired}")
    assert response.status_code == 404
    assert "This link is not valid or has expired." in unescape(response.get_data(as_text=True))
    focal.email = "someone.else@mofa.gov.et"  # the contact changed: the old link opens nothing
    db.session.commit()
    assert client.get(good).status_code == 404
    assert nominate(client, good, "Amina", "amina@mofa.gov.et").status_code == 404


@pytest.mark.parametrize("language, text", [("fr", "Désigner votre délégation"), ("ar", "تسمية وفدك")])
def test_the_page_reads_in_french_and_arabic(client, app, language, text):
    event, focal = meeting(), focal_point()
    assert text in unescape(client.get(f"{path(event, focal)}?lang={language}").get_data(as_text=True))


def test_bad_settings_and_an_invitation_without_quota_are_refused(console, app):
    focal_point()
    event = meeting(quota=None)
    url = f"/console/events/{event.id}/nominations"
    response = console.post(url, data={"csrf_token": token(console), "quota": "0", "closes": ""})
    assert response.status_code == 400
    assert "Number must be" in unescape(response.get_data(as_text=True))
    response = console.post(f"{url}/invite", data={"csrf_token": token(console)})
    assert response.status_code == 409
    assert "Nominations are not open for this event" in unescape(response.get_data(as_text=True))
    db.session.rollback()
    assert db.session.get(Event, event.id).nomination_quota is None
    assert not db.session.scalars(sa.select(Message).where(Message.kind == "nomination_invitation")).all()


def test_organisers_see_each_delegation_and_approve_it_at_once(console, signed_in, client, app):
    from app.models import OrganisationKind, RegistrationStatus
    from app.services.registration import registrations

    event = meeting(quota=3, requires_approval=True)
    ethiopia, kenya = focal_point(), focal_point(country="KE", email="wanjiru@mfa.go.ke", name="Wanjiru")
    nominate(client, path(event, ethiopia), "Amina Yusuf", "amina@mofa.gov.et", "head")
    nominate(client, path(event, ethiopia), "Dawit Bekele", "dawit@mofa.gov.et")
    nominate(client, path(event, ethiopia), "Sara Tesfaye", "sara@mofa.gov.et")
    nominate(client, path(event, kenya), "Otieno Ouma", "otieno@mfa.go.ke")
    for name, email in (
        ("Amina Yusuf", "amina@mofa.gov.et"),
        ("Dawit Bekele", "dawit@mofa.gov.et"),
        ("Otieno Ouma", "otieno@mfa.go.ke"),
    ):
        applicant = registrations.Applicant(
            email=email,
            name=name,
            organisation="Ministry",
            organisation_kind=OrganisationKind.MEMBER_STATE,
            country="ET",
        )
        registrations.register(db.session.get(Event, event.id), applicant)
    url = f"/console/events/{event.id}/delegations"
    body = unescape(console.get(url).get_data(as_text=True))
    assert (
        "3 nominated, 2 registered, 0 approved." in body and "1 nominated, 1 registered, 0 approved." in body
    )
    assert "not registered yet" in body
    viewer = signed_in("viewer")
    assert "Approve the delegation" not in viewer.get(url).get_data(as_text=True)
    assert viewer.post(f"{url}/approve?delegation=ET", data={"csrf_token": token(viewer)}).status_code == 403

    response = console.post(f"{url}/approve?delegation=ET", data={"csrf_token": token(console)})
    assert response.status_code == 303
    db.session.rollback()
    statuses = {
        r.name: r.status
        for r in db.session.scalars(sa.select(Registration).where(Registration.event_id == event.id))
    }
    assert statuses == {
        "Amina Yusuf": RegistrationStatus.CONFIRMED,
        "Dawit Bekele": RegistrationStatus.CONFIRMED,
        "Otieno Ouma": RegistrationStatus.PENDING,  # another delegation
    }
    assert "3 nominated, 2 registered, 2 approved." in unescape(console.get(url).get_data(as_text=True))
    # Nobody left to approve, an unknown delegation: refused, nothing changes.
    assert (
        console.post(f"{url}/approve?delegation=ET", data={"csrf_token": token(console)}).status_code == 400
    )
    assert (
        console.post(f"{url}/approve?delegation=XX", data={"csrf_token": token(console)}).status_code == 404
    )


def test_each_nominee_gets_a_link_to_the_events_form_pre_filled(mail_app, smtp_server):
    from app.models import RegistrationStatus

    with mail_app.app_context():
        event = make_event(
            "Senior Officials' Meeting",
            nomination_quota=2,
            form_fields={"names": True, "representing": True, "head_of_delegation": False},
        )
        focal = focal_point()
        client = mail_app.test_client()
        assert (
            nominate(client, path(event, focal), "Amina Yusuf", "amina@mofa.gov.et", "head").status_code
            == 303
        )
        [message] = smtp_server.inbox.to("amina@mofa.gov.et")
        stored = db.session.scalars(sa.select(Message).where(Message.kind == "nomination_registration")).one()
        assert "/nominee/" not in stored.body_text  # the stored copy keeps no personal link
        link = re.search(r"https?://\S+/nominee/\S+", message.get_body(("plain",)).get_content()).group(0)
        url = link[link.index("/nominee/") :]
        nominee = mail_app.test_client()
        body = unescape(nominee.get(url).get_data(as_text=True))
        assert 'value="amina@mofa.gov.et"' in body and 'value="Yusuf"' in body
        assert '<option selected value="ET">' in body
        # Sent with what the page holds (its CSRF token and stamp), it is the event's registration.
        hidden = dict(re.findall(r'<input[^>]*name="(csrf_token|started)"[^>]*value="([^"]*)"', body))
        data = delegate_form(
            name=None,
            email="amina@mofa.gov.et",
            given_name="Amina",
            family_name="Yusuf",
            representing_country="ET",
            head_of_delegation="yes",
            **hidden,
        )
        response = nominee.post(url, data=data)
        assert response.status_code in (302, 303), unescape(response.get_data(as_text=True))[:3000]
        registration = db.session.scalars(
            sa.select(Registration).where(Registration.event_id == event.id)
        ).one()
        assert (registration.given_name, registration.family_name, registration.representing_country) == (
            "Amina",
            "Yusuf",
            "ET",
        )
        assert registration.head_of_delegation is True and registration.status == RegistrationStatus.CONFIRMED
        # A forged link, or one of a replaced nominee, opens nothing.
        assert nominee.get(url[:-2] + "xx").status_code == 404


def test_focal_points_and_nominees_are_written_to_in_their_language(mail_app, smtp_server):
    """A French-speaking focal point's invitation in French, the country named in French; the
    nominee they write to in Arabic gets their email in Arabic, and Arabic preselected on the
    form it opens."""
    from app.services.programme import nominations

    with mail_app.app_context():
        focal = focal_point(country="SN", name="Awa Diop", email="awa@diplomatie.gouv.sn")
        focal.language = "fr"
        db.session.commit()
        event = meeting()
        nominations.invite_focal_points(event, by=make_account("organiser"))
        [invitation] = smtp_server.inbox.to(focal.email)
        assert invitation["Subject"] == "Désignez votre délégation\xa0: Senior Officials' Meeting"
        assert "Sénégal" in invitation.get_body(("plain",)).get_content()
        client = mail_app.test_client()
        url = path(event, focal)
        assert '<option selected value="fr">' in client.get(url, headers={"Accept-Language": "fr"}).get_data(
            as_text=True
        )
        assert (
            nominate(client, url, "Karim Haddad", "karim@diplomatie.gouv.sn", language="ar").status_code
            == 303
        )
        # Replacing him, his language comes first, whatever the page's.
        page = client.get(url, headers={"Accept-Language": "fr"}).get_data(as_text=True)
        assert re.search(
            r'<select id="replace-\d+-language" name="language">.*?<option value="ar" selected>', page
        )
        [message] = smtp_server.inbox.to("karim@diplomatie.gouv.sn")
        assert message["Subject"] == "تمت تسميتك: \u2068Senior Officials' Meeting\u2069"
        assert "السنغال" in message.get_body(("plain",)).get_content()
        link = re.search(r"https?://\S+/nominee/\S+", message.get_body(("plain",)).get_content()).group(0)
        form = mail_app.test_client().get(link[link.index("/nominee/") :]).get_data(as_text=True)
        assert '<option selected value="ar">' in form


def test_an_organisations_name_is_escaped_in_the_emails(mail_app, smtp_server):
    from app.services.programme import nominations

    with mail_app.app_context():
        focal = focal_point(country="", organisation="<b>AU</b> & Co", email="ana@au.int")
        event = meeting()
        nominations.invite_focal_points(event, by=make_account("organiser"))
        nominate(mail_app.test_client(), path(event, focal), "Karim Haddad", "karim@au.int")
        for address in ("ana@au.int", "karim@au.int"):
            [message] = smtp_server.inbox.to(address)
            html = message.get_body(("html",)).get_content()
            assert "&lt;b&gt;AU&lt;/b&gt; &amp; Co" in html and "<b>AU" not in html
            assert "<b>AU</b> & Co" in message.get_body(("plain",)).get_content()


def test_a_nominee_in_no_language_of_ours_is_refused(client, app):
    response = nominate(
        client, path(meeting(), focal_point()), "Karim Haddad", "karim@example.org", language="xx"
    )
    assert response.status_code == 400
    assert "Not a valid choice." in unescape(response.get_data(as_text=True))
    assert db.session.scalar(sa.select(sa.func.count(Nomination.id))) == 0


def test_the_deadline_is_typed_in_the_events_zone(console, app):
    event = meeting(quota=None, timezone="Africa/Addis_Ababa")
    url = f"/console/events/{event.id}/nominations"
    data = {"csrf_token": token(console), "quota": "2", "closes": "2026-12-01T17:00"}
    assert console.post(url, data=data).status_code == 303
    db.session.rollback()
    saved = db.session.get(Event, event.id)
    assert saved.nomination_quota == 2
    assert saved.nominations_close_dt.isoformat() == "2026-12-01T14:00:00+00:00"  # UTC+3
    assert 'value="2026-12-01T17:00"' in console.get(f"/console/events/{event.id}").get_data(as_text=True)


# --- personal data: a nominee or a focal point is a person too ---------------------------------------


def nominated(event: Event, email: str = "amina@mofa.gov.et", name: str = "Amina Yusuf") -> Nomination:
    nomination = Nomination(
        event_id=event.id,
        country="ET",
        name=name,
        email=email,
        role=NomineeRole.HEAD,
        focal_point_id=focal_point().id,
    )
    db.session.add(nomination)
    db.session.commit()
    return nomination


def test_the_download_and_the_erasure_take_in_nominations_and_focal_points(app):
    from app.models import Delegate
    from app.services.privacy import personal_data

    event = meeting()
    nomination = nominated(event)
    other = Nomination(
        event_id=event.id,
        country="ET",
        name="Dawit Bekele",
        email="dawit@mofa.gov.et",
        role=NomineeRole.MEMBER,
    )
    db.session.add_all(
        [other, FocalPoint(country="ER", name="Amina Yusuf", email="amina@mofa.gov.et", language="ar")]
    )
    amina = Delegate(email="amina@mofa.gov.et", name="Amina Yusuf")
    db.session.add(amina)
    db.session.commit()

    data = personal_data.export_delegate(amina)
    assert [n["event"] for n in data["nominations"]] == [event.title]
    assert [(f["delegation"], f["language"]) for f in data["focal_point_of"]] == [("ER", "ar")]

    ids = nomination.id, other.id
    personal_data.erase_delegate(amina)

    db.session.expire_all()
    assert db.session.scalars(sa.select(Nomination.id)).all() == [ids[1]]  # someone else's stays
    assert db.session.scalars(sa.select(FocalPoint.email)).all() == ["tigist@mofa.gov.et"]


def test_the_retention_period_takes_the_nominations_of_its_events(app):
    from app.services.privacy import personal_data

    event = meeting(start=utcnow() - timedelta(days=800))
    nomination = nominated(event)
    assert nomination.id is not None

    personal_data.apply_retention()

    db.session.expire_all()
    assert db.session.scalars(sa.select(Nomination)).all() == []


def test_a_whole_delegation_is_seated_over_capacity_at_once(console, signed_in, client, app):
    """Protocol: a member state's delegation seated though the event is full, each seat in the
    audit log; another delegation's waiting people stay where they are."""
    from app.models import RegistrationStatus
    from app.services.registration import registrations

    event = meeting(quota=3)
    event.capacity = 1
    db.session.commit()
    ethiopia, kenya = focal_point(), focal_point(country="KE", email="wanjiru@mfa.go.ke", name="Wanjiru")
    people = (
        (ethiopia, "Amina Yusuf", "amina@mofa.gov.et"),
        (ethiopia, "Dawit Bekele", "dawit@mofa.gov.et"),
        (ethiopia, "Sara Tesfaye", "sara@mofa.gov.et"),
        (kenya, "Otieno Ouma", "otieno@mfa.go.ke"),
    )
    for focal, name, email in people:
        nominate(client, path(event, focal), name, email)
        registrations.register(
            db.session.get(Event, event.id), registrations.Applicant(email=email, name=name)
        )
    url = f"/console/events/{event.id}/delegations"
    assert "Seat the delegation over capacity" in unescape(console.get(url).get_data(as_text=True))
    viewer = signed_in("viewer")
    assert (
        viewer.post(f"{url}/seat-over-capacity?delegation=ET", data={"csrf_token": token(viewer)}).status_code
        == 403
    )

    response = console.post(f"{url}/seat-over-capacity?delegation=ET", data={"csrf_token": token(console)})

    assert response.status_code == 303
    db.session.rollback()
    statuses = {
        r.name: r.status
        for r in db.session.scalars(sa.select(Registration).where(Registration.event_id == event.id))
    }
    assert statuses == {
        "Amina Yusuf": RegistrationStatus.CONFIRMED,
        "Dawit Bekele": RegistrationStatus.CONFIRMED,
        "Sara Tesfaye": RegistrationStatus.CONFIRMED,
        "Otieno Ouma": RegistrationStatus.WAITLISTED,  # another delegation
    }
    assert db.session.get(Event, event.id).over_capacity_by == 2
    seated = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action.like("%over_capacity%"))).all()
    assert len(seated) == 2
    assert "2 people seated. Over capacity by 2." in unescape(console.get(url).get_data(as_text=True))
    # Nobody of it left waiting, an unknown delegation: refused, nothing changes.
    again = console.post(f"{url}/seat-over-capacity?delegation=ET", data={"csrf_token": token(console)})
    assert again.status_code == 400
    unknown = console.post(f"{url}/seat-over-capacity?delegation=XX", data={"csrf_token": token(console)})
    assert unknown.status_code == 404
