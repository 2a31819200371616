"""French typography: a narrow no-break space (U+202F) before ; ? ! and a no-break space (U+00A0)
before : and inside « guillemets » (README, "Languages"), in the catalogue and in what French readers get."""

from __future__ import annotations

import html
import re

import pytest

from .test_email_snapshots import CASES, as_sent, in_language, registration  # noqa: F401 - a fixture
from .test_i18n import catalogue

NARROW, NO_BREAK = "\u202f", "\u00a0"
WANTED = {";": NARROW, "?": NARROW, "!": NARROW, ":": NO_BREAK, "»": NO_BREAK}
# A colon that is not punctuation: a scheme (https://), a time (10:00, %(h)s:%(m)s), or an HTTP
# header quoted as code (Content-Type: application/json).
NOT_PUNCTUATION = re.compile(
    r"\w+://|\d:\d|\)s:%\(|\b(?:Content-Type|Authorization|mailto):"
    # '?' and '!' inside a URL's query or code ('?page=2', '!=')
    r"|\S\?[\w=&]|!="
)


def spacing_problems(text: str) -> list[str]:
    """Each punctuation mark of a French `text` without the space it wants, with its context."""
    text = NOT_PUNCTUATION.sub(lambda match: "_" * len(match.group()), text)
    found = []
    for match in re.finditer(r"[;?!:»]", text):
        at = match.start()
        wanted = WANTED[match.group()]
        # '?!' or '!!' after a first mark with its space is right.
        if at and text[at - 1] != wanted and not (text[at - 1] in "?!" and at > 1 and text[at - 2] == NARROW):
            found.append(text[max(0, at - 20) : at + 5])
    for match in re.finditer("«", text):
        if text[match.end() : match.end() + 1] != NO_BREAK:
            found.append(text[match.start() : match.start() + 20])
    return found


def test_spacing_problems_are_found():
    assert len(spacing_problems("Pays : Autriche")) == 1
    assert len(spacing_problems("Pays: Autriche ; oui? « non »")) == 5
    assert spacing_problems(f"Pays{NO_BREAK}: Autriche{NARROW}; oui{NARROW}? «{NO_BREAK}non{NO_BREAK}»") == []
    # Schemes, times, placeholders of times, code and query strings are not punctuation.
    code = "https://example.org/?page=2 à 10:00, %(h)s:%(m)s, Content-Type: text/plain"
    assert spacing_problems(code) == []
    # A placeholder before a colon still wants its space.
    assert len(spacing_problems("Inscription de %(name)s: ici")) == 1


def test_the_french_catalogue_spaces_its_punctuation():
    problems = []
    for message in catalogue("fr"):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            problems += [(message.id, found) for found in spacing_problems(string)]
    assert not problems, f"{len(problems)} marks without their space: {problems[:10]}"


TAG = re.compile(r"<style\b.*?</style>|<[^>]+>", re.S)


@pytest.mark.parametrize("case", sorted(case for case in CASES if not case.endswith("-ar")))
def test_every_french_email_spaces_its_punctuation(registration, case):  # noqa: F811 - the fixture
    sent = as_sent(in_language("fr", CASES[case]), registration)
    # What the organisers wrote is theirs (an English title keeps its colon, a dial-in its
    # "Meeting ID:"), and the header's name is not French.
    text = without_theirs(sent["txt"].removeprefix("Subject: "), registration)
    page = without_theirs(html.unescape(TAG.sub(" ", sent["html"])), registration)
    assert not spacing_problems(text), spacing_problems(text)
    assert not spacing_problems(page), spacing_problems(page)


def without_theirs(text: str, sent_for) -> str:
    for theirs in (sent_for.event.series.title, *sent_for.event.dial_in.splitlines()):
        text = text.replace(theirs, "")
    return text
