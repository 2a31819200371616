"""Documents uploaded from the console: checked by content, stored under our own names, served safely."""

from __future__ import annotations

import io
import random
import re
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEntry, Document, DocumentKind
from app.services import archives
from app.services.programme import documents as service
from config import Config
from tests.conftest import make_event, make_series, zip_with_padding

MAX_BYTES = 2 * 1024 * 1024  # above the global 1 MB form limit, to show the route raises it

WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
SLIDES_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
WORD_MACRO_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
SLIDES_MACRO_MAIN = "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


@pytest.fixture
def app_config():
    return {"MAX_DOCUMENT_BYTES": MAX_BYTES}


# --- files as Office and Acrobat write them ----------------------------------------------------


def pdf(padding: int = 0) -> bytes:
    body = b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" + b"%" + b"x" * padding + b"\n"
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + body + b"trailer << /Root 1 0 R >>\n%%EOF\n"


def office(main_type: str | None, parts: dict[str, bytes], extra_types: str = "") -> bytes:
    """A ZIP in the Open Packaging layout: [Content_Types].xml naming the main part, and the parts."""
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + (f'<Override PartName="/{next(iter(parts))}" ContentType="{main_type}"/>' if main_type else "")
        + extra_types
        + "</Types>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if main_type is not None:
            archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", "<Relationships/>")
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def docx() -> bytes:
    return office(WORD_MAIN, {"word/document.xml": b"<w:document>Background note</w:document>"})


def pptx() -> bytes:
    return office(
        SLIDES_MAIN, {"ppt/presentation.xml": b"<p:presentation/>", "ppt/slides/slide1.xml": b"<p:sld/>"}
    )


def docm() -> bytes:
    return office(
        WORD_MACRO_MAIN,
        {"word/document.xml": b"<w:document/>", "word/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"},
        '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>',
    )


def upload(client, owner_url: str, content: bytes, filename: str, **fields):
    data = {
        "csrf_token": token(client),
        "title": fields.pop("title", "Background note: Partnership"),
        "kind": fields.pop("kind", "background_note"),
        "file": (io.BytesIO(content), filename),
        **fields,
    }
    if data["csrf_token"] is None:
        del data["csrf_token"]
    data.setdefault("audience", "public")
    return client.post(f"{owner_url}/documents/file", data=data, content_type="multipart/form-data")


def token(client) -> str:
    page = client.get("/console/programme").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def stored_files(app) -> list[Path]:
    folder = Path(app.config["DOCUMENTS_DIR"])
    return sorted(folder.iterdir()) if folder.exists() else []


def documents() -> list[Document]:
    return list(db.session.scalars(sa.select(Document).order_by(Document.position, Document.id)))


def audit_actions() -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.target_type == "document").order_by(AuditEntry.id)
        )
    )


# --- accepted ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, filename, content_type",
    [
        (pdf, "Background note - Partnership.pdf", "application/pdf"),
        (docx, "Concept note.docx", DOCX_TYPE),
        (pptx, "Speakers' slides.PPTX", PPTX_TYPE),
    ],
)
def test_a_real_file_is_stored_under_a_random_name(app, console, make, filename, content_type):
    event = make_event("Partnership")
    content = make()
    response = upload(console, f"/console/events/{event.id}", content, filename)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/console/events/{event.id}#documents"
    [document] = documents()
    assert document.event_id == event.id and document.title == "Background note: Partnership"
    assert document.content_type == content_type and document.size_bytes == len(content)
    assert document.filename.lower() == filename.lower()
    [path] = stored_files(app)
    assert path.name == document.stored_name
    assert re.fullmatch(r"[0-9a-f]{32}\.(pdf|docx|pptx)", path.name)
    assert path.read_bytes() == content
    assert Path(app.config["DOCUMENTS_DIR"]).resolve() == path.resolve().parent
    assert audit_actions() == ["document.create"]
    assert document.title in console.get(f"/console/events/{event.id}").get_data(as_text=True)


def test_the_public_page_names_the_format_of_each_file(app, console, client):
    event = make_event("Partnership", is_published=True)
    upload(console, f"/console/events/{event.id}", docx(), "Concept note.docx", title="Concept note")
    upload(console, f"/console/events/{event.id}", pdf(), "Reader.pdf", title="Reader", kind="reader")
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert re.search(r"Concept note</a>\s*<span class=\"meta\">Background note · DOCX · \d+ KB</span>", page)
    assert re.search(r"Reader</a>\s*<span class=\"meta\">Reader · PDF · \d+ KB</span>", page)


