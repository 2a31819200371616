"""Issue 19, "Deciding, undoing": unmatched people are a decision (grouped, suggested, never a
walk-in by default), every import can be removed or replaced by a corrected file, a walk-in
removed or merged, and attendance is imported only once the event has started; in the console
and over the API."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.database import utcnow
from app.extensions import db
from app.models import (
    Attendance,
    AttendanceImport,
    AttendanceSource,
    AuditEntry,
    EventFormat,
    ImportStatus,
    Registration,
)
from app.services.attendance import attendance as service
from app.services.attendance import decisions
from app.services.registration.registrations import Applicant, add_registration
from tests.conftest import csrf_token, make_event
from tests.test_api_attendance import post as api_post
from tests.test_api_attendance import token_of
from tests.test_attendance_import import (
    DATA,
    HOST,
    START,
    attendance,
    decide,
    imported_from,
    page_url,
    stored,
    upload,
)
from tests.test_attendance_import import event as event  # fixtures
from tests.test_attendance_import import registered as registered

ZOOM = "zoom_meeting_participants.csv"


def fresh(imported: AttendanceImport) -> AttendanceImport:
    return db.session.get(AttendanceImport, imported.id, populate_existing=True)


def entry_of(imported: AttendanceImport, name: str) -> tuple[int, dict]:
    return next((i, e) for i, e in enumerate(fresh(imported).participants) if e["name"] == name)


def minutes() -> dict[str, tuple]:
    return {name: (row.registration_id, row.minutes, row.attended) for name, row in attendance().items()}


def button(client, url: str, **data):
    """A POST as the console's buttons send it, with the session's CSRF token (read from a
    page every account has a form on)."""
    return client.post(url, data={"csrf_token": csrf_token(client, "/console/password"), **data})


def mark_kinds(imported: AttendanceImport, kinds: dict[str, str]) -> None:
    """As the report reader marks hosts, interpreters, rooms and phones (another part of the
    issue): the entry's `kind`."""
    imported = fresh(imported)
    imported.participants = [
        {**entry, "kind": kinds.get(entry["name"], "delegate")} for entry in imported.participants
    ]
    db.session.commit()


# --- the grouping and the suggestions (no database) ---------------------------------------------


@pytest.mark.parametrize(
    ("kind", "group"),
    [
        ("host", "staff"),
        ("co_host", "staff"),
        ("panellist", "staff"),
        ("interpreter", "staff"),
        ("room", "staff"),
        ("phone", "phone"),
        ("delegate", "others"),
        (None, "others"),
    ],
)
def test_unmatched_people_are_grouped_by_their_kind(kind, group):
    entry = {"name": "Someone"} if kind is None else {"name": "Someone", "kind": kind}
    assert decisions.group_of(entry) == group


def test_names_are_compared_without_accents_case_order_or_full_first_names():
    score = lambda one, other: decisions.name_score(decisions.words(one), decisions.words(other))  # noqa: E731
    assert score("jose maria alvarez", "José María Álvarez-Núñez") >= 80
    assert score("Awel, Aida", "AIDA AWEL") == 100
    assert score("J. Kruger", "Johan Kruger") == 90
    assert score("Vincent Cochetell", "Vincent Cochetel") >= 95
    assert score("Mehari Tekle", "Aida Awel") == 0


