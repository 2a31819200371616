"""Languages: every string wrapped and translated, pages and emails in the delegate's language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from app.extensions import db
from app.models import Registration

from .conftest import delegate_form, make_event, submit

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "app" / "translations"
TRANSLATED = ["fr", "ar"]

# --- the catalogues ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The strings the code and templates ask to translate, extracted as a translator would."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-o", str(pot), str(ROOT)]
    )
    with pot.open("rb") as file:
        return read_po(file)


def catalogue(language: str):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        return read_po(file, locale=language)


def untranslated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return not all(strings) or message.fuzzy


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_string_has_a_translation(extracted, language):
    translated = catalogue(language)
    missing = [m.id for m in extracted if m.id and (translated.get(m.id) is None)]
    empty = [m.id for m in extracted if m.id and translated.get(m.id) and untranslated(translated.get(m.id))]
    assert not missing, (
        f"{len(missing)} strings not in the {language} catalogue (pybabel update): {missing[:5]}"
    )
    assert not empty, f"{len(empty)} strings not translated into {language}: {empty[:5]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_every_placeholder(language):
    translated = catalogue(language)
    problems = [(message.id, errors) for message, errors in translated.check() if errors]
    assert not problems, problems[:5]
    for message in translated:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(re.findall(r"%\((\w+)\)", ids[-1]))
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            # An Arabic singular or dual may leave the number out; never another placeholder.
            found = set(re.findall(r"%\((\w+)\)", string))
            assert found <= wanted and (wanted - found) <= {"num", "count", "n"}, (message.id, string)


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalogue_is_current(language):
    po = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, (
        "run `make test`: it compiles the catalogues"
    )


# --- templates wrap their text ------------------------------------------------------------------

# A block that holds a CSS class, not words (base.html's `main_class`).
CLASS_BLOCK = re.compile(r"{%-?\s*block main_class\s*-?%}.*?{%-?\s*endblock\s*-?%}", re.S)
JINJA = re.compile(r"{#.*?#}|{%.*?%}|{{.*?}}", re.S)
UNSHOWN = re.compile(r"<script\b.*?</script>|<style\b.*?</style>|<!--.*?-->", re.S | re.I)
TAG = re.compile(r"<[^>]*>", re.S)
ENTITY = re.compile(r"&#?\w+;")
# Not words to translate: paths (/api/v1/problems/...) and acronyms (HTTP, CSV).
NOT_WORDS = re.compile(r"(?<![\w/])/[\w/.\-]*|\b[A-Z]{2,}\b")
SHOWN_ATTRIBUTE = re.compile(r'\b(?:title|alt|placeholder|aria-label|aria-description)="([^"]*)"')


def unwrapped_text(source: str) -> list[str]:
    """Words a template shows that do not pass through the translation function."""
    text = UNSHOWN.sub(" ", JINJA.sub("\0", CLASS_BLOCK.sub(" ", source)))
    found = [value for value in SHOWN_ATTRIBUTE.findall(text) if re.search(r"[^\W\d_]{2}", value)]
    for line in ENTITY.sub(" ", TAG.sub(" ", text)).splitlines():
        if re.search(r"[^\W\d_]{2}", NOT_WORDS.sub(" ", line)):
            found.append(line.strip())
    return found


def test_unwrapped_text_is_found():
    assert unwrapped_text("<p>Register now</p>") == ["Register now"]
    assert unwrapped_text('<img alt="Chart" src="{{ x }}">') == ["Chart"]
    assert unwrapped_text("<p>{{ _('Register now') }} &nbsp;·</p>{# A note #}") == []
    assert unwrapped_text('<a class="button wide" href="{{ url }}">{{ _("Go") }}</a>') == []
    assert unwrapped_text("<td>HTTP {{ status }}</td><code>/api/v1/problems/{{ slug }}</code>") == []
    assert unwrapped_text("<td>HTTP status {{ status }}</td>") == ["HTTP status \0"]


def test_every_template_wraps_its_text():
    problems = {}
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.suffix in (".html", ".txt", ".ics"):
            found = unwrapped_text(path.read_text(encoding="utf-8"))
            if found:
                problems[str(path.relative_to(ROOT))] = found[:3]
    assert not problems, f"text shown without _(): {problems}"


# --- pages in the visitor's language --------------------------------------------------------------


def test_a_page_in_french_and_arabic_by_choice(client):
    french = client.get("/?lang=fr")
    assert 'lang="fr"' in french.text and 'dir="ltr"' in french.text
    assert "Événements" in french.text or "événements" in french.text
    # The choice is remembered for the next pages.
    assert 'lang="fr"' in client.get("/").text
    arabic = client.get("/?lang=ar")
    assert 'lang="ar"' in arabic.text and 'dir="rtl"' in arabic.text
    assert 'lang="ar"' in client.get("/").text


def test_the_browser_preference_counts_when_there_is_no_choice(client):
    page = client.get("/", headers={"Accept-Language": "ar;q=0.9, en;q=0.5"})
    assert 'dir="rtl"' in page.text
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "de"}).text
    # An unknown choice is ignored, not an error.
    assert client.get("/?lang=xx").status_code == 200


def test_the_switcher_links_this_page_in_each_language(client, app):
    event = make_event(title="Protection of Victims of Trafficking")
    db.session.commit()
    page = client.get(f"/events/{event.id}").text
    for code, name in (("en", "English"), ("fr", "Français"), ("ar", "العربية")):
        assert f'hreflang="{code}"' in page and name in page
    assert f"/events/{event.id}?lang=ar" in page


def test_a_delegate_registering_in_french_gets_french_emails(mail_app, smtp_server):
    client = mail_app.test_client()
    event = make_event(title="Protection of Victims of Trafficking")
    db.session.commit()
    url = f"/events/{event.id}/register?lang=fr"
    form = client.get(url).text
    assert '<option selected value="fr">' in form  # the form's language follows the page's
    response = submit(client, url, delegate_form(language="fr"))
    assert response.status_code in (200, 302)
    registration = db.session.scalars(db.select(Registration)).one()
    assert registration.language == "fr"
    [message] = smtp_server.inbox.messages
    assert message["Subject"].endswith("Protection of Victims of Trafficking")
    assert not message["Subject"].startswith("Registration")  # English: "Registration confirmed: ..."
    assert "inscription" in message["Subject"].lower()
    assert 'lang="fr"' in message.get_body(preferencelist=("html",)).get_content()


def test_the_event_page_offers_the_time_in_the_visitors_zone(client, app):
    event = make_event(title="Protection of Victims of Trafficking", timezone="Africa/Addis_Ababa")
    db.session.commit()
    page = client.get(f"/events/{event.id}").text
    assert "(UTC+03:00)" in page  # the event's own zone, with its offset, without JavaScript
    assert f'data-start="{event.start_dt.isoformat()}"' in page and 'data-zone="Africa/Addis_Ababa"' in page
    assert "local-time.js" in page
