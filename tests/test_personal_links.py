"""Personal links (a registration's manage link, an invitation to the console) are for their
recipient only.

No page of the console and no answer of the API shows one, to a viewer, an organiser or an
admin, whether its email is still queued or sent; once the SMTP server has accepted an email, no
table keeps its links (only the invitation's hash stays), while the email received carries a
link that works. Viewers read the mail log without addresses and without contents.
"""

from __future__ import annotations

import io
import re
import zipfile
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    AccountRole,
    ApiTokenScope,
    Invitation,
    MailingAudience,
    Message,
    MessageContent,
    MessageStatus,
    Registration,
)
from app.services.accounts import accounts
from app.services.accounts.api_tokens import create_token
from app.services.links import manage_token
from app.services.mail import mailings
from app.services.mail.delivery import deliver_pending
from app.services.mail.outbox import retry_failed
from app.services.mail.personal_links import headers_only, hidden
from app.services.registration.registrations import Applicant, register
from tests.conftest import csrf_token, make_account, make_event, manage_path, sign_in

PLACEHOLDER = "[personal link removed]"
INVITATION_RE = re.compile(r"http://127\.0\.0\.1:5000(/console/invitation/([A-Za-z0-9_\-]+))")
AMINA = Applicant(email="amina.yusuf@example.org", name="Amina Yusuf")
DAWIT = Applicant(email="dawit.bekele@example.org", name="Dawit Bekele")
NEWCOMER = "noura.person@example.org"


@pytest.fixture
def app_config(smtp_server):
    """Mail stays in the outbox until a test delivers it, to the real SMTP server."""
    return {"OUTBOX_KICK": False, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port}


class Outbox:
    """Emails of every way of writing one, all still queued: confirmations written in the
    request (composed by the worker), a message of the organisers and an invitation (both
    composed at once, their links in the stored text)."""

    def __init__(self):
        self.event = make_event("Partnership", capacity=1)
        self.amina = register(self.event, AMINA).registration
        self.dawit = register(self.event, DAWIT).registration  # on the waiting list
        self.admin = make_account("admin", "chair@secretariat.example.org", "Ayla Chair")
        self.organiser = make_account("organiser", "clerk@secretariat.example.org", "Omar Clerk")
        mailings.send(
            self.event,
            mailings.Draft(
                MailingAudience.LIVE, "Agenda of the Partnership webinar", "The agenda is online."
            ),
            by=self.organiser,
            known_mailing_id=0,
        )
        accounts.invite(NEWCOMER, AccountRole.ADMIN, self.admin)
        # The bytes to send are all that holds the link until it is sent.
        invitation_mime = db.session.scalars(
            sa.select(MessageContent.mime).join(Message).where(Message.kind == "account_invitation")
        ).one()
        self.invitation_token = INVITATION_RE.search(decoded(invitation_mime)).group(2)

    @property
    def secrets(self) -> list[str]:
        return [manage_token(self.amina), manage_token(self.dawit), self.invitation_token]


@pytest.fixture
def outbox(app) -> Outbox:
    outbox = Outbox()
    queued = db.session.scalars(sa.select(Message.status)).all()
    assert len(queued) == 5 and set(queued) == {MessageStatus.QUEUED}
    return outbox


def assert_no_secret(data: bytes, secrets: list[str], where: str) -> None:
    for secret in secrets:
        assert secret.encode() not in data, f"a personal link in {where}"


def xlsx_bytes(data: bytes) -> bytes:
    """Every member of a workbook, inflated: the raw file is compressed."""
    with zipfile.ZipFile(io.BytesIO(data)) as workbook:
        return b"".join(workbook.read(name) for name in workbook.namelist())


def every_answer(app, outbox: Outbox, role: str) -> dict[str, bytes]:
    """What a `role` can fetch that might show an email: the mail log and each message, the API's
    mail log and registrations, the previews of a message and its formatted email, exports."""
    account = make_account(role)
    client = app.test_client()
    assert sign_in(client, account.email).status_code == 302
    _token, plain = create_token(account, "Website", ApiTokenScope.READ)
    bearer = {"Authorization": f"Bearer {plain}"}
    event = outbox.event.id
    urls = ["/console/mail", "/console/mail?q=amina"] + [
        f"/console/mail/{message_id}" for message_id in db.session.scalars(sa.select(Message.id))
    ]
    answers = {url: client.get(url) for url in urls}
    for url in ("/api/v1/messages", f"/api/v1/events/{event}/registrations"):
        answers[url] = client.get(url, headers=bearer)
    if role != "viewer":
        messages = f"/console/events/{event}/messages"
        draft = {"csrf_token": csrf_token(client, messages), "stamp": "0", "audience": "live"}
        draft |= {"subject": "Reminder", "body": "See you there."}
        for url in (f"{messages}/preview", f"{messages}/preview/email"):
            answers[url] = client.post(url, data=draft)
        for url in (
            f"/console/events/{event}/registrations.csv",
            f"/console/events/{event}/registrations.xlsx",
        ):
            answers[url] = client.get(url)
            answers[url].get_data()  # a streamed export is read before the next request, as a browser does
    for url, response in answers.items():
        assert response.status_code == 200, (role, url, response.status_code)
    return {
        url: xlsx_bytes(response.data) if url.endswith(".xlsx") else response.data
        for url, response in answers.items()
    }


