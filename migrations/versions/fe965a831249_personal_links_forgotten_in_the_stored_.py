"""Personal links forgotten in the stored copies of emails

Emails stored before this revision hold each registrant's manage link and each invitation's link
in clear in their text, HTML and MIME bytes. From now on only the bytes of an email not yet sent
hold them (app/services/mail/personal_links.py); this brings the emails already stored there: every
text, HTML and text attachment gets the placeholder instead, and a sent email's MIME bytes keep
their headers only. An email not sent yet keeps its bytes, to be sent as they are.

The links are recognised as the application does (the paths of its routes with a token, as
they were at this revision), without importing it: a migration must run the same later.

Revision ID: fe965a831249
Revises: 739e8bf80ae1
Create Date: 2026-12-06 19:54:31.785592

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fe965a831249'
down_revision = '739e8bf80ae1'
branch_labels = None
depends_on = None

PLACEHOLDER = "[personal link removed]"
URL_ENDS = "\"'<>()[]"
LINK = re.compile(
    rf"(?:/registrations/manage/|/console/invitation/)[^\s{re.escape(URL_ENDS)}]*"
    rf"[^\s{re.escape(URL_ENDS)}.,;:!?]"
)
BEFORE_URL = re.compile(rf".*[\s{re.escape(URL_ENDS)}]", re.DOTALL)
BATCH = 500

message = sa.table("message", sa.column("id", sa.Integer), sa.column("status", sa.String))
content = sa.table(
    "message_content",
    sa.column("message_id", sa.Integer),
    sa.column("body_text", sa.Text),
    sa.column("body_html", sa.Text),
    sa.column("attachments", sa.JSON),
    sa.column("mime", sa.LargeBinary),
)


def hidden(text):
    if not text:
        return text
    pieces, done = [], 0
    for match in LINK.finditer(text):
        before = BEFORE_URL.match(text, max(done, match.start() - 2000), match.start())
        pieces += [text[done : before.end() if before else done], PLACEHOLDER]
        done = match.end()
    return "".join(pieces) + text[done:] if pieces else text


def hidden_attachments(attachments):
    if not attachments:
        return attachments
    return [
        {key: hidden(value) if key == "content" and isinstance(value, str) else value for key, value in item.items()}
        for item in attachments
    ]


def headers_only(mime):
    if not mime:
        return mime
    mime = bytes(mime)
    line_end = b"\r\n" if b"\r\n" in mime[:200] else b"\n"
    blank_line = mime.find(line_end * 2)
    return mime if blank_line < 0 else mime[: blank_line + len(line_end)]


def upgrade():
    connection = op.get_bind()
    after = 0
    while True:
        rows = connection.execute(
            sa.select(content, message.c.status)
            .join(message, message.c.id == content.c.message_id)
            .where(content.c.message_id > after)
            .order_by(content.c.message_id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for row in rows:
            values = {
                "body_text": hidden(row.body_text),
                "body_html": hidden(row.body_html),
                "attachments": hidden_attachments(row.attachments),
                "mime": headers_only(row.mime) if row.status == "sent" else row.mime,
            }
            changed = {name: value for name, value in values.items() if value != getattr(row, name)}
            if changed:
                connection.execute(
                    sa.update(content).where(content.c.message_id == row.message_id).values(**changed)
                )
        after = rows[-1].message_id


def downgrade():
    # The links are gone for good, as they should be: nothing to bring back.
    pass
