"""Personal links: a link whose token is the key to something (a registration's manage link and
the pages under it, an invitation to the console). Whoever reads one can use it, so nobody but
its recipient ever reads one.

An email's MIME bytes keep its links, exactly as composed, only while it waits in the outbox: a
retry must send the very same bytes. The text, HTML and attachments kept beside them (what the
console shows) have a placeholder instead from the start (`hide_in`, when composed). In the
transaction that records it sent (`delivery.record_sent`), the MIME bytes are cut down to their
headers (`headers_only`); emails stored by an older version were cleaned by a migration. Whatever shows
an email, queued or sent, shows it through `shown`: the console's mail log and previews, in which
no personal link ever appears, not even to an admin.

A personal link is recognised by its route: any URL rule with a `<token>` in its path, so a new
page of that kind is covered without being listed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.parser import BytesHeaderParser

from flask import current_app
from flask_babel import gettext as _
from markupsafe import escape

from ...models import Message, MessageContent
from .headers import PARSE_POLICY

TOKEN_VARIABLE = re.compile(r"<(?:[^:<>]+:)?token>")
EXTENSION_KEY = "plenary.personal_link_pattern"
# A URL ends at white space, a quote, a tag or a bracket: as it stands in text, HTML and Markdown.
URL_ENDS = "\"'<>()[]"
URL_CHARACTERS = rf"[^\s{re.escape(URL_ENDS)}]"
# ... and a sentence's full stop or comma after it is not part of it.
URL_LAST_CHARACTER = rf"[^\s{re.escape(URL_ENDS)}.,;:!?]"
# An attachment's bytes, as notifications stores a binary one.
BINARY_KEY = "content_b64"


def placeholder() -> str:
    return _("[personal link removed]")


@dataclass(frozen=True)
class Hiding:
    """Hides personal links: this app's pattern and the placeholder, translated once (that
    takes longer than a search) as text and escaped for HTML."""

    pattern: re.Pattern
    text_mark: str
    html_mark: str

    @classmethod
    def here(cls) -> Hiding:
        mark = placeholder()
        return cls(_link_pattern(), mark, str(escape(mark)))

    def text(self, text: str, *, html: bool = False) -> str:
        """`text` with each personal link, scheme and host included, replaced by the placeholder."""
        if not text:
            return text
        pieces, done = [], 0
        for match in self.pattern.finditer(text):
            begins = _url_start(text, max(done, match.start() - MAX_URL), match.start())
            pieces += [text[done:begins], self.html_mark if html else self.text_mark]
            done = match.end()
        return "".join(pieces) + text[done:] if pieces else text

    def json(self, value):
        """A JSON value (attachments, a composition) with the links hidden in all its strings
        but binary contents (a PDF as base64 holds no link)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.json(item) for item in value]
        if isinstance(value, dict):
            return {key: item if key == BINARY_KEY else self.json(item) for key, item in value.items()}
        return value


def hidden(text: str, *, html: bool = False) -> str:
    """`text` with each personal link replaced by the placeholder (escaped for HTML)."""
    return Hiding.here().text(text, html=html)


def _link_pattern() -> re.Pattern:
    """This app's personal links, from their path up to the token on (the scheme and host
    before it are found by `_url_start`): a search that skips ahead to each "/" is fast."""
    pattern = current_app.extensions.get(EXTENSION_KEY)
    if pattern is None:
        prefixes = sorted(
            {
                TOKEN_VARIABLE.split(rule.rule, maxsplit=1)[0]
                for rule in current_app.url_map.iter_rules()
                if "token" in rule.arguments
            }
        )
        paths = "|".join(re.escape(prefix) for prefix in prefixes) or "(?!)"  # (?!): none to hide
        pattern = current_app.extensions[EXTENSION_KEY] = re.compile(
            rf"(?:{paths}){URL_CHARACTERS}*{URL_LAST_CHARACTER}|{PERSONAL_JOIN_PATH}"
        )
    return pattern


# A platform's personal join link (services/join_links.py), from its path: Zoom's
# /w/81234567890?tk=… (with &pwd=… for meetings), whoever's host it is on.
PERSONAL_JOIN_PATH = rf"/w/\d+\?(?:{URL_CHARACTERS}*&)?tk={URL_CHARACTERS}*{URL_LAST_CHARACTER}"

# Up to the last character that cannot be in a URL.
BEFORE_URL = re.compile(rf".*[\s{re.escape(URL_ENDS)}]", re.DOTALL)
MAX_URL = 2000


def _url_start(text: str, earliest: int, path: int) -> int:
    """Where the URL whose path begins at `path` begins: back over "https://host/prefix"."""
    before = BEFORE_URL.match(text, earliest, path)
    return before.end() if before else earliest


def hide_in(content: MessageContent) -> None:
    """Hide the links of a message's text, HTML and attachments, its MIME bytes aside; an
    attachment marked "personal" (the check-in QR code of a confirmation) keeps its name only."""
    hiding = Hiding.here()
    content.body_text = hiding.text(content.body_text)
    content.body_html = hiding.text(content.body_html, html=True)
    content.attachments = [
        {key: value for key, value in item.items() if key != BINARY_KEY} if item.get("personal") else item
        for item in hiding.json(content.attachments)
    ]


# --- what the console shows -----------------------------------------------------------------------


@dataclass(frozen=True)
class ShownEmail:
    """An email as the console shows it: its personal links hidden, its attachments by name only."""

    to_name: str
    to_address: str
    subject: str
    body_text: str
    body_html: str
    attachments: list[dict]
    headers: list[tuple[str, str]]


def shown(message: Message) -> ShownEmail:
    content, hiding = message.content, Hiding.here()
    return ShownEmail(
        to_name=message.to_name,
        to_address=message.to_address,
        subject=hiding.text(message.subject),
        body_text=hiding.text(content.body_text),
        body_html=hiding.text(content.body_html, html=True),
        attachments=[
            {"filename": item["filename"], "content_type": item["content_type"]}
            for item in content.attachments
        ],
        headers=_headers(content.mime, hiding),
    )


def _headers(mime: bytes | None, hiding: Hiding) -> list[tuple[str, str]]:
    """The headers only: the parts, attachments included, stay unparsed."""
    if not mime:
        return []
    parsed = BytesHeaderParser(policy=PARSE_POLICY).parsebytes(mime)
    return [(name, hiding.text(str(value))) for name, value in parsed.items()]


# --- what the database keeps once a message is sent ---------------------------------------------------


def headers_only(mime: bytes | None) -> bytes | None:
    """The MIME bytes of a sent message, down to its headers (what the mail log shows): its
    parts are the text, HTML and attachments kept beside them, and may carry links in any
    encoding (a base64 attachment, a quoted-printable text), so they are not kept twice."""
    if not mime:
        return mime
    line_end = b"\r\n" if b"\r\n" in mime[:200] else b"\n"
    blank_line = mime.find(line_end * 2)
    return mime if blank_line < 0 else mime[: blank_line + len(line_end)]