def test_suggestions_by_name_and_by_the_organisations_domain_best_first():
    registrations = [
        (1, "Johan Kruger", "johan.kruger@unodc.example.org"),
        (2, "Annalisa Pauciullo", "annalisa.pauciullo@unodc.example.org"),
        (3, "Jo Kruse", "jo.kruse@gmail.com"),
        (4, "Aida Awel", "aida@gmail.com"),
    ]
    entries = [
        {"name": "J. Kruger", "email": "jk@unodc.example.org", "reg": None},
        {"name": "Aida Awel", "email": "aida.other@gmail.com", "reg": None, "kind": "delegate"},
        {"name": "Interpreter EN booth", "email": "", "reg": None, "kind": "interpreter"},
        {"name": "Zzyzx Qwerty", "email": "z@gmail.com", "reg": None},
    ]
    decisions.suggest(entries, registrations)
    kruger, aida, booth, nobody = (entry["suggestions"] for entry in entries)
    # The name and the domain; Annalisa on the domain alone; not "Jo Kruse" at a webmail.
    assert [(s["reg"], s["same_domain"]) for s in kruger] == [(1, True), (2, True)]
    assert kruger[0]["score"] == 100 and kruger[1]["score"] == decisions.DOMAIN_BONUS
    # Everyone has a gmail.com address: it says nothing of an organisation.
    assert aida == [{"reg": 4, "score": 100, "same_domain": False}]
    assert booth == [] and nobody == []


def test_a_domain_or_a_word_many_registrations_share_suggests_nobody_alone():
    """A large organisation's domain (or "Delegate" in every name) would make every one of
    its registrations a suggestion, and the preview of a long report wait on millions of
    comparisons."""
    many = [
        (n, f"Delegate {n:05d}", f"delegate{n:05d}@big.example.org") for n in range(decisions.COMMON_WORD + 1)
    ]
    entries = [{"name": "Delegate Unknown", "email": "someone@big.example.org", "reg": None}]
    decisions.suggest(entries, many)
    assert entries[0]["suggestions"] == []
    entries = [{"name": "Delegate 00007", "email": "d7@big.example.org", "reg": None}]
    decisions.suggest(entries, many)  # the number finds them: same name, same domain
    assert entries[0]["suggestions"][0] == {"reg": 7, "score": 100, "same_domain": True}


# --- the console: nobody is a walk-in by default --------------------------------------------------


def test_unmatched_people_start_undecided_and_confirming_asks_for_them(console, event, registered):
    imported = imported_from(upload(console, event, ZOOM))
    unmatched = [e for e in imported.participants if e["reg"] is None]
    assert {e["decision"] for e in unmatched} == {"undecided"} and len(unmatched) == 3
    html = console.get(page_url(event, imported)).get_data(as_text=True)
    assert "3 people are not decided yet" in html and "Import, leaving the undecided out" in html

    refused = decide(console, event, imported)
    assert refused.status_code == 409
    assert "3 unmatched people are not decided yet" in refused.get_data(as_text=True)
    assert stored() == (0, 1) and fresh(imported).status == ImportStatus.PREVIEW

    assert decide(console, event, imported, action="leave_out").status_code == 303
    rows = attendance()
    assert len(rows) == 7 and all(row.registration_id for row in rows.values())
    assert fresh(imported).walk_in_count == 0
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "attendance.walk_ins")) == 0
    )


def test_a_group_is_decided_in_one_click(console, event, registered):
    imported = imported_from(upload(console, event, ZOOM))
    mark_kinds(imported, {"Khartoum Process Secretariat": "host", "Galaxy S21": "phone"})
    html = console.get(page_url(event, imported)).get_data(as_text=True)
    assert "Likely staff or technical" in html and "Phone dial-ins" in html and "All walk-ins" in html

    url = page_url(event, imported)
    for pick in ("staff:ignore", "phone:ignore", "others:walk_in"):
        assert button(console, url + "/group", pick=pick).status_code == 303
    decided = {e["name"]: e["decision"] for e in fresh(imported).participants if e["reg"] is None}
    assert decided == {
        "Khartoum Process Secretariat": "ignore",
        "Galaxy S21": "ignore",
        "Mehari Tekle": "walk_in",
    }

    for bad in ("everyone:walk_in", "staff:delete", "", "staff"):
        assert button(console, url + "/group", pick=bad).status_code == 400
    assert console.post(url + "/group", data={"pick": "staff:walk_in"}).status_code == 400  # no CSRF token
    assert decide(console, event, imported).status_code == 303
    assert set(attendance()) == {name for name, *_ in registered_names()} | {"Mehari Tekle"}


