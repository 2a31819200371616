"""The field "Name in Latin letters" in a real browser: shown once the name needs it."""

from __future__ import annotations

import pytest

from tests.conftest import make_event

pytestmark = pytest.mark.browser


def test_the_latin_name_shows_only_for_a_name_in_another_script(page, live_url):
    event = make_event("Prevention")
    page.goto(f"{live_url}/events/{event.id}/register")
    latin = page.get_by_label("Name in Latin letters")
    assert not latin.is_visible()  # nobody needs it yet
    page.get_by_label("Full name").fill("أمينة يوسف")
    assert latin.is_visible()
    latin.fill("Amina Yusuf")
    page.get_by_label("Full name").fill("Amina Yusuf")
    assert latin.is_visible()  # holds something: kept in view
    latin.fill("")
    page.get_by_label("Full name").fill("José María Álvarez-Núñez")
    assert not latin.is_visible()  # accents are Latin letters
    page.get_by_label("Full name").fill("Søren Østergaard")
    assert not latin.is_visible()
    page.get_by_label("Full name").fill("መሓሪ ተኽለ")
    assert latin.is_visible()
