"""What a message to an audience carries besides its text: documents of the event or of its
series, and files uploaded for it (stored by services/programme/message_files.py, which
checks them as any document).

Stored once for the mailing (a document's file copied once, when the message is sent or
scheduled, so that removing the document later leaves the message whole), and added to
each email by the worker as it sends it (`with_attachments`): the outbox keeps no copy per
recipient. A link document is not attached: its address is listed in the message.

Which documents a message may carry: a public document to any audience; a document for
registrants only (downloaded from the personal link, by confirmed registrants) only to the
confirmed registrants, who can download it anyway.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from email.message import MIMEPart
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session as OrmSession

from ...database import on_commit, write_transaction
from ...extensions import db
from ...models import Document, Event, MailingAttachment, MailingAudience
from .headers import BODY_POLICY

# How long an upload waits for its message to be sent or scheduled.
UNSENT_KEPT = timedelta(days=1)


class AttachmentError(Exception):
    """An attachment the rules refuse; the message is shown to the organiser."""


class AttachmentsTooLarge(AttachmentError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            _l(
                "The attachments of a message may weigh %(mb)d MB in all: leave some out.",
                mb=max(limit // (1024 * 1024), 1),
            )
        )


def total_limit() -> int:
    return current_app.config["MAILING_ATTACHMENTS_MAX_BYTES"]


def folder() -> Path:
    """Beside the documents (outside the web root), under names of ours."""
    path = Path(current_app.config["DOCUMENTS_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def documents_of(event: Event) -> list[Document]:
    """The documents a message about the event may carry: the event's, then its series'."""
    return list(event.documents) + (list(event.series.documents) if event.series else [])


def uploads_of(event: Event, ids: Iterable[int], mailing_id: int | None = None) -> list[MailingAttachment]:
    """The uploads among `ids` this message may carry: stored for this event, and not taken
    by another message (those of `mailing_id`, when changing it, are its own)."""
    ids = list(ids)
    if not ids:
        return []
    return list(
        db.session.scalars(
            sa.select(MailingAttachment)
            .where(
                MailingAttachment.id.in_(ids),
                MailingAttachment.event_id == event.id,
                MailingAttachment.stored_name.is_not(None),
                MailingAttachment.document_id.is_(None),
                sa.or_(MailingAttachment.mailing_id.is_(None), MailingAttachment.mailing_id == mailing_id)
                if mailing_id is not None
                else MailingAttachment.mailing_id.is_(None),
            )
            .order_by(MailingAttachment.id)
        )
    )


def chosen_documents(event: Event, ids: Iterable[int], audience: MailingAudience) -> list[Document]:
    """The documents among `ids`, refused if one may not go to `audience`."""
    wanted = set(ids)
    chosen = [document for document in documents_of(event) if document.id in wanted]
    if audience is not MailingAudience.CONFIRMED:
        private = [document.title for document in chosen if not document.is_public]
        if private:
            raise AttachmentError(
                _l(
                    "“%(title)s” is for confirmed registrants only: attach it to a message to them, "
                    "or make it public first.",
                    title=private[0],
                )
            )
    return chosen


def check_size(documents: Sequence[Document], uploads: Sequence[MailingAttachment]) -> int:
    """The files' weight in all, refused past the limit (a link weighs nothing)."""
    total = sum(d.size_bytes for d in documents if not d.is_link) + sum(u.size_bytes for u in uploads)
    if total > total_limit():
        raise AttachmentsTooLarge(total_limit())
    return total


def bind(
    session: OrmSession,
    mailing_id: int,
    event: Event,
    documents: Sequence[Document],
    uploads: Sequence[MailingAttachment],
) -> None:
    """Make these the mailing's attachments, in the caller's unit of work: the uploads taken,
    each document copied in (kept if it was already), whatever it carried before and no longer
    does removed, its file deleted after the commit."""
    current = list(
        session.scalars(sa.select(MailingAttachment).where(MailingAttachment.mailing_id == mailing_id))
    )
    kept_documents = {a.document_id for a in current if a.document_id is not None}
    wanted_documents = {d.id for d in documents}
    wanted_uploads = {u.id for u in uploads}
    dropped = [
        a
        for a in current
        if (a.document_id is not None and a.document_id not in wanted_documents)
        or (a.document_id is None and a.id not in wanted_uploads)
    ]
    for attachment in dropped:
        session.delete(attachment)
    for upload in uploads:
        upload.mailing_id = mailing_id
    new = [document for document in documents if document.id not in kept_documents]
    copies = [_copy_of(document, event, mailing_id) for document in new]
    session.add_all(copies)
    session.flush()
    _remove_after_commit([a.stored_name for a in dropped])