def test_a_file_larger_than_the_form_limit_but_within_the_document_limit_is_accepted(app, console):
    event = make_event("Partnership")
    content = pdf(padding=1536 * 1024)
    assert app.config["MAX_CONTENT_LENGTH"] < len(content) < MAX_BYTES
    assert upload(console, f"/console/events/{event.id}", content, "Reader.pdf").status_code == 303
    assert documents()[0].size_bytes == len(content)


def test_the_uploaders_path_never_reaches_the_disk(app, console):
    event = make_event("Partnership")
    response = upload(console, f"/console/events/{event.id}", pdf(), "../../../etc/cron.d/evil.pdf")
    assert response.status_code == 303
    [document] = documents()
    assert document.filename == "evil.pdf"
    assert "evil" not in document.stored_name
    assert [path.name for path in stored_files(app)] == [document.stored_name]


def test_a_series_gets_its_reader(app, console):
    series = make_series()
    response = upload(
        console, f"/console/series/{series.id}", pdf(), "Reader.pdf", kind="reader", title="Reader"
    )
    assert response.status_code == 303
    [document] = documents()
    assert document.series_id == series.id and document.kind == DocumentKind.READER


# --- refused -------------------------------------------------------------------------------------


def zip_of(**files: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content, filename, message",
    [
        (zip_of(**{"note.txt": b"hello"}), "note.pdf", "Only PDF, Word (.docx) and PowerPoint (.pptx)"),
        (b"Just some text, not a PDF at all.", "note.pdf", "Only PDF, Word (.docx) and PowerPoint (.pptx)"),
        (b"<html><script>alert(1)</script></html>", "note.pdf", "Only PDF"),
        (b"MZ\x90\x00 an executable", "slides.pptx", "Only PDF"),
        (
            zip_of(**{"word/document.xml": b"<w:document/>"}),
            "note.docx",
            "Only PDF",
        ),  # no [Content_Types].xml
        (office(WORD_MAIN, {"xl/workbook.xml": b"<workbook/>"}), "note.docx", "Only PDF"),  # no word/ part
        (
            office("application/vnd.ms-excel.sheet.main+xml", {"xl/workbook.xml": b"<w/>"}),
            "sheet.docx",
            "Only PDF",
        ),
        (docm(), "Concept note.docx", "Files with macros cannot be uploaded"),
        (docm(), "Concept note.docm", "Files with macros cannot be uploaded"),
        (office(SLIDES_MACRO_MAIN, {"ppt/presentation.xml": b"<p/>"}), "slides.pptx", "with macros"),
        (
            office(WORD_MAIN, {"word/document.xml": b"<w/>", "word/vbaProject.bin": b"macro"}),
            "a.docx",
            "with macros",
        ),
        (pdf(), "note.docx", "does not match its content: it is a PDF file"),
        (docx(), "note.pdf", "does not match its content: it is a Word file"),
        (pdf(), "note", "does not match its content"),
        (b"", "empty.pdf", "The file is empty."),
    ],
)
def test_a_file_that_is_not_what_we_accept_is_refused_and_nothing_is_kept(
    app, console, content, filename, message
):
    event = make_event("Partnership")
    response = upload(console, f"/console/events/{event.id}", content, filename)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    assert documents() == []
    assert stored_files(app) == []
    assert audit_actions() == []


