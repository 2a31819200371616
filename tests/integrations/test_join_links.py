"""Personal Zoom join links: every confirmed registrant of a linked event is a registrant on
Zoom, their own link goes to them only, and whoever stops being confirmed is cancelled there."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import EventFormat, MessageContent, PlatformRegistrant, Registration, RegistrationStatus
from app.services.integrations import meetings, registrants
from app.services.join_links import join_url_for
from app.services.registration import registrations as service
from app.services.registration.registrations import Applicant
from tests.conftest import make_account, make_event, manage_path, shared_app, with_fresh_database
from tests.standins.fixtures import zoom_settings

WEBINAR = "81234567890"


@pytest.fixture
def zoom_mail_app(tmp_path, smtp_server, zoom_server):
    settings = zoom_settings(zoom_server)
    yield from with_fresh_database(
        shared_app(tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, **settings)
    )


def person(n: int = 1) -> Applicant:
    return Applicant(email=f"amina{n}@example.org", name=f"Amina Yusuf{n}", organisation="Ministry of Labour")


def linked_event(standin, **fields):
    standin.add_meeting(WEBINAR, topic="Partnership")
    event = make_event("Partnership", **fields)
    meetings.link(event, meetings.Platform.ZOOM, meeting_id=WEBINAR, by=None)
    return event


def row_of(registration_id: int) -> PlatformRegistrant | None:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(PlatformRegistrant).where(PlatformRegistrant.registration_id == registration_id)
    )


def test_a_confirmed_registrant_gets_their_own_link_by_email_and_on_the_manage_page(
    zoom_mail_app, smtp_server, zoom_standin
):
    event = linked_event(zoom_standin)
    outcome = service.register(event, person())
    [added] = zoom_standin.meetings[WEBINAR]["registrants"].values()
    assert (added["email"], added["first_name"], added["last_name"]) == (
        "amina1@example.org",
        "Amina",
        "Yusuf1",
    )
    personal = added["join_url"]
    assert join_url_for(outcome.registration) == personal != event.join_url
    [message] = smtp_server.inbox.messages
    text = message.get_body(("plain",)).get_content()
    assert personal in text and event.join_url not in text
    calendar = message.get_body(("calendar",)).get_content()
    assert "tk=" in calendar.replace("\r\n ", "")
    # The stored copy keeps no personal link; the manage page shows it to its holder.
    stored = db.session.scalars(sa.select(MessageContent.body_text)).one()
    assert "tk=" not in stored and "[personal link removed]" in stored
    client = zoom_mail_app.test_client()
    assert personal in client.get(manage_path(message)).get_data(as_text=True)


def test_organisers_pages_never_show_a_personal_link(zoom_standin, app, signed_in):
    event = linked_event(zoom_standin)
    outcome = service.register(event, person())
    personal = join_url_for(outcome.registration)
    assert "tk=" in personal
    for role in ("organiser", "viewer"):
        client = signed_in(role)
        for page in (f"/console/events/{event.id}", f"/console/registrations/{outcome.registration.id}"):
            assert personal not in client.get(page).get_data(as_text=True)


def test_cancelling_cancels_the_registrant_on_zoom(zoom_standin, app):
    event = linked_event(zoom_standin)
    outcome = service.register(event, person())
    row = row_of(outcome.registration.id)
    assert row is not None and row.on_platform
    service.cancel(db.session.get(Registration, outcome.registration.id))
    assert zoom_standin.meetings[WEBINAR]["registrants"][row.registrant_id]["status"] == "denied"
    assert not row_of(outcome.registration.id).on_platform
    assert join_url_for(db.session.get(Registration, outcome.registration.id)) == ""


def test_rejecting_cancels_and_approving_adds(zoom_standin, app):
    organiser = make_account("organiser")
    event = linked_event(zoom_standin, requires_approval=True)
    outcome = service.register(event, person())
    assert zoom_standin.meetings[WEBINAR]["registrants"] == {}  # awaiting approval: not on Zoom
    service.approve(outcome.registration, by=organiser)
    row = row_of(outcome.registration.id)
    assert row.on_platform
    registration = db.session.get(Registration, outcome.registration.id)
    service.cancel(registration, by=organiser)
    assert zoom_standin.meetings[WEBINAR]["registrants"][row.registrant_id]["status"] == "denied"


def test_promotion_from_the_waiting_list_adds_them(zoom_standin, app):
    event = linked_event(zoom_standin, capacity=1)
    first = service.register(event, person(1))
    second = service.register(event, person(2))
    assert second.status == RegistrationStatus.WAITLISTED
    assert len(zoom_standin.meetings[WEBINAR]["registrants"]) == 1
    service.cancel(db.session.get(Registration, first.registration.id))
    assert row_of(second.registration.id).on_platform
    statuses = sorted(r["status"] for r in zoom_standin.meetings[WEBINAR]["registrants"].values())
    assert statuses == ["approved", "denied"]


def test_linking_an_event_adds_its_confirmed_registrants(zoom_standin, app):
    event = make_event("Partnership")
    confirmed = [service.register(event, person(n)).registration.id for n in range(3)]
    zoom_standin.add_meeting(WEBINAR)
    meetings.link(event, meetings.Platform.ZOOM, meeting_id=WEBINAR, by=None)
    assert all(row_of(reg_id).on_platform for reg_id in confirmed)
    assert len(zoom_standin.meetings[WEBINAR]["registrants"]) == 3


def test_a_failure_never_blocks_a_registration_and_is_tried_again(zoom_standin, app, signed_in):
    event = linked_event(zoom_standin)
    zoom_standin.rate_limited.extend(["3600"])  # an hour: longer than a call may wait
    outcome = service.register(event, person())
    assert outcome.status == RegistrationStatus.CONFIRMED
    assert join_url_for(outcome.registration) == event.join_url  # the shared link meanwhile
    row = row_of(outcome.registration.id)
    assert not row.on_platform and row.attempts == 1 and "rate limit" in row.last_error
    page = signed_in("organiser").get(f"/console/events/{event.id}").get_data(as_text=True)
    assert "could not be added" in page
    # Tried again once the backoff has passed.
    later = row.next_attempt_dt + timedelta(seconds=1)
    assert registrants.sync_event(event.id, now=later).added == 1
    assert row_of(outcome.registration.id).on_platform


def test_a_webinar_deleted_on_zoom_is_shown_and_registrations_go_on(zoom_standin, app):
    event = linked_event(zoom_standin)
    del zoom_standin.meetings[WEBINAR]
    outcome = service.register(event, person())
    assert outcome.status == RegistrationStatus.CONFIRMED
    link = meetings.link_of(event)
    db.session.refresh(link)
    assert link.state == meetings.MeetingState.GONE and "does not exist" in link.last_error
    assert join_url_for(outcome.registration) == event.join_url


def test_a_registrant_deleted_on_zoom_is_cancelled_all_the_same(zoom_standin, app):
    event = linked_event(zoom_standin)
    outcome = service.register(event, person())
    zoom_standin.meetings[WEBINAR]["registrants"].clear()  # the stand-in still answers 204
    service.cancel(db.session.get(Registration, outcome.registration.id))
    assert not row_of(outcome.registration.id).on_platform


def test_the_sweep_catches_what_a_bulk_change_left(zoom_standin, app, monkeypatch):
    event = linked_event(zoom_standin)
    outcome = service.register(event, person())
    # A change no listener saw (raw SQL): the periodic sweep brings Zoom in step.
    with db.engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE registration SET status = 'cancelled' WHERE id = :id"),
            {"id": outcome.registration.id},
        )
    from app.services.integrations.tasks import sweep_registrants

    sweep_registrants.call_local()
    assert not row_of(outcome.registration.id).on_platform


def test_printing_badges_asks_no_sync(zoom_standin, app, monkeypatch):
    """Marking badges printed changes nobody's registration: no event is sent to Zoom again
    (the bulk UPDATE it was asked every linked event's sync, as for a change of status)."""
    from app.services.attendance import badges
    from app.services.integrations import tasks

    webinar = linked_event(zoom_standin)
    service.register(webinar, person(1))
    meeting = make_event("Steering Committee", format=EventFormat.IN_PERSON, place="The Hague")
    service.register(meeting, person(2))
    asked: list[int] = []
    monkeypatch.setattr(tasks, "sync_registrants", asked.append)
    badges.print_badges(meeting, badges.Who.EVERYONE, badges.Layout.A6, by=make_account("organiser"))
    assert asked == []
    service.cancel(db.session.scalar(sa.select(Registration).where(Registration.event_id == webinar.id)))
    assert asked == [webinar.id]  # what a status change asks, as ever


def test_erasing_a_person_cancels_them_on_zoom(zoom_standin, app):
    from app.services.privacy.personal_data import erase_delegate

    event = linked_event(zoom_standin)
    outcome = service.register(event, person())
    row = row_of(outcome.registration.id)
    erase_delegate(db.session.get(Registration, outcome.registration.id).delegate)
    assert zoom_standin.meetings[WEBINAR]["registrants"][row.registrant_id]["status"] == "denied"
    assert not row_of(outcome.registration.id).on_platform


def test_a_viewer_sees_how_many_failed_but_not_the_platforms_words(zoom_standin, app, signed_in):
    event = linked_event(zoom_standin)
    zoom_standin.rate_limited.extend(["3600"])
    service.register(event, person())
    error = row_of(db.session.scalar(sa.select(Registration.id))).last_error
    viewer_page = signed_in("viewer").get(f"/console/events/{event.id}").get_data(as_text=True)
    organiser_page = signed_in("organiser").get(f"/console/events/{event.id}").get_data(as_text=True)
    assert "could not be added" in viewer_page and error not in viewer_page
    assert error in organiser_page.replace("&#39;", "'")


def test_the_api_says_who_has_a_personal_link_and_never_gives_it(zoom_standin, app):
    """The issue asks the API's registration resource for the person's own join link; a
    personal link lets anyone in as that person, so (docs/security.md) it goes only to them:
    the API says whether the platform has given one, not what it is."""
    from tests.test_api_attendance import token_of

    event = linked_event(zoom_standin)
    given = service.register(event, person(1)).registration
    without = service.register(event, person(2)).registration
    db.session.execute(sa.delete(PlatformRegistrant).where(PlatformRegistrant.registration_id == without.id))
    db.session.commit()
    personal = join_url_for(given)
    for role in ("organiser", "viewer"):
        headers = token_of(make_account(role), "read")
        response = app.test_client().get(f"/api/v1/events/{event.id}/registrations", headers=headers)
        assert response.status_code == 200
        assert personal not in response.get_data(as_text=True)
        rows = {row["id"]: row["personal_join_link"] for row in response.json["items"]}
        assert rows == {given.id: True, without.id: False}
