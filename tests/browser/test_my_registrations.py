"""axe-core on My registrations: the form, and the list the emailed link opens, in English and Arabic."""

from __future__ import annotations

import pytest

from app.services import links
from tests.browser.test_accessibility import LANGUAGES, open_in
from tests.conftest import make_event
from tests.test_manage_links import enrol

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", LANGUAGES)
def test_my_registrations_pages(audited_page, axe, live_url, lang):
    page = audited_page
    registration = enrol(make_event("Partnership"))
    open_in(page, f"{live_url}/registrations/mine", lang)
    axe.check(page)
    page.goto(f"{live_url}/registrations/mine/{links.my_registrations_token(registration.delegate)}")
    assert page.locator("main h2 a").count() == 1
    axe.check(page)
    page.locator("#language").select_option("fr")
    page.locator("main form [type=submit]").last.click()
    assert page.locator("#language").input_value() == "fr"
    axe.check(page)
