"""Documents of an event or a series: checked uploads, links, their order and removal.

An upload is accepted for what it is, not for what its name says: a PDF
starts with `%PDF-`; a Word or PowerPoint file is a ZIP whose
`[Content_Types].xml` declares the main part of that type, and which holds
that part's folder. Macro-enabled files, other ZIPs and anything else are
refused, and so is a ZIP that would unpack beyond MAX_DOCUMENT_UNPACKED_BYTES or
ZIP_MAX_RATIO (see archives.py): its central directory is read before anything else.
Accepted files are stored under DOCUMENTS_DIR (outside the web root) under a random
name of ours; the uploader's name is only shown.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l

from ...database import write_transaction
from ...models import Document, DocumentKind, Event, Series
from .. import archives, audit
from .programme import ProgrammeError, locked, move_in

CHUNK = 64 * 1024
# [Content_Types].xml lists a few dozen parts; more than this is not an Office file.
CONTENT_TYPES_MAX = 256 * 1024
FILENAME_MAX = 255
CONTENT_TYPE_RE = re.compile(rb"ContentType\s*=\s*[\"']([^\"']+)")


@dataclass(frozen=True)
class FileType:
    name: str
    content_type: str
    extension: str
    # The main part's content type in [Content_Types].xml, and its folder (None for PDF).
    main_part: str | None = None
    folder: str | None = None


PDF = FileType("PDF", "application/pdf", ".pdf")
DOCX = FileType(
    "Word",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "word/",
)
PPTX = FileType(
    "PowerPoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".pptx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    "ppt/",
)
FILE_TYPES = (PDF, DOCX, PPTX)
ACCEPTED = _l("Only PDF, Word (.docx) and PowerPoint (.pptx) files can be uploaded.")


class DocumentError(ProgrammeError):
    """A document the rules refuse; the message says why."""

    def __init__(self, message, field: str | None = "file"):
        super().__init__(message, field)


class DocumentTooLarge(DocumentError):
    pass


@dataclass
class DocumentDetails:
    title: str
    kind: DocumentKind = DocumentKind.OTHER
    is_public: bool = True


# --- what a file is ------------------------------------------------------------------------


def sniff(path: Path, limits: archives.ZipLimits) -> FileType:
    """The type of the file by its content; DocumentError for anything we do not accept,
    DocumentTooLarge for a ZIP that would unpack beyond `limits`."""
    with path.open("rb") as stream:
        head = stream.read(8)
        if head.startswith(b"%PDF-"):
            return PDF
        if head.startswith(b"PK\x03\x04"):
            stream.seek(0)
            return _office_type(stream, limits)
    raise DocumentError(ACCEPTED)


def _office_type(stream: BinaryIO, limits: archives.ZipLimits) -> FileType:
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archives.check(archive, limits)
            names = [entry.filename.lower() for entry in entries]
            declared = _declared_types(archive)
    except archives.ZipRefused as refusal:
        raise DocumentTooLarge(refusal.message) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, NotImplementedError, OSError, EOFError):
        raise DocumentError(ACCEPTED) from None
    if any("macroenabled" in t.lower() or "vbaproject" in t.lower() for t in declared) or any(
        name.endswith("vbaproject.bin") for name in names
    ):
        raise DocumentError(_l("Files with macros cannot be uploaded: save it as .docx or .pptx, or as PDF."))
    for file_type in (DOCX, PPTX):
        folder = file_type.folder
        if file_type.main_part in declared and folder and any(name.startswith(folder) for name in names):
            return file_type
    raise DocumentError(ACCEPTED)


def _declared_types(archive: zipfile.ZipFile) -> set[str]:
    """The content types [Content_Types].xml declares (read as text: no XML parser on uploads)."""
    try:
        info = archive.getinfo("[Content_Types].xml")
    except KeyError:
        raise DocumentError(ACCEPTED) from None
    if info.file_size > CONTENT_TYPES_MAX:
        raise DocumentError(ACCEPTED)
    with archive.open(info) as part:
        text = part.read(CONTENT_TYPES_MAX + 1)
    return {value.decode("ascii", "replace") for value in CONTENT_TYPE_RE.findall(text)}


def display_filename(name: str, extension: str = "") -> str:
    """The uploader's file name as shown and offered on download: no folders, no control
    characters, not too long, ending in the extension of what the file really is."""
    name = re.split(r"[/\\]", name or "")[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = name.strip(" .")
    stem, dot, suffix = name.rpartition(".")
    if extension and (not dot or f".{suffix.lower()}" != extension):
        stem = name
    stem = stem[: FILENAME_MAX - len(extension)] or "document"
    return f"{stem}{extension}" if extension else stem[:FILENAME_MAX]


def _claimed_type(filename: str) -> FileType | None:
    suffix = Path(filename or "").suffix.lower()
    return next((t for t in FILE_TYPES if t.extension == suffix), None)


# --- storing -------------------------------------------------------------------------------


def documents_dir() -> Path:
    folder = Path(current_app.config["DOCUMENTS_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_upload(stream: BinaryIO, filename: str) -> tuple[Path, FileType, int]:
    """Copy the upload under a random name, refusing it if too large or not a type we accept.

    Returns the stored path, the type and the size. Nothing is left behind on refusal.
    """
    limit = current_app.config["MAX_DOCUMENT_BYTES"]
    folder = documents_dir()
    partial = folder / f".upload-{secrets.token_hex(16)}"
    try:
        size = _copy(stream, partial, limit)
        if size == 0:
            raise DocumentError(_l("The file is empty."))
        file_type = sniff(partial, archives.ZipLimits.from_config("MAX_DOCUMENT_UNPACKED_BYTES"))
        claimed = _claimed_type(filename)
        if claimed is None or claimed != file_type:
            raise DocumentError(
                _l(
                    "The file's name does not match its content: it is a %(kind)s file. %(accepted)s",
                    kind=file_type.name,
                    accepted=ACCEPTED,
                )
            )
        stored = folder / f"{secrets.token_hex(16)}{file_type.extension}"
        partial.rename(stored)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return stored, file_type, size


def _copy(stream: BinaryIO, target: Path, limit: int) -> int:
    size = 0
    with target.open("xb") as out:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise DocumentTooLarge(
                    _l("The file is larger than %(mb)d MB.", mb=max(limit // (1024 * 1024), 1))
                )
            out.write(chunk)
    return size


def remove_files(stored_names: list[str | None]) -> None:
    """Delete stored files once the rows naming them are gone (after the commit)."""
    folder = Path(current_app.config["DOCUMENTS_DIR"]).resolve()
    for name in filter(None, stored_names):
        path = (folder / name).resolve()
        if path.parent == folder:
            path.unlink(missing_ok=True)


# --- documents ----------------------------------------------------------------------------


def _owner_fields(owner: Event | Series) -> dict:
    return {"event_id": owner.id} if isinstance(owner, Event) else {"series_id": owner.id}


def _siblings(session, document: Document) -> list[Document]:
    owner: Event | Series | None = locked(session, Event, document.event_id) if document.event_id else None
    if owner is None:
        assert document.series_id is not None  # a document belongs to an event or a series
        owner = locked(session, Series, document.series_id)
    return owner.documents


def _add(owner: Event | Series, details: DocumentDetails, **stored) -> Document:
    with write_transaction() as session:
        owner = locked(session, type(owner), owner.id)
        position = max((d.position for d in owner.documents), default=-1) + 1
        document = Document(
            position=position,
            title=details.title,
            kind=details.kind,
            is_public=details.is_public,
            **_owner_fields(owner),
            **stored,
        )
        session.add(document)
        session.flush()
        audit.record(
            "document.create",
            document,
            f"{owner.title}: {document.title}",
            file=document.filename or document.url,
            public=document.is_public,
            **_owner_fields(owner),
        )
    return document


def add_file(owner: Event | Series, details: DocumentDetails, stream: BinaryIO, filename: str) -> Document:
    """Store an uploaded file and list it with the owner's documents."""
    path, file_type, size = store_upload(stream, filename)
    try:
        return _add(
            owner,
            details,
            stored_name=path.name,
            filename=display_filename(filename, file_type.extension),
            content_type=file_type.content_type,
            size_bytes=size,
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def add_link(owner: Event | Series, details: DocumentDetails, url: str) -> Document:
    try:
        scheme = urlsplit(url).scheme
    except ValueError:  # "https://[": an unclosed IPv6 host
        scheme = ""
    if scheme not in ("http", "https"):
        raise DocumentError(_l("Enter an address starting with https:// or http://."), "url")
    return _add(owner, details, url=url)


def update_document(document: Document, details: DocumentDetails) -> Document:
    with write_transaction() as session:
        document = locked(session, Document, document.id)
        document.title = details.title
        document.kind = details.kind
        document.is_public = details.is_public
        audit.record("document.update", document, document.title, public=document.is_public)
    return document


def move_document(document: Document, step: int) -> bool:
    with write_transaction() as session:
        siblings = _siblings(session, document)
        document = locked(session, Document, document.id)
        moved = move_in(siblings, document, step)
        if moved:
            audit.record("document.move", document, document.title, position=document.position)
    return moved


def remove_document(document: Document) -> None:
    """Remove the document; its file is deleted once the removal is committed."""
    with write_transaction() as session:
        document = locked(session, Document, document.id)
        stored = document.stored_name
        audit.record("document.delete", document, document.title, file=document.filename or document.url)
        session.delete(document)
    remove_files([stored])