def registered_names():
    from tests.test_attendance_import import DELEGATES

    return [d for d in DELEGATES if d[0] != "Amina Yusuf"]


def test_a_suggested_registration_is_accepted_in_one_click(console, event, registered):
    # Registered under a longer name, at the same organisation's domain: not matched, suggested.
    tekle = add_registration(
        event,
        Applicant(email="m.gebre@example.net", name="Tekle Mehari Gebre"),
        by=console.account,
    ).registration
    imported = imported_from(upload(console, event, ZOOM))
    index, mehari = entry_of(imported, "Mehari Tekle")
    assert mehari["reg"] is None
    assert mehari["suggestions"][0] == {"reg": tekle.id, "score": 100, "same_domain": True}
    assert entry_of(imported, "Galaxy S21")[1]["suggestions"] == []
    html = console.get(page_url(event, imported)).get_data(as_text=True)
    assert "Tekle Mehari Gebre" in html and "100% alike" in html and "same organisation’s domain" in html

    url = page_url(event, imported) + "/decide"
    assert button(console, url, pick=f"{index}:reg:{tekle.id}").status_code == 303
    assert entry_of(imported, "Mehari Tekle")[1]["how"] == "hand"
    aida_index = entry_of(imported, "Aida Awel")[0]
    for bad in (f"{aida_index}:walk_in", "999:walk_in", f"{index}:reg:{registered['Aida Awel']}", "x"):
        assert button(console, url, pick=bad).status_code == 400, bad
    assert (
        decide(
            console, event, imported, {"Khartoum Process Secretariat": "ignore", "Galaxy S21": "ignore"}
        ).status_code
        == 303
    )
    assert minutes()["Tekle Mehari Gebre"] == (tekle.id, 90, True)


def test_a_viewer_sees_the_groups_but_cannot_decide(signed_in, console, event, registered):
    imported = imported_from(upload(console, event, ZOOM))
    viewer = signed_in("viewer")
    html = viewer.get(page_url(event, imported)).get_data(as_text=True)
    assert "Unmatched people, by group" in html and "All walk-ins" not in html
    assert button(viewer, page_url(event, imported) + "/group", pick="others:walk_in").status_code == 403
    assert button(viewer, page_url(event, imported) + "/decide", pick="0:walk_in").status_code == 403


def test_attendance_is_imported_only_once_the_event_has_started(console, client, organiser_token):
    soon = make_event("Prevention", starts_in=timedelta(hours=2), format=EventFormat.ONLINE)
    response = upload(console, soon, ZOOM)
    assert response.status_code == 409
    assert "has not started yet" in response.get_data(as_text=True)
    answer = api_post(client, soon.id, organiser_token)
    assert answer.status_code == 409 and "has not started yet" in answer.get_json()["detail"]
    assert stored() == (0, 0)
    begun = make_event("Prevention", start=utcnow() - timedelta(minutes=5), format=EventFormat.ONLINE)
    assert upload(console, begun, ZOOM).status_code == 303


@pytest.fixture
def organiser_token(console):
    return token_of(console.account)


# --- the console: removing and replacing an import ------------------------------------------------


def import_file(console, event, filename=ZOOM, data=None, choices=HOST, **query) -> AttendanceImport:
    if query:
        body = (DATA / filename).read_bytes() if data is None else data
        url = f"/console/events/{event.id}/attendance/import?" + "&".join(
            f"{k}={v}" for k, v in query.items()
        )
        from tests.conftest import submit

        response = submit(console, url, {"file": (io.BytesIO(body), filename), "zone": "Europe/Brussels"})
    else:
        response = upload(console, event, filename, data)
    imported = imported_from(response)
    assert decide(console, event, imported, choices).status_code == 303
    return fresh(imported)


