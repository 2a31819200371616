"""Links and redirects built from what a visitor sent always stay on this site.

A browser drops tabs and line breaks from an address and reads a backslash as a slash, so
"/\\evil.example.org", "/\\t/evil.example.org" and "//evil.example.org" all lead to another
host. Each link of the language switcher and each redirect is checked as a browser reads it.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urljoin, urlsplit

import pytest

from tests.conftest import PASSWORD, make_account, submit

SITE = "http://localhost"
# Paths as the server hands them to the application (decoded), and as they were sent.
HOSTILE_PATHS = [
    "/\\evil.example.org",
    "//evil.example.org",
    "///evil.example.org",
    "/\t/evil.example.org",
    "/\t\\evil.example.org",
    "/\\/evil.example.org",
    "/\\\\evil.example.org",
    "/\r\n/evil.example.org",
    "/ /evil.example.org",
    "/\u2028/evil.example.org",
    "/events/\\evil.example.org",
    "/console\\evil.example.org",
]
HOSTILE_URLS = ["/%5Cevil.example.org", "/%09/evil.example.org", "/%5C%5Cevil.example.org", "/%0D%0A/evil"]
SWITCHER_LINK = re.compile(r'<a [^>]*hreflang="[^"]+"[^>]*>')


def as_a_server_passes_it(path: str) -> str:
    """PATH_INFO as WSGI has it: the path's UTF-8 bytes, one character each."""
    return path.encode("utf-8").decode("latin-1")


def as_a_browser_reads(href: str) -> str:
    """Where a browser goes from a page of this site: tabs and line breaks dropped, backslashes
    read as slashes (the WHATWG URL standard, for http and https)."""
    cleaned = re.sub(r"[\t\n\r]", "", href).strip("\x00- ").replace("\\", "/")
    return urljoin(f"{SITE}/page", cleaned)


def assert_on_this_site(href: str) -> None:
    assert urlsplit(as_a_browser_reads(href)).netloc == "localhost", href
    if not href.startswith(SITE):
        assert re.match(r"^/($|[^/\\])", href), href
        assert not re.search(r"[\x00-\x20\x7f\\]", href), href


def switcher_links(page: str) -> list[str]:
    links = [re.search(r'href="([^"]*)"', tag).group(1) for tag in SWITCHER_LINK.findall(page)]
    return [link.replace("&amp;", "&") for link in links]


@pytest.mark.parametrize("path", HOSTILE_PATHS)
def test_the_language_links_stay_on_this_site_whatever_the_path_holds(client, path):
    response = client.get("/", environ_overrides={"PATH_INFO": as_a_server_passes_it(path)})
    assert response.status_code < 500
    links = switcher_links(response.text)
    assert len(links) == 3, response.text[:500]
    for link in links:
        assert_on_this_site(link)


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_the_language_links_of_an_encoded_path_stay_on_this_site(client, url):
    """The outside probe's case: /%5Cevil.example.org linked to /\\evil.example.org?lang=fr."""
    response = client.get(url)
    assert response.status_code == 404
    links = switcher_links(response.text)
    assert len(links) == 3
    for link in links:
        assert_on_this_site(link)
        assert link.startswith(f"{url}?lang=")


def test_the_language_links_keep_an_ordinary_page(client):
    response = client.get("/events/12345/r%C3%A9sum%C3%A9 page")
    assert switcher_links(response.text) == [
        f"/events/12345/r%C3%A9sum%C3%A9%20page?lang={code}" for code in ("en", "fr", "ar")
    ]


NEXT_TARGETS = {
    "https://evil.example.org/": "/console/",
    "//evil.example.org": "/console/",
    "/\\evil.example.org": "/console/",
    "/\t/evil.example.org": "/console/",
    "/console/\r\nSet-Cookie: stolen=1": "/console/",
    "/console/\t/x": "/console/",
    "/console\\..\\..\\evil.example.org": "/console/",
    "/console/\u2028x": "/console/",
    "javascript:alert(1)": "/console/",
    "/consolation": "/console/",
    "/console/accounts": "/console/accounts",
    "/console/events/1?q=Amina%20Yusuf&page=2": "/console/events/1?q=Amina%20Yusuf&page=2",
    "/console/r%C3%A9sum%C3%A9": "/console/r%C3%A9sum%C3%A9",
    "/console/%5Cx": "/console/%5Cx",
}


@pytest.mark.parametrize("target", NEXT_TARGETS)
def test_after_sign_in_only_a_console_path_is_followed(app, target):
    account = make_account("organiser")
    url = f"/console/login?next={quote(target, safe='')}"
    response = submit(app.test_client(), url, {"email": account.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == NEXT_TARGETS[target]
    assert_on_this_site(response.headers["Location"])


@pytest.mark.parametrize(
    "path", ["/console", "/console/accounts", *HOSTILE_PATHS, "/console//evil.example.org"]
)
def test_every_redirect_of_a_hostile_path_stays_on_this_site(client, path):
    response = client.get("/", environ_overrides={"PATH_INFO": as_a_server_passes_it(path)})
    assert response.status_code < 500
    if 300 <= response.status_code < 400:
        assert_on_this_site(response.headers["Location"])
