"""ZIP uploads judged by their central directory before anything unpacks them.

Word and PowerPoint documents and Excel participant reports are ZIP files, and a small
ZIP can unpack to gigabytes (a "ZIP bomb": a 280 KB workbook of 94 MB held a worker for
22 s and 360 MB). A ZIP lists every entry's packed and unpacked size at its end; reading
that list costs nothing, and Python's zipfile (which openpyxl uses) stops unpacking an
entry at the size listed, so the list bounds what any parser can be made to unpack.

A file is refused when:

- it has more entries than any Office file (ENTRIES_MAX);
- its entries would unpack to more than the caller's limit in all
  (MAX_DOCUMENT_UNPACKED_BYTES, MAX_REPORT_UNPACKED_BYTES);
- the whole file, or one of its entries, would unpack to more than ZIP_MAX_RATIO (100)
  times its packed size. Office XML packs 2 to 25 times (a 20,000-row Zoom report's sheet:
  15; a sheet of one value repeated: 22), images and media about once; the padding of a
  bomb packs 200 to 1,000 times. Entries and files under RATIO_FROM_BYTES are too small
  to matter whatever their ratio, and the limit on the total bounds them together.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

ENTRIES_MAX = 10_000
RATIO_FROM_BYTES = 1024 * 1024
MB = 1024 * 1024


class ZipRefused(ValueError):
    """A ZIP its central directory shows to be a bomb; the message says why."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class ZipLimits:
    unpacked_bytes: int
    ratio: int = 100
    entries: int = ENTRIES_MAX

    @classmethod
    def from_config(cls, unpacked_setting: str) -> ZipLimits:
        config = current_app.config
        return cls(unpacked_bytes=config[unpacked_setting], ratio=config["ZIP_MAX_RATIO"])


def check(archive: zipfile.ZipFile, limits: ZipLimits) -> list[zipfile.ZipInfo]:
    """The archive's entries, or ZipRefused if they would unpack beyond `limits`."""
    entries = archive.infolist()
    if len(entries) > limits.entries:
        raise ZipRefused(
            _l("This file holds more than %(max)d parts: no file we accept has so many.", max=limits.entries)
        )
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > limits.unpacked_bytes:
        raise ZipRefused(
            _l(
                "This file would unpack to %(size)d MB, more than the %(max)d MB accepted.",
                size=-(-unpacked // MB),
                max=max(limits.unpacked_bytes // MB, 1),
            )
        )
    packed = sum(entry.compress_size for entry in entries)
    if _too_compressed(unpacked, packed, limits):
        raise ZipRefused(
            _l(
                "This file would unpack to %(ratio)d times its size, more than the %(max)d times of an "
                "ordinary file: it is refused as a possible “ZIP bomb”.",
                ratio=unpacked // max(packed, 1),
                max=limits.ratio,
            )
        )
    for entry in entries:
        if _too_compressed(entry.file_size, entry.compress_size, limits):
            raise ZipRefused(
                _l(
                    "A part of this file would unpack to %(ratio)d times its packed size, more than the "
                    "%(max)d times of an ordinary file: it is refused as a possible “ZIP bomb”.",
                    ratio=entry.file_size // max(entry.compress_size, 1),
                    max=limits.ratio,
                )
            )
    return entries


def _too_compressed(unpacked: int, packed: int, limits: ZipLimits) -> bool:
    return unpacked > RATIO_FROM_BYTES and unpacked > limits.ratio * packed