def test_removing_an_import_takes_back_its_attendance_and_keeps_the_others(console, event, registered):
    first = import_file(console, event)
    after_first = minutes()
    second = import_file(console, event, "zoom_webinar_attendee_report.csv")
    assert minutes()["Vincent Cochetel"][1] == 130  # the second report adds 09:50–10:00

    html = console.get(f"/console/events/{event.id}/attendance").get_data(as_text=True)
    assert console.account.name in html and "zoom_webinar_attendee_report.csv" in html and ">Remove" in html
    url = page_url(event, second) + "/remove"
    confirm = console.get(url)
    assert confirm.status_code == 200 and "taken back" in confirm.get_data(as_text=True)
    assert minutes()["Vincent Cochetel"][1] == 130  # asking changes nothing

    assert button(console, url).status_code == 303
    assert fresh(second).status == ImportStatus.REMOVED and fresh(first).status == ImportStatus.DONE
    assert minutes() == after_first
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "attendance.import_removed")
    ).one()
    assert entry.account_id == console.account.id and entry.details["filename"] == second.filename

    assert button(console, url).status_code == 409  # twice
    assert console.get(url).status_code == 409
    assert button(console, f"/console/events/{event.id}/attendance/imports/99999/remove").status_code == 404
    other = make_event("Prosecution", start=START.replace(month=5, day=26))
    assert console.get(f"/console/events/{other.id}/attendance/imports/{first.id}/remove").status_code == 404

    # The first gone too: nothing of the reports is left.
    assert button(console, page_url(event, first) + "/remove").status_code == 303
    assert stored()[0] == 0
    # A removed report's file may be imported again.
    import_file(console, event)
    assert minutes() == after_first


def test_a_check_in_stays_when_a_report_that_added_to_it_is_removed(console, event, registered):
    event.format = EventFormat.HYBRID
    db.session.commit()
    conny = db.session.get(Registration, registered["Conny Rijken"])
    service.check_in(conny, by=console.account)
    imported = import_file(console, event)
    assert attendance()["Conny Rijken"].import_id == imported.id
    assert button(console, page_url(event, imported) + "/remove").status_code == 303
    row = attendance()["Conny Rijken"]
    assert (row.source, row.attended, row.minutes, row.import_id) == (
        AttendanceSource.CHECK_IN,
        True,
        0,  # a check-in records the arrival, no minutes (what the report had added is gone)
        None,
    )
    assert len(attendance()) == 1


def test_a_viewer_cannot_remove_an_import(signed_in, console, event, registered):
    imported = import_file(console, event)
    viewer = signed_in("viewer")
    html = viewer.get(f"/console/events/{event.id}/attendance").get_data(as_text=True)
    assert ">Remove" not in html and "mehari.tekle@example.net" not in html
    assert viewer.get(page_url(event, imported) + "/remove").status_code == 403
    assert button(viewer, page_url(event, imported) + "/remove").status_code == 403
    assert fresh(imported).status == ImportStatus.DONE


def corrected_zoom() -> bytes:
    """The sample with Mehari's line taken out and Conny's stay as it really was."""
    text = (DATA / ZOOM).read_text("utf-8-sig")
    lines = [line for line in text.splitlines() if not line.startswith("Mehari Tekle")]
    text = "\n".join(lines).replace("10:25:30 AM,6,", "11:25:30 AM,66,")
    return text.encode()


