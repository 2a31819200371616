"""A live server in a thread and Debian's Chromium driven by Playwright.

The tests are skipped, with the reason printed in the summary, where
/usr/bin/chromium or Playwright is missing; `make test` says so too.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# axe-core, installed from tests/browser/package-lock.json by `make test` (npm ci).
AXE_SCRIPT = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
# The rules of WCAG 2.1 levels A and AA, as axe-core tags them, and its best practices (heading
# order, landmarks, one main heading), which the success criteria leave to judgement.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# Chromium's own background traffic would be refused by a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"browser tests did not run: {CHROMIUM} is missing (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests did not run: no Playwright")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def live_url(mail_app):
    """The app served over real HTTP on a free local port."""
    server = make_server("127.0.0.1", 0, mail_app, threaded=True)
    # A shutdown waits for serve_forever's next poll: 0.5 s by default, at the end of each test.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def fill_in_registration(page, name: str, email: str, organisation: str, kind: str, country: str) -> None:
    """The registration form, found by its fields' ids: the same in every language."""
    page.locator("#name").fill(name)
    page.locator("#email").fill(email)
    page.locator("#organisation").fill(organisation)
    page.locator("#organisation_kind").select_option(kind)
    page.locator("#country").select_option(country)
    page.locator("#consent_privacy").check()


def screenshot(page, name: str) -> None:
    """`name` may hold a folder: "fr/register-360"."""
    path = SCREENSHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)


# --- accessibility: axe-core -------------------------------------------------------------


class Axe:
    """axe-core run in a page: the violations of the rules AXE_TAGS selects, described for a
    failing assert."""

    def __init__(self, source: str):
        self.source = source

    def violations(self, page) -> list[dict]:
        if not page.evaluate("typeof window.axe === 'object'"):
            page.add_script_tag(content=self.source)  # inline: the context must bypass the CSP
        return page.evaluate(
            """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
                       .then(result => result.violations)""",
            AXE_TAGS,
        )

    def check(self, page) -> None:
        # After a form's redirect the next document may still be arriving: axe needs it whole.
        page.wait_for_load_state("load")
        violations = self.violations(page)
        assert not violations, describe_violations(page.url, violations)


def loaded(page) -> str:
    """The page's HTML once its document has loaded: after a click that sends a form, the
    click returns once the next document is on its way, whose content may still read ''
    (it did once in CI, on a loaded machine)."""
    page.wait_for_load_state("load")
    return page.content()


def describe_violations(url: str, violations: list[dict]) -> str:
    lines = [f"axe-core found {len(violations)} kind(s) of violation on {url}:"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['failureSummary']}")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def axe():
    if not AXE_SCRIPT.exists():
        pytest.skip(
            "accessibility checks did not run: axe-core is not installed (npm ci --prefix tests/browser)"
        )
    return Axe(AXE_SCRIPT.read_text(encoding="utf-8"))


@pytest.fixture
def audited_page(browser, axe):
    """A desktop page with axe-core in every document it opens, past the Content-Security-Policy.

    An init script, not a script tag per page: Chromium then compiles axe-core's 500 kB once.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", bypass_csp=True)
    context.add_init_script(script=axe.source)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
