"""Files uploaded for a message to an audience: checked as any document (size, type, ZIP
bombs: documents.store_upload), and kept as an attachment waiting for its message
(services/mail/attachments.py), so that the preview and the send that follows carry it
without uploading it again."""

from __future__ import annotations

from typing import BinaryIO

from ...database import write_transaction
from ...models import Account, Event, MailingAttachment
from ..mail import attachments
from .documents import display_filename, store_upload


def upload(event: Event, stream: BinaryIO, filename: str, *, by: Account) -> MailingAttachment:
    """Store the file for a message about `event`; refused as a document would be, or if it
    alone weighs more than a message may carry."""
    path, file_type, size = store_upload(stream, filename)
    try:
        if size > attachments.total_limit():
            raise attachments.AttachmentsTooLarge(attachments.total_limit())
        with write_transaction() as session:
            attachment = MailingAttachment(
                event_id=event.id,
                account_id=by.id,
                title=display_filename(filename, file_type.extension),
                stored_name=path.name,
                filename=display_filename(filename, file_type.extension),
                content_type=file_type.content_type,
                size_bytes=size,
            )
            session.add(attachment)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return attachment