def test_a_corrected_file_replaces_an_import_in_one_step(console, event, registered):
    old = import_file(console, event)
    before = minutes()
    assert before["Mehari Tekle"] == (None, 90, True) and before["Conny Rijken"][1:] == (6, False)
    upload_page = console.get(f"/console/events/{event.id}/attendance/import?replaces={old.id}")
    assert "Replacing import" in upload_page.get_data(as_text=True)

    from tests.conftest import submit

    url = f"/console/events/{event.id}/attendance/import?replaces={old.id}"
    new = imported_from(
        submit(console, url, {"file": (io.BytesIO(corrected_zoom()), "fixed.csv"), "zone": "Europe/Brussels"})
    )
    assert new.replaces_id == old.id
    assert "This corrected file replaces import" in console.get(page_url(event, new)).get_data(as_text=True)
    assert minutes() == before  # the preview changes nothing

    choices = {"Khartoum Process Secretariat": "ignore", "Galaxy S21": "ignore"}
    assert decide(console, event, new, choices).status_code == 303
    assert (fresh(old).status, fresh(new).status) == (ImportStatus.REPLACED, ImportStatus.DONE)
    after = minutes()
    assert "Mehari Tekle" not in after and after["Conny Rijken"][1:] == (66, True)
    assert {k: v for k, v in after.items() if k != "Conny Rijken"} == {
        k: v for k, v in before.items() if k not in ("Conny Rijken", "Mehari Tekle")
    }
    assert attendance()["Aida Awel"].import_id == new.id
    actions = set(
        db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("attendance.import%")))
    )
    assert actions == {"attendance.import", "attendance.import_replaced"}

    # A report no longer standing cannot be replaced; an unknown one is not found.
    again = submit(
        console, url, {"file": (io.BytesIO(b"x" + corrected_zoom()), "again.csv"), "zone": "Europe/Brussels"}
    )
    assert again.status_code == 409
    assert console.get(f"/console/events/{event.id}/attendance/import?replaces=99999").status_code == 404
    assert console.get(f"/console/events/{event.id}/attendance/import?replaces=abc").status_code == 404


# --- the console: a single walk-in ---------------------------------------------------------------


def walk_ins() -> dict[str, Attendance]:
    return {row.name: row for row in attendance().values() if row.registration_id is None}


ALL_WALK_INS = {"Khartoum Process Secretariat": "ignore", "Galaxy S21": "walk_in", "Mehari Tekle": "walk_in"}


def test_a_walk_in_merged_with_another_counts_overlapping_time_once(console, event, registered):
    import_file(console, event, choices=ALL_WALK_INS)
    people = walk_ins()
    galaxy, mehari = people["Galaxy S21"], people["Mehari Tekle"]
    page = console.get(f"/console/events/{event.id}/attendance/walk-ins/{galaxy.id}")
    assert page.status_code == 200 and "The same person as" in page.get_data(as_text=True)
    url = f"/console/events/{event.id}/attendance/walk-ins/{galaxy.id}/merge"
    assert button(console, url, into=f"walk_in:{mehari.id}").status_code == 303
    # 10:30–10:32 on the phone was within 10:10–11:40: 90 minutes, not 92.
    assert {name: row.minutes for name, row in walk_ins().items()} == {"Mehari Tekle": 90}
    assert db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.action == "attendance.walk_in_merged")
    ).one()


def test_a_walk_in_merged_with_a_registration_and_another_removed(console, event, registered):
    first = import_file(console, event, choices=ALL_WALK_INS)
    people = walk_ins()
    amina = registered["Amina Yusuf"]
    base = f"/console/events/{event.id}/attendance/walk-ins"
    assert button(console, f"{base}/{people['Galaxy S21'].id}/merge", into=f"reg:{amina}").status_code == 303
    assert minutes()["Amina Yusuf"] == (amina, 2, False)
    # Counted again, a walk-in still there keeps their row: their page is where it was.
    assert walk_ins()["Mehari Tekle"].id == people["Mehari Tekle"].id
    assert button(console, f"{base}/{people['Mehari Tekle'].id}/remove").status_code == 303
    assert walk_ins() == {}
    # The decisions are the reports' own now: they stand when the event is counted again.
    second = import_file(console, event, "zoom_webinar_attendee_report.csv", choices=HOST)
    assert "Mehari Tekle" in walk_ins()  # the second report names them again, as a walk-in chosen
    assert button(console, page_url(event, second) + "/remove").status_code == 303
    assert walk_ins() == {} and minutes()["Amina Yusuf"] == (amina, 2, False)
    assert fresh(first).walk_in_count == 0

    # Bad ids, registrants, forged targets: 404 or 400, nothing changed.
    assert console.get(f"{base}/99999").status_code == 404
    aida_row = attendance()["Aida Awel"]
    assert console.get(f"{base}/{aida_row.id}").status_code == 404  # a registrant, not a walk-in
    before = minutes()
    assert button(console, f"{base}/99999/remove").status_code == 404
    assert button(console, f"{base}/{aida_row.id}/remove").status_code == 404
    assert minutes() == before