def _copy_of(document: Document, event: Event, mailing_id: int) -> MailingAttachment:
    attachment = MailingAttachment(
        event_id=event.id,
        mailing_id=mailing_id,
        document_id=document.id,
        title=document.title,
        filename=document.filename,
        content_type=document.content_type,
        size_bytes=document.size_bytes,
    )
    if document.is_link:
        attachment.url = document.url
        return attachment
    source = folder() / (document.stored_name or "")
    target = folder() / f"{secrets.token_hex(16)}{Path(document.stored_name or '').suffix}"
    if not source.is_file():  # lost from the disk: say so rather than fail
        raise AttachmentError(
            _l("The file of “%(title)s” is missing: upload it again.", title=document.title)
        )
    try:  # a second name for the same bytes where the disk allows it, else a copy
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
    attachment.stored_name = target.name
    return attachment


def remove(session: OrmSession, attachments: Sequence[MailingAttachment]) -> None:
    """Delete the rows in the caller's unit of work, their files once it commits."""
    names = [a.stored_name for a in attachments]
    for attachment in attachments:
        session.delete(attachment)
    _remove_after_commit(names)


def forget_unsent_uploads(now: datetime) -> int:
    """Uploads previewed a day ago and never sent nor scheduled: the queue's sweep deletes them."""
    with write_transaction() as session:
        stale = list(
            session.scalars(
                sa.select(MailingAttachment).where(
                    MailingAttachment.mailing_id.is_(None), MailingAttachment.created_dt < now - UNSENT_KEPT
                )
            )
        )
        remove(session, stale)
    return len(stale)


def _remove_after_commit(names: list[str | None]) -> None:
    if any(names):
        on_commit(lambda: remove_files(names))


def remove_files(names: Iterable[str | None]) -> None:
    base = folder().resolve()
    for name in filter(None, names):
        path = (base / name).resolve()
        if path.parent == base:
            path.unlink(missing_ok=True)


# --- the worker's side -------------------------------------------------------------------------


def parts_of(mailing_id: int) -> list[bytes]:
    """The MIME parts of the mailing's files, as bytes, in the order they were added: built
    once for all its recipients."""
    attachments = db.session.scalars(
        sa.select(MailingAttachment)
        .where(MailingAttachment.mailing_id == mailing_id, MailingAttachment.stored_name.is_not(None))
        .order_by(MailingAttachment.id)
    ).all()
    parts = [_part(attachment) for attachment in attachments]
    # The read ends here: the worker's session must not keep a snapshot while it sends.
    db.session.rollback()
    return parts


def _part(attachment: MailingAttachment) -> bytes:
    maintype, _, subtype = attachment.content_type.partition("/")
    part = MIMEPart(policy=BODY_POLICY)
    part.set_content(
        (folder() / (attachment.stored_name or "")).read_bytes(),
        maintype=maintype,
        subtype=subtype,
        disposition="attachment",
        filename=attachment.filename,
    )
    return part.as_bytes(policy=BODY_POLICY)


def with_attachments(data: bytes, parts: Sequence[bytes], message_id: str) -> bytes:
    """The composed email `data` with `parts` attached: its own body becomes the first part of
    a multipart/mixed. Done on the bytes, not by parsing the email again, so that its headers
    (its one recipient) stay exactly as composed; the boundary comes from the Message-ID, so
    a retry sends the same bytes."""
    if not parts:
        return data
    head, _, body = data.partition(b"\r\n\r\n")
    headers = _headers(head)
    content = [h for h in headers if h.lower().startswith(b"content-")]
    others = [h for h in headers if not h.lower().startswith((b"content-", b"mime-version"))]
    boundary = f"=_plenary_{hashlib.sha256(message_id.encode()).hexdigest()[:32]}".encode()
    out = [
        *others,
        b"MIME-Version: 1.0",
        b'Content-Type: multipart/mixed; boundary="' + boundary + b'"',
        b"",
        b"--" + boundary,
        *content,
        b"",
        body.rstrip(b"\r\n"),
    ]
    for part in parts:
        out += [b"--" + boundary, part.rstrip(b"\r\n")]
    out += [b"--" + boundary + b"--", b""]
    return b"\r\n".join(out)


def _headers(head: bytes) -> list[bytes]:
    """The header fields of `head`, each with its folded lines."""
    fields: list[bytes] = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += b"\r\n" + line
        else:
            fields.append(line)
    return fields
