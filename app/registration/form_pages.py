"""The registration form and its result page, rendered once and filled in per visitor.

A fresh visitor's form page differs from the next visitor's by two values only:
the CSRF token and the signed moment the form was shown (the spam check). The
result page differs by the place on the waiting list, if any. The rest -- the
event's title, time and registration state, ~250 countries, every label in the
page's language -- is the same for everyone, and rendering it was most of the
cost of these pages. So each page is rendered once, cut where the visitor's
values go, and filled in per visitor.

The form page's key holds whatever it shows that can change: the language, the
event's version (every edit of the event bumps it), its questions' ids and versions (every
change of a question bumps its own), the registration state in
words (which carries "4 seats left" or "Closes in 3 days") and whether it is
full. The result page's key holds the language and each outcome's event, status
and the event's version: a confirmed registrant's page shows the join details and
the time, and an organiser's edit of them must show at once (one small query reads
the versions). What a key cannot see (the series' other events, an agenda item's
edit in the calendar links, the configuration) shows after at most `MAX_AGE`
seconds. Each process keeps its own pages; none holds anything
about a person.

Kept by measure (issue 18 §1 keeps a shortcut only where removing it costs more than
10% of the journey), on 2026-12-07, CPU time of the whole journey (form, POST, result
page) in process, alternating runs (docs/benchmarks.md): both pages rendered for each
visitor took it from 16.0-16.2 to 22.4-23.5 ms on SQLite (+40-47%) and from 16.6 to
27.7-28.0 ms on PostgreSQL (+67%); the result page alone, from 15.8-15.9 to 18.8-20.1 ms
on SQLite (+19-27%) and from 20.6-20.8 to 23.9 ms on PostgreSQL (+15%).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app, render_template, session
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf

from ..formatting import window_label
from ..models import Event, Question, RegistrationStatus
from ..public.queries import event_versions, events_by_id
from ..services.registration import questions
from .forms import RegistrationForm, new_form_stamp
from .standard_fields import form_class, setting_key

MAX_AGE = 30.0
MAX_PAGES = 256
# Rendered where a waiting-list place goes, then cut out: numbers no list reaches.
PLACE_MARKS = tuple(str(9_000_000_001 + n) for n in range(100))


@dataclass(frozen=True)
class PageCut:
    """A rendered page cut around the values that differ per visitor."""

    pieces: tuple[str, ...]
    made: float

    @classmethod
    def of(cls, html: str, values: list[str]) -> PageCut | None:
        """None unless each value is in the page exactly once, in this order."""
        pieces, rest = [], html
        for value in values:
            if html.count(value) != 1 or value not in rest:
                return None
            piece, rest = rest.split(value)
            pieces.append(piece)
        return cls((*pieces, rest), time.monotonic())

    def fill(self, values: list[str]) -> str:
        filled = [piece for pair in zip(self.pieces, values, strict=False) for piece in pair]
        return "".join((*filled, self.pieces[-1]))


class PageCuts:
    """The pages of one application, the oldest dropped first."""

    def __init__(self, max_pages: int = MAX_PAGES) -> None:
        self.pages: OrderedDict[tuple, PageCut] = OrderedDict()
        self.max_pages = max_pages

    def get(self, key: tuple) -> PageCut | None:
        page = self.pages.get(key)
        if page is None or time.monotonic() - page.made > MAX_AGE:
            return None
        return page

    def put(self, key: tuple, page: PageCut) -> None:
        self.pages[key] = page
        self.pages.move_to_end(key)
        while len(self.pages) > self.max_pages:
            self.pages.popitem(last=False)


def _cuts() -> PageCuts:
    return current_app.extensions.setdefault("plenary.registration_pages", PageCuts())


def _page(key: tuple, values: list[str], render) -> str:
    """The page for `key` with this visitor's `values`.

    `render(for_visitor)` gives a page and the values it was rendered with, in their
    order; with `for_visitor` (or when it cannot be kept) it gives the visitor's own
    page and None."""
    cuts = _cuts()
    # A page that shows a message once is that visitor's own (rendering it takes the message).
    own = bool(session.get("_flashes"))
    page = None if own else cuts.get(key)
    if page is not None:
        return page.fill(values)
    html, rendered_with = render(own)
    if rendered_with is None:
        return html
    page = PageCut.of(html, rendered_with)
    if page is None:  # a value also found elsewhere in the page: render this visitor's own
        return render(True)[0]
    if not own:
        cuts.put(key, page)
    return page.fill(values)


def registration_page(event: Event) -> str:
    """The empty registration form of `event` for this visitor."""
    # The fields asked: an edit of the series' setting does not bump the event's version.
    asked = event.asked_fields
    asked_questions = questions.for_event(event)
    key: tuple = ("form", str(get_locale()), event.id, event.version, event.is_full, setting_key(asked))
    key += (window_label(event, event.registration_window()), questions.version_key(asked_questions))

    def render(for_visitor: bool):
        # Its token and stamp are the visitor's own in any case.
        form = form_class(RegistrationForm, asked)(questions=asked_questions)
        html = render_form_page(event, form)
        return html, None if for_visitor else [form.csrf_token.current_token, form.started.data]

    return _page(key, [generate_csrf(), new_form_stamp()], render)


def event_questions(event_id: int) -> list[Question]:
    """The questions of a published event's form, read without loading the event (the service
    locks it): none if there is no such event (the service then answers 404)."""
    return questions.for_published_event_id(event_id)


def render_form_page(event: Event, form: RegistrationForm) -> str:
    return render_template("registration/register.html", event=event, form=form)


def outcomes_page(stored: list[dict]) -> str:
    """The result page of a registration form: `stored` holds, per event, its id, the
    status (None: the neutral answer) and the place on the waiting list."""
    stored = stored[: len(PLACE_MARKS)]
    versions = event_versions([item["event_id"] for item in stored])
    key = (
        "done",
        str(get_locale()),
        *((item["event_id"], item["status"], versions.get(item["event_id"])) for item in stored),
    )
    places = [str(item["position"]) for item in stored if item["position"] is not None]

    def render(for_visitor: bool):
        events = events_by_id([item["event_id"] for item in stored])
        if for_visitor or len(events) < len({item["event_id"] for item in stored}):  # one deleted
            return _render_outcomes(stored, events, [item["position"] for item in stored]), None
        marks = iter(PLACE_MARKS)
        positions = [int(next(marks)) if item["position"] is not None else None for item in stored]
        html = _render_outcomes(stored, events, positions)
        return html, [str(position) for position in positions if position is not None]

    return _page(key, places, render)


def _render_outcomes(stored: list[dict], events: dict[int, Event], positions: list[int | None]) -> str:
    outcomes = [
        {
            "event": events[item["event_id"]],
            "status": RegistrationStatus(item["status"]) if item["status"] else None,
            "position": position,
        }
        for item, position in zip(stored, positions, strict=True)
        if item["event_id"] in events
    ]
    return render_template("registration/done.html", outcomes=outcomes)