@pytest.mark.parametrize("size", [MAX_BYTES + 1, MAX_BYTES + 1024 * 1024])
def test_an_oversized_upload_answers_413_with_our_page_and_changes_nothing(app, console, size):
    event = make_event("Partnership")
    response = upload(console, f"/console/events/{event.id}", pdf(padding=size), "Huge.pdf")
    assert response.status_code == 413
    body = response.get_data(as_text=True)
    assert "too large" in body and 'class="site-header"' in body
    assert documents() == [] and stored_files(app) == []


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"title": ""}, "This field is required."),
        ({"title": "x" * 301}, "Field cannot be longer than 300 characters."),
        ({"kind": "poster"}, "Not a valid choice."),
    ],
)
def test_a_bad_upload_form_is_refused(app, console, fields, message):
    event = make_event("Partnership")
    response = upload(console, f"/console/events/{event.id}", pdf(), "note.pdf", **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert documents() == [] and stored_files(app) == []


def test_an_upload_without_a_file_is_refused(app, console):
    event = make_event("Partnership")
    response = console.post(
        f"/console/events/{event.id}/documents/file",
        data={"csrf_token": token(console), "title": "Note", "kind": "other"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Choose a file." in response.get_data(as_text=True)


def test_an_upload_without_its_csrf_token_is_refused(app, console):
    event = make_event("Partnership")
    response = console.post(
        f"/console/events/{event.id}/documents/file",
        data={"title": "Note", "kind": "other", "file": (io.BytesIO(pdf()), "note.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert documents() == [] and stored_files(app) == []


def test_a_viewer_cannot_upload(app, signed_in):
    viewer = signed_in("viewer")
    event = make_event("Partnership")
    assert upload(viewer, f"/console/events/{event.id}", pdf(), "note.pdf").status_code == 403
    assert documents() == [] and stored_files(app) == []


def test_an_upload_to_an_unknown_event_is_not_found(app, console):
    assert upload(console, "/console/events/999999", pdf(), "note.pdf").status_code == 404
    assert stored_files(app) == []


# --- served --------------------------------------------------------------------------------------


def test_the_public_download_has_the_right_headers(app, console, client):
    event = make_event("Partnership")
    upload(console, f"/console/events/{event.id}", pdf(), "Note de synthèse – Partenariat.pdf")
    [document] = documents()
    response = client.get(f"/documents/{document.id}")
    assert response.status_code == 200
    assert response.data == pdf()
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Note%20de%20synth%C3%A8se%20%E2%80%93%20Partenariat.pdf" in disposition
    response.close()


def test_a_stored_name_with_a_line_break_cannot_break_the_headers(app, client):
    event = make_event("Partnership")
    folder = Path(app.config["DOCUMENTS_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "0123abcd.pdf").write_bytes(pdf())
    document = Document(
        event=event,
        title="Note",
        stored_name="0123abcd.pdf",
        filename='a"b\r\nSet-Cookie: x=1.pdf',
        content_type="application/pdf",
    )
    db.session.add(document)
    db.session.commit()
    response = client.get(f"/documents/{document.id}")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers or "x=1" not in response.headers.get("Set-Cookie", "")
    assert "\n" not in response.headers["Content-Disposition"]
    response.close()


def test_a_registrants_only_document_is_downloaded_from_the_console_not_publicly(
    app, console, signed_in, client
):
    event = make_event("Partnership")
    upload(console, f"/console/events/{event.id}", docx(), "Speakers.docx", audience="registrants")
    [document] = documents()
    assert document.is_public is False
    assert client.get(f"/documents/{document.id}").status_code == 404
    viewer = signed_in("viewer")
    response = viewer.get(f"/console/documents/{document.id}/file")
    assert response.status_code == 200 and response.mimetype == DOCX_TYPE
    response.close()


# --- links, order, changes and removal -------------------------------------------------------------


def add_link(client, owner_url: str, url: str, title: str = "Recording"):
    return client.post(
        f"{owner_url}/documents/link",
        data={
            "csrf_token": token(client),
            "title": title,
            "kind": "recording",
            "audience": "public",
            "url": url,
        },
    )


def test_a_link_is_added_and_redirects_publicly(app, console, client):
    event = make_event("Partnership")
    assert (
        add_link(console, f"/console/events/{event.id}", "https://example.org/recording").status_code == 303
    )
    [document] = documents()
    assert document.url == "https://example.org/recording" and document.stored_name is None
    assert client.get(f"/documents/{document.id}").headers["Location"] == "https://example.org/recording"


@pytest.mark.parametrize("url", ["", "javascript:alert(1)", "data:text/html,hi", "example.org/no-scheme"])
def test_a_bad_link_is_refused(app, console, url):
    event = make_event("Partnership")
    assert add_link(console, f"/console/events/{event.id}", url).status_code == 400
    assert documents() == []


def test_documents_are_reordered_edited_and_removed_with_their_file(app, console, client):
    event = make_event("Partnership")
    owner = f"/console/events/{event.id}"
    upload(console, owner, pdf(), "Note.pdf", title="Background note")
    add_link(console, owner, "https://example.org/recording", title="Recording")
    upload(console, owner, pptx(), "Slides.pptx", title="Slides", kind="presentation")
    assert [d.title for d in documents()] == ["Background note", "Recording", "Slides"]
    slides = documents()[2]
    assert (
        console.post(
            f"/console/documents/{slides.id}/move/up", data={"csrf_token": token(console)}
        ).status_code
        == 303
    )
    assert [d.title for d in documents()] == ["Background note", "Slides", "Recording"]

    response = console.post(
        f"/console/documents/{slides.id}",
        data={
            "csrf_token": token(console),
            "title": "Speakers' slides",
            "kind": "presentation",
            "audience": "registrants",
        },
    )
    assert response.status_code == 303
    slides = db.session.get(Document, slides.id, populate_existing=True)
    assert slides.title == "Speakers' slides" and slides.is_public is False

    note = documents()[0]
    stored = Path(app.config["DOCUMENTS_DIR"]) / note.stored_name
    assert stored.exists()
    assert (
        console.post(f"/console/documents/{note.id}/delete", data={"csrf_token": token(console)}).status_code
        == 303
    )
    assert not stored.exists()
    assert [d.title for d in documents()] == ["Speakers' slides", "Recording"]
    assert client.get(f"/documents/{note.id}").status_code == 404
    assert audit_actions() == [
        "document.create",
        "document.create",
        "document.create",
        "document.move",
        "document.update",
        "document.delete",
    ]


def test_deleting_an_event_deletes_its_files(app, console):
    event = make_event("Partnership")
    upload(console, f"/console/events/{event.id}", pdf(), "Note.pdf")
    assert len(stored_files(app)) == 1
    response = console.post(f"/console/events/{event.id}/delete", data={"csrf_token": token(console)})
    assert response.status_code == 303
    assert stored_files(app) == [] and documents() == []


def test_a_viewer_cannot_remove_a_document(app, console, signed_in):
    event = make_event("Partnership")
    upload(console, f"/console/events/{event.id}", pdf(), "Note.pdf")
    [document] = documents()
    viewer = signed_in("viewer")
    assert (
        viewer.post(
            f"/console/documents/{document.id}/delete", data={"csrf_token": token(viewer)}
        ).status_code
        == 403
    )
    assert len(documents()) == 1 and len(stored_files(app)) == 1


# --- the checks themselves -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given, extension, shown",
    [
        ("Background note.pdf", ".pdf", "Background note.pdf"),
        ("C:\\Users\\amina\\Reader.PDF", ".pdf", "Reader.pdf"),
        ("slides", ".pptx", "slides.pptx"),
        ("note.exe", ".pdf", "note.exe.pdf"),
        ("bad\x00name\n.pdf", ".pdf", "badname.pdf"),
        ("", ".pdf", "document.pdf"),
        ("x" * 400 + ".pdf", ".pdf", "x" * 251 + ".pdf"),
    ],
)
def test_display_filename(given, extension, shown):
    assert service.display_filename(given, extension) == shown


def test_a_zip_bomb_of_entries_is_refused_without_unpacking(tmp_path):
    path = tmp_path / "many.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", f'<Types><Override ContentType="{WORD_MAIN}"/></Types>')
        for number in range(archives.ENTRIES_MAX + 1):
            archive.writestr(f"word/{number}.xml", b"")
    with pytest.raises(service.DocumentError, match="more than 10000 parts"):
        service.sniff(path, archives.ZipLimits(unpacked_bytes=MAX_BYTES))


# --- ZIP bombs: refused by their central directory, before anything unpacks them ---------------


def word_file(main_part: bytes = b"", padding: int = 0) -> bytes:
    """A Word file whose main part is `main_part` or, with `padding`, that many spaces
    (written streamed: a bomb never whole in memory)."""
    skeleton = zipfile.ZipFile(io.BytesIO(docx()))
    parts = {name: skeleton.read(name) for name in skeleton.namelist() if name != "word/document.xml"}
    if not padding:
        return office(WORD_MAIN, {"word/document.xml": main_part})
    return zip_with_padding(parts, "word/document.xml", padding, (b"<w:document>", b"</w:document>"))


def prose(size: int) -> bytes:
    """`size` bytes of Word XML of ordinary text, which packs about 4 to 1 as a long report does."""
    words = ["partnership", "prevention", "protection", "prosecution", "migrants", "smuggling", "victims"]
    text = " ".join(random.Random(4).choices(words + [word.title() for word in words], k=size // 8))
    xml = f"<w:document><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"
    return xml[-size:].encode()


def refused_unread(app, response, message: str) -> None:
    assert response.status_code == 413
    body = response.get_data(as_text=True).replace("&#34;", '"').replace("&#39;", "'")
    assert message in body and 'class="site-header"' in body
    assert documents() == [] and stored_files(app) == [] and audit_actions() == []


def test_a_word_file_that_would_unpack_like_a_bomb_is_refused_with_the_default_limits(app, console):
    """64 MB of padding packed into 0.3 MB: the 1 GiB entry of the probe, scaled down to
    keep the test fast; the limits are the ones a deployment gets."""
    assert (app.config["ZIP_MAX_RATIO"], app.config["MAX_DOCUMENT_UNPACKED_BYTES"]) == (
        Config.ZIP_MAX_RATIO,
        Config.MAX_DOCUMENT_UNPACKED_BYTES,
    )
    bomb = word_file(padding=64 * 2**20)
    assert len(bomb) < 400_000
    response = upload(console, f"/console/events/{make_event().id}", bomb, "Concept note.docx")
    refused_unread(app, response, "more than the 100 times of an ordinary file")


def test_a_document_that_would_unpack_past_the_configured_size_is_refused(app, console):
    app.config["MAX_DOCUMENT_UNPACKED_BYTES"] = 3 * 2**20
    content = word_file(prose(3 * 2**20 + 2**19))  # and 1 KB of the other parts: 4 MB started
    response = upload(console, f"/console/events/{make_event().id}", content, "Concept note.docx")
    refused_unread(app, response, "This file would unpack to 4 MB, more than the 3 MB accepted.")


def test_an_ordinary_document_of_some_megabytes_is_accepted(app, console):
    content = word_file(prose(4 * 2**20))
    assert len(content) < 2**20  # 4 MB packed 4 to 1
    assert upload(console, f"/console/events/{make_event().id}", content, "Report.docx").status_code == 303
    assert len(documents()) == 1


def test_a_bomb_spread_over_many_small_parts_is_refused(app, console):
    """Each part (1 MB of spaces) is too small to be judged alone; together they pack 230 to 1."""
    skeleton = zipfile.ZipFile(io.BytesIO(docx()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name in skeleton.namelist():
            archive.writestr(name, skeleton.read(name))
        for number in range(40):
            archive.writestr(f"word/media/padding{number}.xml", b" " * 2**20)
    response = upload(console, f"/console/events/{make_event().id}", buffer.getvalue(), "Notes.docx")
    refused_unread(app, response, "This file would unpack to")


def test_a_bomb_part_beside_incompressible_parts_is_refused(app, console):
    """1.5 MB of photographs keep the whole file's ratio low; the 64 MB part alone is a bomb."""
    skeleton = zipfile.ZipFile(io.BytesIO(docx()))
    parts = {name: skeleton.read(name) for name in skeleton.namelist() if name != "word/document.xml"}
    parts["word/media/image1.jpeg"] = random.Random(1).randbytes(1536 * 1024)
    bomb = zip_with_padding(parts, "word/document.xml", 64 * 2**20, (b"<w:document>", b"</w:document>"))
    response = upload(console, f"/console/events/{make_event().id}", bomb, "Photos.docx")
    refused_unread(app, response, "A part of this file would unpack to")


@pytest.mark.parametrize("audience", [None, "", "everyone"])
def test_the_organiser_chooses_who_can_download_a_document_there_is_no_default(console, audience):
    event = make_event("Partnership")
    fields = {} if audience is None else {"audience": audience}
    data = {
        "csrf_token": token(console),
        "title": "Delegates' list",
        "kind": "background_note",
        "file": (io.BytesIO(docx()), "List.docx"),
        **fields,
    }
    response = console.post(
        f"/console/events/{event.id}/documents/file", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert "Choose who can download it." in response.get_data(as_text=True)
    assert documents() == []


def test_the_upload_forms_offer_no_audience_in_advance(console):
    event = make_event("Partnership")
    page = console.get(f"/console/events/{event.id}").get_data(as_text=True)
    for select in re.findall(r'<select[^>]*name="audience"[^>]*>.*?</select>', page, re.S):
        assert "selected" not in select
    assert page.count('name="audience"') == 2  # the file's form and the link's
