"""A chart as files to take away: its SVG, a PNG for slides, its figures as CSV.

The charts are SVG drawn in Python (charts.py) from three elements only -- `rect`, `line` and
`text` (anchored, bold or not, sized, maybe rotated) -- in groups. The PNG draws exactly those
with Pillow (already a dependency, built with FreeType and Raqm here, so Arabic labels are
joined and run right to left), at twice the size for sharp slides, in DejaVu Sans as the PDF
reports are set (Pillow's own font where it is not installed). No SVG library: cairosvg
sets text with cairo's "toy" API, which neither joins Arabic nor runs it right to left.
"""

from __future__ import annotations

import csv
import io
import re
from functools import cache
from xml.etree.ElementTree import Element  # noqa: S405 - only the type; parsing is defusedxml's

from defusedxml.ElementTree import fromstring
from PIL import Image, ImageDraw, ImageFont

from ..mail.certificates import UNICODE_FILES, unicode_font_folder
from .charts import Exhibit
from .exports import neutralise

SCALE = 2
SVG = "{http://www.w3.org/2000/svg}"
BACKGROUND = "#ffffff"
ANCHORS = {"start": "ls", "middle": "ms", "end": "rs"}  # Pillow's: horizontal place, on the baseline
ROTATE = re.compile(r"rotate\(\s*(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s*\)")
# What an element passes on to what it holds (the chart's font size, its ink).
INHERITED = ("fill", "font-size", "font-weight", "text-anchor")


def svg_file(exhibit: Exhibit) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + str(exhibit.svg)).encode()


def csv_file(exhibit: Exhibit) -> bytes:
    """The chart's figures: UTF-8 with the BOM Excel needs, every text cell neutralised."""
    headers, rows = exhibit.data_table()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(str(header)) for header in headers])
    for row in rows:
        writer.writerow([cell if isinstance(cell, int | float) else neutralise(str(cell)) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode()


def png_file(exhibit: Exhibit, scale: int = SCALE) -> bytes:
    root = fromstring(str(exhibit.svg))
    width, height = float(root.get("width")), float(root.get("height"))
    image = Image.new("RGBA", (round(width * scale), round(height * scale)), BACKGROUND)
    _draw(image, root, _inherited(root, {}), scale)
    output = io.BytesIO()
    image.convert("RGB").save(output, "PNG", optimize=True, dpi=(96 * scale, 96 * scale))
    return output.getvalue()


def _inherited(element: Element, outer: dict[str, str]) -> dict[str, str]:
    return {**outer, **{name: value for name in INHERITED if (value := element.get(name)) is not None}}


def _draw(image: Image.Image, element: Element, style: dict[str, str], scale: int) -> None:
    for child in element:
        tag = child.tag.removeprefix(SVG)
        attrs = _inherited(child, style)
        if tag == "g":
            _draw(image, child, attrs, scale)
        elif tag == "rect":
            _rect(image, child, attrs, scale)
        elif tag == "line":
            _line(image, child, scale)
        elif tag == "text":
            _text(image, child, attrs, scale)
        # title and desc: read out, not drawn


def _number(element: Element, name: str) -> float:
    return float(element.get(name) or 0)


def _rect(image: Image.Image, element: Element, style: dict[str, str], scale: int) -> None:
    x, y = _number(element, "x") * scale, _number(element, "y") * scale
    width, height = _number(element, "width") * scale, _number(element, "height") * scale
    if width > 0 and height > 0:
        ImageDraw.Draw(image).rectangle([x, y, x + width - 1, y + height - 1], fill=style.get("fill"))


def _line(image: Image.Image, element: Element, scale: int) -> None:
    ends = [_number(element, name) * scale for name in ("x1", "y1", "x2", "y2")]
    width = round(float(element.get("stroke-width") or 1) * scale)
    ImageDraw.Draw(image).line(ends, fill=element.get("stroke"), width=width)


def _text(image: Image.Image, element: Element, style: dict[str, str], scale: int) -> None:
    content = element.text or ""
    if not content.strip():
        return
    font = _font(style.get("font-weight") == "bold", round(float(style.get("font-size") or 12) * scale))
    place = (_number(element, "x") * scale, _number(element, "y") * scale)
    anchor = ANCHORS.get(style.get("text-anchor") or "start", "ls")
    rotation = ROTATE.fullmatch((element.get("transform") or "").strip())
    if rotation is None:
        ImageDraw.Draw(image).text(place, content, fill=style.get("fill"), font=font, anchor=anchor)
        return
    # Drawn level on a layer of its own, with a margin (a level text may run past the chart's
    # edge before it is turned), turned about the SVG's centre, then laid on the chart.
    angle = float(rotation.group(1))
    centre = (float(rotation.group(2)) * scale, float(rotation.group(3)) * scale)
    left, top, right, bottom = font.getbbox(content, anchor=anchor)
    margin = round(max(right - left, bottom - top)) + 2
    layer = Image.new("RGBA", (image.width + 2 * margin, image.height + 2 * margin), (0, 0, 0, 0))
    shifted = (place[0] + margin, place[1] + margin)
    ImageDraw.Draw(layer).text(shifted, content, fill=style.get("fill"), font=font, anchor=anchor)
    # SVG turns clockwise for a positive angle (its y runs down), Pillow counter-clockwise.
    turned = layer.rotate(
        -angle, center=(centre[0] + margin, centre[1] + margin), resample=Image.Resampling.BICUBIC
    )
    image.alpha_composite(turned.crop((margin, margin, margin + image.width, margin + image.height)))


@cache
def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    folder = unicode_font_folder()
    if folder is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(str(folder / UNICODE_FILES["B" if bold else ""]), size)
