"""The registration form page, rendered once per state of the event and language.

A fresh visitor's form page differs from the next visitor's by two values only:
the CSRF token and the signed moment the form was shown (the spam check). The
rest -- the event's title, time and registration state, ~250 countries, every
label in the page's language -- is the same for everyone, and rendering it was
most of the cost of the page. So the page is rendered once, cut where those two
values go, and filled in per visitor.

The key holds whatever the page shows that can change: the language, the
event's version (every edit of the event bumps it), the registration state in
words (which carries "4 seats left" or "Closes in 3 days") and whether it is
full. What the key cannot see (the series' other events, the configuration) is
re-read after `MAX_AGE` seconds. Each process keeps its own pages; none holds
anything about a person.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app, render_template, session
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf

from ..formatting import window_label
from ..models import Event
from .forms import RegistrationForm, new_form_stamp

MAX_AGE = 30.0
MAX_PAGES = 256


@dataclass(frozen=True)
class PageCut:
    """A rendered page in three pieces, around the token and around the stamp."""

    head: str
    middle: str
    tail: str
    made: float

    @classmethod
    def of(cls, html: str, token: str, stamp: str) -> PageCut | None:
        """None if either value is not in the page exactly once, token first."""
        if html.count(token) != 1 or html.count(stamp) != 1:
            return None
        head, rest = html.split(token)
        if stamp not in rest:
            return None
        middle, tail = rest.split(stamp)
        return cls(head, middle, tail, time.monotonic())

    def fill(self, token: str, stamp: str) -> str:
        return f"{self.head}{token}{self.middle}{stamp}{self.tail}"


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


def registration_page(event: Event) -> str:
    """The empty registration form of `event` for this visitor."""
    if session.get("_flashes"):  # a message to show once: this page is this visitor's own
        return render_form_page(event, RegistrationForm())
    key = (str(get_locale()), event.id, event.version, window_label(event, event.registration_window()))
    key += (event.is_full,)
    cuts = _cuts()
    page = cuts.get(key)
    if page is None:
        form = RegistrationForm()
        html = render_form_page(event, form)
        page = PageCut.of(html, form.csrf_token.current_token, form.started.data)
        if page is None:  # never expected; the page as rendered is still right
            return html
        cuts.put(key, page)
        return html
    return page.fill(generate_csrf(), new_form_stamp())


def render_form_page(event: Event, form: RegistrationForm) -> str:
    return render_template("registration/register.html", event=event, form=form)
