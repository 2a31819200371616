"""Bidirectional text: in Arabic, times, ranges, addresses and Latin titles keep their order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import render_template_string
from flask_babel import force_locale

from app.database import utcnow
from app.formatting import FSI, LRI, PDI, isolate
from app.services.mail import certificates
from tests.conftest import delegate_form, make_event, submit
from tests.test_mail import parts

# 21:00–22:00 in Brussels in winter: the range the Arabic console showed as "22:00–21:00".
EVENING = datetime(utcnow().year + 1, 1, 14, 20, 0, tzinfo=UTC)


def evening_event(**fields):
    return make_event("Partnership", start=EVENING, hours=1, **fields)


def test_an_arabic_console_shows_the_range_as_one_left_to_right_run(console):
    evening_event()
    arabic = console.get("/console/programme?lang=ar").get_data(as_text=True)
    assert f"{LRI}21:00–22:00 CET (UTC+01:00){PDI}" in arabic
    english = console.get("/console/programme?lang=en").get_data(as_text=True)
    assert "21:00–22:00 CET (UTC+01:00)" in english and LRI not in english


def test_the_arabic_event_page_isolates_its_times(client):
    event = evening_event()
    arabic = client.get(f"/events/{event.id}?lang=ar").get_data(as_text=True)
    assert f"{LRI}21:00–22:00 CET (UTC+01:00){PDI}" in arabic


def test_isolate_is_bdi_in_html_and_the_unicode_isolates_in_text(app):
    template = "{{ x|isolate }}|{{ x|isolate(ltr=True) }}|{{ x|isolate(plain=True) }}"
    with app.test_request_context("/?lang=ar"):
        assert isolate("Partnership") == f"{FSI}Partnership{PDI}"
        assert isolate("10:00", ltr=True) == f"{LRI}10:00{PDI}"
        html = render_template_string(template, x="A & B")
        assert html == f'<bdi>A &amp; B</bdi>|<bdi dir="ltr">A &amp; B</bdi>|{FSI}A &amp; B{PDI}'
        text = app.jinja_env.from_string("{% autoescape false %}" + template + "{% endautoescape %}")
        assert text.render(x="A & B") == f"{FSI}A & B{PDI}|{LRI}A & B{PDI}|{FSI}A & B{PDI}"
    with app.test_request_context("/?lang=fr"), force_locale("fr"):
        assert isolate("Partnership") == "Partnership"
        assert render_template_string(template, x="A") == "A|A|A"


def test_address_fields_read_left_to_right(client):
    event = evening_event()
    page = client.get(f"/events/{event.id}/register?lang=ar").get_data(as_text=True)
    email_input = next(tag for tag in page.split("<input") if 'type="email"' in tag)
    assert 'dir="ltr"' in email_input


def test_the_arabic_certificate_isolates_the_latin_title(app):
    event = evening_event()
    with app.test_request_context("/?lang=ar"):
        certificate = certificates.certificate_for(event, "Siham Osman Mohamed", 42)
    # The reader's quotes around the title, which keeps its own direction.
    assert f"«{FSI}Partnership{PDI}»" in certificate.attended
    assert certificate.document_title.endswith(f"{FSI}Siham Osman Mohamed{PDI}")
    assert certificates.render(certificate).startswith(b"%PDF")
    with app.test_request_context("/?lang=en"), force_locale("en"):
        assert "“Partnership”" in certificates.certificate_for(event, "Siham", 42).attended


def test_an_arabic_confirmation_isolates_its_times_and_the_name(mail_app, smtp_server):
    client = mail_app.test_client()
    start = (utcnow() + timedelta(days=30)).replace(hour=20, minute=0, second=0, microsecond=0)
    event = make_event("Partnership", start=start, hours=1, timezone="Africa/Khartoum")
    response = submit(
        client, f"/events/{event.id}/register", delegate_form(language="ar", name="Siham Osman Mohamed")
    )
    assert response.status_code == 302
    [message] = smtp_server.inbox.messages
    text, html = parts(message)
    assert f"{LRI}22:00–23:00 CAT (UTC+02:00){PDI}" in text
    assert f"{FSI}Siham Osman Mohamed{PDI}" in text
    assert "<bdi>Siham Osman Mohamed</bdi>" in html


def test_the_core_fonts_drop_the_isolates_and_keep_a_narrow_space_as_a_space():
    text = f"Dur\u00e9e\u202f: {FSI}Partnership{PDI} {LRI}10:00{PDI}"
    assert certificates.fits_latin1(text)  # no Unicode font to load for it
    assert certificates.to_latin1(text) == "Dur\u00e9e : Partnership 10:00"


def test_an_arabic_console_table_isolates_the_addresses(signed_in):
    admin = signed_in("admin")
    page = admin.get("/console/accounts?lang=ar").get_data(as_text=True)
    assert f'<bdi dir="ltr">{admin.account.email}</bdi>' in page