def download(app, registration: Registration) -> bytes:
    response = app.test_client().get(f"/registrations/manage/{manage_token(registration)}/my-data.json")
    assert response.status_code == 200
    return response.data


@pytest.mark.parametrize("role", ["viewer", "organiser", "admin"])
def test_no_page_or_answer_shows_a_personal_link_before_or_after_sending(app, outbox, smtp_server, role):
    for moment in ("queued", "sent"):
        for url, data in every_answer(app, outbox, role).items():
            assert_no_secret(data, outbox.secrets, f"{url} as {role}, {moment}")
        # Her own download: what she was sent, without her link or anyone else's.
        assert_no_secret(download(app, outbox.amina), outbox.secrets, f"the download, {moment}")
        if moment == "queued":
            assert deliver_pending().sent == 5
    assert len(smtp_server.inbox.messages) == 5


def test_an_organiser_reads_the_email_with_a_placeholder_where_the_link_was(app, outbox, signed_in):
    organiser = signed_in("organiser")
    mailing = db.session.scalars(
        sa.select(Message).where(Message.registration_id == outbox.amina.id, Message.mailing_id.is_not(None))
    ).one()
    invitation = db.session.scalars(sa.select(Message).where(Message.kind == "account_invitation")).one()
    for message in (mailing, invitation):
        page = organiser.get(f"/console/mail/{message.id}").get_data(as_text=True)
        assert PLACEHOLDER in page and message.to_address in page


def test_once_sent_no_table_keeps_a_personal_link_and_the_recipients_links_work(app, outbox, smtp_server):
    # Queued: only the very bytes to send hold the links (the text and HTML have the placeholder).
    assert traces(outbox.secrets) == [("message_content", "mime")]

    assert deliver_pending().sent == 5

    assert traces(outbox.secrets) == []
    # Only a hash of the invitation is kept.
    assert db.session.scalars(sa.select(Invitation.token_hash)).one() == accounts._token_hash(
        outbox.invitation_token
    )
    received = {(m["To"], m["Subject"]): m for m in smtp_server.inbox.messages}
    assert len(received) == 5
    newcomer = app.test_client()
    [invitation] = smtp_server.inbox.to(NEWCOMER)
    accept = INVITATION_RE.search(text_of(invitation)).group(1)
    assert accept == f"/console/invitation/{outbox.invitation_token}"
    assert newcomer.get(accept).status_code == 200
    for registration in (outbox.amina, outbox.dawit):
        mine = smtp_server.inbox.to(registration.email)
        assert len(mine) == 2  # the confirmation (or waiting list), the organisers' message
        for message in mine:
            assert manage_path(message) == f"/registrations/manage/{manage_token(registration)}"
            assert app.test_client().get(manage_path(message)).status_code == 200
    # What is kept still reads as the email sent, a placeholder where each link was; of the
    # MIME, the headers the mail log shows.
    db.session.expire_all()
    for message in db.session.scalars(sa.select(Message)):
        assert PLACEHOLDER in message.body_text and PLACEHOLDER in message.body_html
        kept = message_from_bytes(message.mime, policy=policy.default)
        assert kept["Message-ID"] == message.message_id and kept["Subject"] == message.subject
        assert not kept.get_payload()


def text_of(email) -> str:
    return email.get_body(preferencelist=("plain",)).get_content()


def test_a_message_refused_then_sent_again_carries_its_working_link(app, outbox, smtp_server):
    smtp_server.inbox.refuse.add(AMINA.email)
    deliver_pending()
    refused = db.session.scalars(
        sa.select(Message).where(Message.to_address == AMINA.email).order_by(Message.id)
    ).all()
    assert {message.status for message in refused} == {MessageStatus.FAILED}
    kept = [message.mime for message in refused]
    assert all(holds(decoded(mime), [manage_token(outbox.amina)]) for mime in kept)  # for the retry

    smtp_server.inbox.refuse.clear()
    assert retry_failed() == 2
    deliver_pending()

    arrived = smtp_server.inbox.to(AMINA.email)
    assert sorted(message["Message-ID"] for message in arrived) == sorted(m.message_id for m in refused)
    for message in arrived:
        assert app.test_client().get(manage_path(message)).status_code == 200
    assert traces(outbox.secrets) == []


