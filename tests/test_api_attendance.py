"""Uploading an attendance report over the API: the preview that changes nothing, the import
through the console's service (audited, webhooks sent, the same file twice changing nothing),
and every kind of bad input answered with a problem and nothing stored."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Account,
    ApiTokenScope,
    Attendance,
    AttendanceImport,
    AttendanceSource,
    AuditEntry,
    Event,
    EventFormat,
    Registration,
)
from app.services.accounts.api_tokens import create_token
from app.services.registration.registrations import Applicant, add_registration
from app.services.webhooks import webhooks
from tests.conftest import make_account, make_event
from tests.test_api import problem
from tests.test_attendance_import import BAD_ROWS, BROKEN, DELEGATES, SAMPLES, teams_bomb
from tests.test_webhooks import receiver as receiver  # fixtures
from tests.test_webhooks import receiving as receiving

DATA = Path(__file__).parent / "data"
START = datetime(2021, 6, 30, 8, tzinfo=UTC)  # 10:00 in Brussels
ZOOM = "zoom_meeting_participants.csv"


@pytest.fixture
def event(app) -> Event:
    return make_event("Partnership", start=START, hours=2, format=EventFormat.ONLINE)


@pytest.fixture
def organiser(app) -> Account:
    return make_account("organiser")


@pytest.fixture
def registered(event, organiser) -> dict[str, int]:
    return {
        name: add_registration(
            event, Applicant(email=email, name=name, organisation=organisation), by=organiser
        ).registration.id
        for name, email, organisation in DELEGATES
    }


def token_of(account: Account, scope: str = "write") -> dict:
    _token, plain = create_token(account, "Attendance robot", ApiTokenScope(scope))
    return {"Authorization": f"Bearer {plain}"}


@pytest.fixture
def writer(organiser) -> dict:
    return token_of(organiser)


def post(client, event_id: int, headers: dict, filename: str = ZOOM, data: bytes | None = None, **query):
    body = (DATA / filename).read_bytes() if data is None else data
    return client.post(
        f"/api/v1/events/{event_id}/attendance",
        headers=headers,
        query_string=query,
        data={"file": (io.BytesIO(body), filename)},
        content_type="multipart/form-data",
    )


def stored() -> tuple[int, int, int]:
    """Attendance rows, imports, audit entries: what a refused or previewed upload leaves alone."""
    db.session.rollback()
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Attendance, AttendanceImport, AuditEntry)
    )


def attendance() -> dict[str, tuple]:
    db.session.rollback()
    rows = db.session.execute(
        sa.select(Attendance, Registration.name).outerjoin(
            Registration, Registration.id == Attendance.registration_id
        )
    ).all()
    return {name or row.name: (row.registration_id, row.minutes, row.attended) for row, name in rows}


# --- the preview ------------------------------------------------------------------------------------


def test_the_preview_counts_and_matches_and_changes_nothing(client, event, registered, writer):
    before = stored()
    response = post(client, event.id, writer)
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer["applied"] is False and answer["import"] is None and answer["already_imported"] is False
    assert answer["source"] == "zoom" and answer["zone"] == "Europe/Brussels"
    assert answer["columns"]["duration"] == "Duration (Minutes)"
    # 14 rows, 10 people: Aida's three connections and Vincent's laptop and phone are merged.
    assert (answer["rows"], answer["participants"]) == (14, 10)
    # Johan by his name written "Kruger, Johan", Guy by his name without "(ROCK)".
    assert (answer["matched_by_email"], answer["matched_by_name"], answer["unmatched"]) == (5, 2, 3)
    assert {person["name"] for person in answer["unmatched_people"]} == {
        "Khartoum Process Secretariat",
        "Galaxy S21",
        "Mehari Tekle",
    }
    # Ten minutes online count as attended: Conny (6) does not. The unmatched are undecided
    # until the caller says what they are, and counted apart.
    assert answer["threshold_minutes"] == 10
    assert (answer["attended"], answer["below_threshold"], answer["unmatched_as"]) == (6, 1, "undecided")
    assert answer["undecided"] == 3
    assert stored() == before


def test_the_preview_with_the_unmatched_ignored_counts_them_out(client, event, registered, writer):
    answer = post(client, event.id, writer, unmatched="ignore").get_json()
    assert answer["unmatched"] == 3 and answer["unmatched_as"] == "ignore"
    assert (answer["attended"], answer["below_threshold"]) == (6, 1)


@pytest.mark.parametrize("filename", sorted(SAMPLES))
def test_each_platform_is_recognised_from_its_header(client, event, registered, writer, filename):
    response = post(client, event.id, writer, filename)
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer["source"] == SAMPLES[filename].value
    matched = answer["matched_by_email"] + answer["matched_by_name"]
    assert matched >= 2 and matched + answer["unmatched"] == answer["participants"]
    unmatched = {person["name"] for person in answer["unmatched_people"]}
    assert "Khartoum Process Secretariat" in unmatched and "Aida Awel" not in unmatched
    assert stored()[:2] == (0, 0)


# --- importing --------------------------------------------------------------------------------------


def test_apply_imports_through_the_console_service_audited(client, event, registered, organiser, writer):
    response = post(client, event.id, writer, apply="true", unmatched="walk_in")
    assert response.status_code == 202, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer["applied"] is True
    assert answer["import"]["status"] == "done"  # the job runs inline in tests
    assert answer["import"]["rows_done"] == answer["import"]["rows_total"] == 10
    assert (answer["matched_by_email"], answer["matched_by_name"], answer["unmatched"]) == (5, 2, 3)

    rows = attendance()
    assert set(rows) == {name for name, *_ in DELEGATES if name != "Amina Yusuf"} | {
        "Mehari Tekle",
        "Khartoum Process Secretariat",
        "Galaxy S21",
    }
    assert rows["Aida Awel"] == (registered["Aida Awel"], 120, True)
    assert rows["Johan Kruger"][0] == registered["Johan Kruger"]
    assert rows["Conny Rijken"][1:] == (6, False)
    assert rows["Mehari Tekle"] == (None, 90, True)  # a walk-in

    imported = db.session.scalars(sa.select(AttendanceImport)).one()
    assert imported.account_id == organiser.id and imported.source == AttendanceSource.ZOOM
    entries = {
        entry.action: entry
        for entry in db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action.like("attendance.%")))
    }
    assert set(entries) == {"attendance.import", "attendance.walk_ins"}
    assert all(entry.account_id == organiser.id for entry in entries.values())
    assert entries["attendance.import"].details["walk_ins"] == 3
    assert entries["attendance.walk_ins"].details["count"] == 3


def test_apply_with_the_unmatched_ignored_records_registrants_only(client, event, registered, writer):
    response = post(client, event.id, writer, apply="1", unmatched="ignore")
    assert response.status_code == 202
    rows = attendance()
    assert len(rows) == 7 and all(registration_id for registration_id, *_ in rows.values())


def test_the_same_file_twice_changes_nothing(client, event, registered, writer):
    assert post(client, event.id, writer, apply="true", unmatched="walk_in").status_code == 202
    before, rows = stored(), attendance()
    again = post(client, event.id, writer, apply="true", unmatched="walk_in")
    answer = problem(again, 409, "already-imported")
    assert "already imported" in answer["detail"]
    assert stored() == before and attendance() == rows
    # The preview says so, and still changes nothing.
    preview = post(client, event.id, writer)
    assert preview.status_code == 200 and preview.get_json()["already_imported"] is True
    assert stored() == before


def test_the_same_meeting_in_another_file_adds_no_rows(client, event, registered, writer):
    assert (
        post(
            client, event.id, writer, "teams_attendance_report.csv", apply="true", unmatched="walk_in"
        ).status_code
        == 202
    )
    rows = attendance()
    response = post(
        client, event.id, writer, "teams_attendance_report.xlsx", apply="true", unmatched="walk_in"
    )
    assert response.status_code == 202 and response.get_json()["import"]["status"] == "done"
    after = attendance()
    assert {name: row[0] for name, row in after.items()} == {name: row[0] for name, row in rows.items()}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttendanceImport)) == 2


def test_the_same_meeting_in_another_file_keeps_the_minutes(client, event, registered, writer):
    post(client, event.id, writer, "teams_attendance_report.csv", apply="true", unmatched="walk_in")
    rows = attendance()
    post(client, event.id, writer, "teams_attendance_report.xlsx", apply="true", unmatched="walk_in")
    assert attendance() == rows


def test_the_zone_of_the_report_times_can_be_given(client, event, registered, writer):
    response = post(
        client,
        event.id,
        writer,
        "teams_attendance_report.csv",
        apply="true",
        unmatched="walk_in",
        zone="Africa/Nairobi",
    )
    assert response.status_code == 202 and response.get_json()["zone"] == "Africa/Nairobi"
    db.session.rollback()
    aida = db.session.scalars(
        sa.select(Attendance).where(Attendance.registration_id == registered["Aida Awel"])
    ).one()
    assert aida.first_join_dt == datetime(2021, 6, 30, 6, 58, 12, tzinfo=UTC)  # 09:58:12 in Nairobi


@pytest.mark.parametrize("app_config", [{"WEBHOOK_ALLOW_PRIVATE": True}])
def test_an_import_sends_the_attendance_imported_webhook(
    client, event, registered, organiser, writer, receiver
):
    client.application.config["WEBHOOK_ALLOWED_PORTS"] = [receiver.port]  # a local receiver
    webhooks.create(receiver.url, ["attendance.imported"], None, by=organiser)
    assert post(client, event.id, writer, apply="true", unmatched="walk_in").status_code == 202
    [request] = receiver.requests
    assert request.headers["Plenary-Event"] == "attendance.imported"
    payload = json.loads(request.body)["data"]
    assert payload["event"]["id"] == event.id and payload["import"]["status"] == "done"


def test_a_cancelled_event_takes_no_import(client, event, registered, writer):
    event.is_cancelled = True
    db.session.commit()
    before = stored()
    problem(post(client, event.id, writer, apply="true"), 409, "conflict")
    assert stored() == before


# --- refused ---------------------------------------------------------------------------------------


def test_a_report_whose_columns_are_not_recognised_is_refused_naming_why(client, event, writer):
    before = stored()
    answer = problem(
        post(client, event.id, writer, "custom_sign_in_sheet.csv", apply="true"), 422, "report-not-recognised"
    )
    assert "Nom, Courriel, Connexion" in answer["detail"] and "console" in answer["detail"]
    assert [error["field"] for error in answer["errors"]] == ["file"]
    problem(post(client, event.id, writer, "custom_sign_in_sheet.csv"), 422, "report-not-recognised")
    assert stored() == before


@pytest.mark.parametrize("case", sorted(BROKEN))
@pytest.mark.parametrize("apply", ["false", "true"])
def test_a_broken_file_is_refused_and_nothing_is_stored(client, event, writer, case, apply):
    filename, data, message = BROKEN[case]
    before = stored()
    answer = problem(post(client, event.id, writer, filename, data, apply=apply), 422, "report-unreadable")
    assert message in answer["detail"]
    assert answer["errors"] == [{"field": "file", "message": answer["detail"]}]
    assert stored() == before


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_a_bad_row_is_left_out_and_listed_not_a_422(client, event, writer, case):
    filename, data, message = BAD_ROWS[case]
    answer = post(client, event.id, writer, filename, data).get_json()
    assert answer["participants"] == 1 and answer["left_out_count"] == 1
    [left_out] = answer["left_out"]
    assert left_out["line"] == 3 and message in left_out["reason"]
    response = post(client, event.id, writer, filename, data, apply="true", unmatched="walk_in")
    assert response.status_code == 202 and response.get_json()["left_out"] == [left_out]


@pytest.mark.parametrize("apply", ["false", "true"])
def test_a_workbook_that_would_unpack_like_a_bomb_is_refused_unread(client, event, writer, apply):
    """40 MB of rows, within the default 50 MB, but packed 230 to 1."""
    before = stored()
    response = post(client, event.id, writer, "report.xlsx", teams_bomb(40 * 2**20), apply=apply)
    answer = problem(response, 422, "report-unreadable")
    assert "more than the 100 times of an ordinary file" in answer["detail"]
    assert stored() == before


@pytest.mark.parametrize("app_config", [{"MAX_REPORT_BYTES": 4096}])
def test_a_report_too_large_is_refused(client, event, writer):
    before = stored()
    # Larger than the limit, within the multipart allowance: refused as the file is read...
    answer = problem(post(client, event.id, writer, "big.csv", b"x" * 5000), 413, "payload-too-large")
    assert "larger than" in answer["detail"]
    # ...and far larger: refused on its Content-Length, before the body is read.
    problem(post(client, event.id, writer, "big.csv", b"x" * (200 * 1024)), 413, "payload-too-large")
    assert stored() == before


def test_tokens_scopes_and_roles(client, event, registered):
    before = stored()
    problem(post(client, event.id, {}), 401, "unauthorized")
    problem(post(client, event.id, {"Authorization": "Bearer plenary_forged"}), 401, "unauthorized")
    read_only = token_of(make_account("organiser"), "read")
    assert "only read" in problem(post(client, event.id, read_only, apply="true"), 403, "forbidden")["detail"]
    problem(post(client, event.id, read_only), 403, "forbidden")  # a preview is for writers too
    viewer = token_of(make_account("viewer"), "write")
    problem(post(client, event.id, viewer, apply="true"), 403, "forbidden")
    assert stored()[:2] == before[:2]


def test_unknown_events_and_bad_input(client, event, writer):
    before = stored()
    problem(post(client, 999999, writer, apply="true"), 404, "not-found")
    url = f"/api/v1/events/{event.id}/attendance"

    def fields(response) -> set[str]:
        return {error["field"] for error in problem(response, 422, "validation-error")["errors"]}

    no_file = client.post(url, headers=writer, data={"report": "x"}, content_type="multipart/form-data")
    assert fields(no_file) == {"file"}
    assert fields(post(client, event.id, writer, apply="perhaps")) == {"apply"}
    assert fields(post(client, event.id, writer, zone="Mars/Olympus")) == {"zone"}
    assert fields(post(client, event.id, writer, zone="../../etc/passwd")) == {"zone"}
    [error] = problem(post(client, event.id, writer, zone="Mars/Olympus"), 422, "validation-error")["errors"]
    assert error["message"] == "Not a time zone name such as Europe/Brussels."  # one message, whole
    assert fields(post(client, event.id, writer, unmatched="delete")) == {"unmatched"}
    problem(client.post(url, headers=writer, json={"file": "x"}), 415, "unsupported-media-type")
    problem(
        client.post(url, headers=writer, data=b"Name,Email", content_type="text/csv"),
        415,
        "unsupported-media-type",
    )
    assert client.get(url, headers=writer).status_code == 405
    assert stored() == before


def test_the_operation_is_documented_as_a_file_upload(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/events/{event_id}/attendance"]["post"]
    assert operation["security"] == [{"bearerAuth": []}]
    assert list(operation["requestBody"]["content"]) == ["multipart/form-data"]
    assert {"200", "202", "409", "413", "415", "422"} <= set(operation["responses"])
    file_schema = spec["components"]["schemas"]["AttendanceReportFile"]
    assert file_schema["properties"]["file"] == {
        "type": "string",
        "format": "binary",
        "description": file_schema["properties"]["file"]["description"],
    }
    assert "report-not-recognised" in client.get("/api/v1/docs").get_data(as_text=True)


def test_the_document_lists_the_zones_a_report_may_be_in(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    [zone] = [
        p
        for p in spec["paths"]["/api/v1/events/{event_id}/attendance"]["post"]["parameters"]
        if p["name"] == "zone"
    ]
    assert {"Europe/Brussels", "Africa/Nairobi", "UTC"} <= set(zone["schema"]["enum"])
    assert "Mars/Olympus" not in zone["schema"]["enum"]