def test_a_walk_in_merge_refuses_forged_targets(signed_in, console, event, registered):
    import_file(console, event, choices=ALL_WALK_INS)
    galaxy = walk_ins()["Galaxy S21"]
    url = f"/console/events/{event.id}/attendance/walk-ins/{galaxy.id}/merge"
    other = make_event("Prosecution", start=START.replace(month=5, day=26))
    stranger = add_registration(other, Applicant(email="s@example.org", name="Someone"), by=console.account)
    before = minutes()
    for forged in (f"reg:{stranger.registration.id}", f"walk_in:{galaxy.id}", "reg:99999", "delete", ""):
        assert button(console, url, into=forged).status_code == 400, forged
    viewer = signed_in("viewer")
    assert viewer.get(f"/console/events/{event.id}/attendance/walk-ins/{galaxy.id}").status_code == 403
    assert button(viewer, url, into=f"reg:{registered['Amina Yusuf']}").status_code == 403
    assert minutes() == before


# --- over the API -----------------------------------------------------------------------------------


def test_the_api_preview_groups_suggests_and_takes_decisions(
    client, console, event, registered, organiser_token
):
    tekle = add_registration(
        event, Applicant(email="m.gebre@example.net", name="Tekle Mehari Gebre"), by=console.account
    ).registration
    answer = api_post(client, event.id, organiser_token).get_json()
    people = {person["name"]: person for person in answer["unmatched_people"]}
    assert answer["undecided"] == 3 and {p["decision"] for p in people.values()} == {"undecided"}
    mehari = people["Mehari Tekle"]
    assert (mehari["group"], mehari["kind"]) == ("others", "delegate")
    assert mehari["suggestions"] == [
        {"registration_id": tekle.id, "name": "Tekle Mehari Gebre", "score": 100, "same_domain": True}
    ]
    refused = api_post(client, event.id, organiser_token, apply="true")
    assert refused.status_code == 409 and refused.get_json()["type"].endswith("/undecided")
    assert stored() == (0, 0)

    link = f"{mehari['index']}:{tekle.id}"
    preview = api_post(client, event.id, organiser_token, unmatched="ignore", link=link).get_json()
    assert preview["undecided"] == 0 and preview["matched_by_email"] == 5
    assert {p["name"]: p["decision"] for p in preview["unmatched_people"]}["Mehari Tekle"] == "match"
    for bad in (f"{mehari['index']}:{registered['Aida Awel']}", "999:1", f"{mehari['index']}:99999"):
        response = api_post(client, event.id, organiser_token, unmatched="ignore", link=bad)
        assert response.status_code == 422, bad
    assert api_post(client, event.id, organiser_token, link="x").status_code == 422
    applied = api_post(client, event.id, organiser_token, apply="true", unmatched="ignore", link=link)
    assert applied.status_code == 202, applied.get_data(as_text=True)
    rows = minutes()
    assert rows["Tekle Mehari Gebre"] == (tekle.id, 90, True) and len(rows) == 8  # no walk-ins


