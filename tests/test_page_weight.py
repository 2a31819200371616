"""The event page stays light for delegates on slow connections: its HTML and the stylesheets and
scripts it loads, in every language, for every event of the demo programme."""

from __future__ import annotations

import gzip
import re

import sqlalchemy as sa

from app.demo import load_demo_programme
from app.extensions import db
from app.models import Event

# Measured at 15,400 bytes (the heaviest page: an Arabic one with its agenda and documents, with
# 8 kB of CSS and 1.4 kB of JS), plus about 30%. Raise it only for a reason worth the bytes.
BUDGET_BYTES = 20_000

ASSET_RE = re.compile(r'<(?:link[^>]*\brel="stylesheet"[^>]*\bhref|script[^>]*\bsrc)="([^"]+)"')


def asset(client, url: str, fetched: dict) -> bytes:
    if url not in fetched:
        response = client.get(url)
        assert response.status_code == 200, url
        fetched[url] = response.get_data()
        response.close()  # static files are streamed
    return fetched[url]


def weight(client, url: str, fetched: dict) -> tuple[int, int]:
    """The bytes of a page and of what it loads: as sent, and as gzip would send them."""
    page = client.get(url)
    assert page.status_code == 200, url
    html = page.get_data(as_text=True)
    bodies = [page.get_data()] + [asset(client, src, fetched) for src in ASSET_RE.findall(html)]
    return sum(map(len, bodies)), sum(len(gzip.compress(body)) for body in bodies)


def test_the_event_page_stays_under_its_budget(app, client, capsys):
    load_demo_programme()
    event_ids = db.session.scalars(sa.select(Event.id).where(Event.is_published)).all()
    assert len(event_ids) > 10
    fetched = {}
    measured = {
        (event_id, lang): weight(client, f"/events/{event_id}?lang={lang}", fetched)
        for event_id in event_ids
        for lang in app.config["UI_LANGUAGES"]
    }
    (event_id, lang), (raw, compressed) = max(measured.items(), key=lambda item: item[1][0])
    with capsys.disabled():
        print(
            f"\nevent page weight: {raw:,} bytes ({compressed:,} gzipped) at most, "
            f"for /events/{event_id}?lang={lang}; budget {BUDGET_BYTES:,}"
        )
    assert raw <= BUDGET_BYTES