def test_a_viewer_reads_the_mail_log_without_addresses_or_contents(app, outbox, signed_in):
    refused = db.session.scalars(sa.select(Message).where(Message.to_address == AMINA.email)).first()
    refused.status = MessageStatus.FAILED
    refused.last_error = f"550 5.1.1 <{AMINA.email}>: Recipient address rejected"
    db.session.commit()
    viewer, organiser = signed_in("viewer"), signed_in("organiser")

    log = viewer.get("/console/mail").get_data(as_text=True)
    assert "Amina Yusuf" in log and "Agenda of the Partnership webinar" in log
    assert "@example.org" not in log and NEWCOMER not in log
    assert "550 5.1.1 &lt;[address hidden]&gt;: Recipient address rejected" in log
    # Searching an address would tell a viewer whether it is there.
    assert "No message matches." in viewer.get("/console/mail?q=amina.yusuf@").get_data(as_text=True)
    assert "amina.yusuf@example.org" in organiser.get("/console/mail?q=amina.yusuf@").get_data(as_text=True)
    assert "Amina Yusuf" in viewer.get("/console/mail?q=Amina").get_data(as_text=True)
    for message_id in db.session.scalars(sa.select(Message.id)):
        page = viewer.get(f"/console/mail/{message_id}").get_data(as_text=True)
        assert "@example.org" not in page and NEWCOMER not in page
        assert "email-text" not in page and "mail-headers" not in page and "Message-ID" not in page
        assert "this is its delivery only" in page
    assert "Your registration is confirmed." in organiser.get(f"/console/mail/{refused.id}").get_data(
        as_text=True
    )


def test_the_follow_up_preview_shows_no_personal_link(app, smtp_server):
    from tests.test_follow_up import past_event
    from tests.test_follow_up import register as follow_up_register

    event = past_event()
    zoe = follow_up_register(event, "zoe")
    organiser = make_account("organiser")
    client = app.test_client()
    sign_in(client, organiser.email)
    page = f"/console/events/{event.id}/follow-up"
    data = {"csrf_token": csrf_token(client, page), "audience": "no_shows", "note": ""}
    for url in (f"{page}/preview", f"{page}/preview/email"):
        response = client.post(url, data=data)
        assert response.status_code == 200
        assert_no_secret(response.data, [manage_token(zoe)], url)
        assert PLACEHOLDER.encode() in response.data


# --- the database, searched -----------------------------------------------------------------------


def traces(secrets: list[str]) -> list[tuple[str, str]]:
    """(table, column) of every text, JSON or binary column holding one of `secrets`; binary
    values are read whole, and as email (each part decoded), since a MIME part may be encoded."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, sa.Enum):
                continue
            if isinstance(column.type, sa.LargeBinary):
                values = db.session.scalars(sa.select(column).where(column.is_not(None))).all()
                if any(holds(decoded(value), secrets) for value in values):
                    found.append((table.name, column.name))
            elif isinstance(column.type, sa.String | sa.Text | sa.JSON):
                text = sa.cast(column, sa.Text)
                hit = sa.or_(*(text.contains(secret, autoescape=True) for secret in secrets))
                if db.session.scalar(sa.select(sa.func.count()).select_from(table).where(hit)):
                    found.append((table.name, column.name))
    return found


def decoded(value: bytes) -> str:
    """Each part of the bytes as email, decoded, then the bytes as they are (last: a
    quoted-printable part breaks a long link across lines there)."""
    texts = []
    for part in message_from_bytes(value, policy=policy.default).walk():
        if not part.is_multipart():
            payload = part.get_payload(decode=True) or b""
            texts.append(payload.decode("utf-8", "replace"))
    texts.append(value.decode("utf-8", "replace"))
    return "\n".join(texts)


def holds(text: str, secrets: list[str]) -> bool:
    return any(secret in text for secret in secrets)


def test_the_search_of_the_database_finds_a_link_in_an_encoded_part():
    """The test's own search must see through a base64 or quoted-printable part."""
    from email.message import EmailMessage

    email = EmailMessage()
    email.set_content("open https://x.example/registrations/manage/SECRET-TOKEN now", cte="base64")
    assert b"SECRET-TOKEN" not in email.as_bytes()
    assert holds(decoded(email.as_bytes()), ["SECRET-TOKEN"])


def test_a_link_is_hidden_whole_wherever_it_stands(app):
    links = [
        "http://127.0.0.1:5000/registrations/manage/WzEsImFiYyJd.x-Y_z",
        "https://plenary.example.org/sub/path/registrations/manage/abc.DEF-1_x/documents/3",
        "/console/invitation/Tok_en-1",
    ]
    for link in links:
        for before, after in (("", ""), ("Open ", ".\n"), ("(", ")"), ('<a href="', '">x</a>'), ("[", "]")):
            assert hidden(before + link + after) == before + PLACEHOLDER + after
    assert hidden("https://example.org/events/3 and /registrations/done") == (
        "https://example.org/events/3 and /registrations/done"
    )
    assert hidden(f"{links[0]}\n{links[2]}") == f"{PLACEHOLDER}\n{PLACEHOLDER}"
    long_text = "word " * 50_000  # no quadratic search: this takes milliseconds
    assert hidden(long_text + links[0]) == long_text + PLACEHOLDER


def test_a_sent_messages_mime_keeps_its_headers_only():
    for linesep in ("\n", "\r\n"):
        head = linesep.join(["Subject: Zo=?utf-8?q?=C3=AB?=", "Message-ID: <1@x>", "To: a@example.org"])
        mime = (head + linesep * 2 + "http://x/registrations/manage/SECRET" + linesep).encode()
        kept = headers_only(mime)
        assert kept == (head + linesep).encode()
        assert headers_only(kept) == kept and headers_only(None) is None