def test_the_api_lists_removes_and_replaces_imports(
    client, signed_in, console, event, registered, organiser_token
):
    assert api_post(client, event.id, organiser_token, apply="true", unmatched="walk_in").status_code == 202
    listed = client.get(f"/api/v1/events/{event.id}/attendance/imports", headers=organiser_token).get_json()
    [item] = listed["items"]
    assert (item["participants"], item["matched"], item["walk_ins"], item["status"]) == (10, 7, 3, "done")
    assert item["uploaded_by"] == console.account.name
    url = f"/api/v1/events/{event.id}/attendance/imports/{item['id']}"

    # A corrected file: previewed (nothing changes), then applied in one step.
    files = {"file": (io.BytesIO(corrected_zoom()), "fixed.csv")}
    preview = client.post(
        url + "/replacement", headers=organiser_token, data=files, content_type="multipart/form-data"
    )
    assert preview.status_code == 200 and preview.get_json()["applied"] is False
    assert "Mehari Tekle" in minutes()
    files = {"file": (io.BytesIO(corrected_zoom()), "fixed.csv")}
    applied = client.post(
        url + "/replacement",
        headers=organiser_token,
        query_string={"apply": "true", "unmatched": "ignore"},
        data=files,
        content_type="multipart/form-data",
    )
    assert applied.status_code == 200, applied.get_data(as_text=True)
    assert applied.get_json()["import"]["status"] == "done"
    assert "Mehari Tekle" not in minutes() and minutes()["Conny Rijken"][1] == 66
    statuses = {
        i["id"]: i["status"]
        for i in client.get(
            f"/api/v1/events/{event.id}/attendance/imports", headers=organiser_token
        ).get_json()["items"]
    }
    assert statuses[item["id"]] == "replaced"

    # The replaced one can be neither removed nor replaced again; the new one can be removed, once.
    assert client.delete(url, headers=organiser_token).status_code == 409
    new_url = f"/api/v1/events/{event.id}/attendance/imports/{applied.get_json()['import']['id']}"
    viewer = token_of(signed_in("viewer").account)
    assert client.delete(new_url, headers=viewer).status_code == 403
    assert client.delete(new_url).status_code == 401
    assert client.delete(new_url, headers=organiser_token).status_code == 204
    assert client.delete(new_url, headers=organiser_token).status_code == 409
    assert stored()[0] == 0
    assert (
        client.delete(
            f"/api/v1/events/{event.id}/attendance/imports/99999", headers=organiser_token
        ).status_code
        == 404
    )
    assert (
        client.delete("/api/v1/events/99999/attendance/imports/1", headers=organiser_token).status_code == 404
    )


def test_the_api_removes_and_merges_walk_ins(client, event, registered, organiser_token):
    assert api_post(client, event.id, organiser_token, apply="true", unmatched="walk_in").status_code == 202
    people = walk_ins()
    base = f"/api/v1/events/{event.id}/attendance/walk-ins"
    merge = client.post(
        f"{base}/{people['Galaxy S21'].id}/merge",
        headers=organiser_token,
        json={"into": "walk_in", "id": people["Mehari Tekle"].id},
    )
    assert merge.status_code == 204, merge.get_data(as_text=True)
    assert {name: row.minutes for name, row in walk_ins().items()} == {
        "Khartoum Process Secretariat": 144,
        "Mehari Tekle": 90,
    }
    secretariat_id = walk_ins()["Khartoum Process Secretariat"].id
    for body in ({}, {"into": "walk_in"}, {"into": "someone", "id": 1}, {"into": "walk_in", "id": "x"}):
        assert (
            client.post(f"{base}/{secretariat_id}/merge", headers=organiser_token, json=body).status_code
            == 422
        )
    missing = client.post(
        f"{base}/{secretariat_id}/merge", headers=organiser_token, json={"into": "registration", "id": 99999}
    )
    assert missing.status_code == 404
    assert client.delete(f"{base}/{secretariat_id}", headers=organiser_token).status_code == 204
    assert client.delete(f"{base}/{secretariat_id}", headers=organiser_token).status_code == 404
    aida = attendance()["Aida Awel"]
    assert client.delete(f"{base}/{aida.id}", headers=organiser_token).status_code == 404
    assert set(walk_ins()) == {"Mehari Tekle"}
