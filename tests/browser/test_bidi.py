"""In Arabic, a range of times reads start–end as Chromium lays it out."""

from __future__ import annotations

from tests.test_bidi import evening_event

# The left edge of each time, where it is drawn: the first of `texts` found in a text node.
EDGES = """([first, second]) => {
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(first + '–' + second);
    if (at < 0) continue;
    const edge = (offset, length) => {
      const range = document.createRange();
      range.setStart(node, offset);
      range.setEnd(node, offset + length);
      return range.getBoundingClientRect().left;
    };
    return [edge(at, first.length), edge(at + first.length + 1, second.length)];
  }
  return null;
}"""


def test_an_arabic_time_range_reads_from_its_start(page, live_url):
    event = evening_event()
    page.goto(f"{live_url}/events/{event.id}?lang=ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    start, end = page.evaluate(EDGES, ["21:00", "22:00"])
    assert start < end  # left to right inside the Arabic sentence: 21:00–22:00, not 22:00–21:00
