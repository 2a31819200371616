"""What a report's cells say beyond name and times: who someone is (a role column, a section
title, a name that is a phone number, an interpreters' booth or a room system), their country
(Zoom writes its name), and the zone the platform wrote the times in.

Plain functions of text, no database; participant_reports keeps the kinds themselves (KINDS).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta, timezone, tzinfo
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# --- who someone is --------------------------------------------------------------------------

# Role columns of Zoom ("Role", sections "Host Details", "Panelist Details"), Teams ("Role":
# Organizer, Co-organizer, Presenter, Attendee) and Webex ("Role": Host, Cohost, Panelist, Attendee).
_ROLES = {
    "host": "host",
    "meeting host": "host",
    "organizer": "host",
    "organiser": "host",
    "co-host": "co_host",
    "cohost": "co_host",
    "co host": "co_host",
    "alternative host": "co_host",
    "co-organizer": "co_host",
    "co-organiser": "co_host",
    "panelist": "panellist",
    "panellist": "panellist",
    "presenter": "panellist",
    "speaker": "panellist",
    "interpreter": "interpreter",
}
# Zoom webinar sections, by their title line.
_SECTIONS = {"host details": "host", "panelist details": "panellist", "panellist details": "panellist"}


@lru_cache(maxsize=256)
def kind_of_role(value: str) -> str | None:
    return _ROLES.get(" ".join(value.casefold().replace("_", " ").split()))


def kind_of_section(title: str) -> str | None:
    return _SECTIONS.get(" ".join(title.casefold().rstrip(",:").split()))


# Names platforms and people give: Zoom's "(Host)" suffix, interpreters' booths ("EN booth",
# "Interpretation FR", "Interprète"), room systems ("Zoom Room", "Teams Room", "Salle B").
_HOST_SUFFIX = re.compile(r"\((host|co-host|cohost)\)\s*$", re.IGNORECASE)
_INTERPRETER = re.compile(r"\b(?:[Ii]nterpr[eè]t\w*|INTERPRET\w*)")
# A booth is named by its language's code: "EN booth", "Booth AR", "Cabine FR" (not Ms Booth).
_BOOTH = re.compile(
    r"\b[A-Z]{2}\s*[-–]?\s*(?:[Bb]ooth|[Cc]abin[ea]?)\b|\b(?:[Bb]ooth|[Cc]abin[ea]?)\s*[-–:]?\s*[A-Z]{2}\b"
)
_ROOM = re.compile(
    r"\b(zoom rooms?|teams rooms?|conference room|meeting room|board ?room|room system|"
    r"salle( de (conf[ée]rence|r[ée]union))?|polycom|cisco (webex )?(room|board|desk)|"
    r"webex (room|board|desk)|"
    r"poly studio|surface hub)\b",
    re.IGNORECASE,
)
# Dial-in markers: Zoom's "Call-in User", Webex's "Call-in User_2", Teams' masked numbers.
_DIAL_IN = re.compile(
    r"\b(call[- ]?in|dial[- ]?in|phone (user|participant)|telephone user|pstn)\b", re.IGNORECASE
)
_PHONE_CHARS = re.compile(r"^\+?[\d\s().\-*x•]+$")


@lru_cache(maxsize=65536)
def kind_of_name(name: str) -> str | None:
    if is_phone_number(name) or _DIAL_IN.search(name):
        return "phone"
    if match := _HOST_SUFFIX.search(name):
        return "host" if match.group(1).casefold() == "host" else "co_host"
    if _INTERPRETER.search(name) or _BOOTH.search(name):
        return "interpreter"
    if _ROOM.search(name):
        return "room"
    return None


def is_phone_number(name: str) -> bool:
    """A name that is a telephone number, whole or partly masked: "+249912345678", "+44 20 **** **12"."""
    value = name.strip()
    if not _PHONE_CHARS.match(value):
        return False
    return sum(ch.isdigit() for ch in value) >= 4 and sum(ch.isdigit() or ch == "*" for ch in value) >= 7


# Calling codes of one and two digits (ITU-T E.164); every other code has three.
_SHORT_CODES = frozenset(
    {"1", "7", "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45"}
    | {"46", "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62"}
    | {"63", "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98"}
)


def phone_display(name: str) -> str:
    """A number grouped so that it reads: "+249912345678" → "+249 912 345 678"."""
    value = name.strip()
    if not is_phone_number(value):
        return " ".join(value.split())
    if not value.startswith("+") or not value[1:].isdigit():
        return " ".join(value.split())  # written with its own spacing or masked: kept as written
    digits = value[1:]
    code = next((digits[:n] for n in (1, 2) if digits[:n] in _SHORT_CODES), digits[:3])
    rest = digits[len(code) :]
    groups = [rest[i : i + 3] for i in range(0, len(rest), 3)]
    if len(groups) > 1 and len(groups[-1]) == 1:  # no lone digit at the end: a group of four
        groups[-2:] = [groups[-2] + groups[-1]]
    return " ".join(["+" + code, *groups])


# --- countries ------------------------------------------------------------------------------

# Zoom writes the country's name in the account's language: read against CLDR's names.
_COUNTRY_LANGUAGES = (
    "en",
    "fr",
    "ar",
    "es",
    "pt",
    "de",
    "it",
    "nl",
    "ru",
    "zh",
    "ja",
    "ko",
    "tr",
    "sw",
    "am",
)
_ALIASES = {
    "usa": "US",
    "united states of america": "US",
    "uk": "GB",
    "great britain": "GB",
    "russian federation": "RU",
    "korea, republic of": "KR",
    "republic of korea": "KR",
    "iran, islamic republic of": "IR",
    "viet nam": "VN",
    "türkiye": "TR",
    "turkiye": "TR",
    "czech republic": "CZ",
    "ivory coast": "CI",
    "cote d'ivoire": "CI",
    "congo, democratic republic of the": "CD",
    "democratic republic of the congo": "CD",
    "republic of the congo": "CG",
    "tanzania, united republic of": "TZ",
    "hong kong": "HK",
    "macao": "MO",
    "taiwan": "TW",
    "palestine": "PS",
    "swaziland": "SZ",
    "macedonia": "MK",
    "burma": "MM",
}


def _country_key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[’'`]", "'", text).replace("&", "and").split())


@cache
def _countries() -> dict[str, str]:
    from babel import Locale

    names: dict[str, str] = {}
    for language in _COUNTRY_LANGUAGES:
        for code, name in Locale.parse(language).territories.items():
            if len(code) == 2 and code.isalpha() and code not in ("EU", "EZ", "UN", "ZZ", "QO"):
                names.setdefault(_country_key(name), code)
    for alias, code in _ALIASES.items():
        names.setdefault(_country_key(alias), code)
    return names


@lru_cache(maxsize=4096)
def country_code(value: str) -> str:
    """ISO 3166 alpha-2 of a country's name (in one of the usual languages) or code; "" if unknown."""
    value = value.strip()
    if not value:
        return ""
    if len(value) == 2 and value.isalpha() and value.isascii():
        code = value.upper()
        return code if code in set(_countries().values()) else ""
    return _countries().get(_country_key(value), "")


# --- the zone of the report's times ---------------------------------------------------------------

_OFFSET = re.compile(r"\b(?:UTC|GMT)\s*([+\-−])\s*(\d{1,2})(?::?(\d{2}))?")
_ZONE_LINE = re.compile(r"time ?zone\W+([A-Za-z]+/[A-Za-z_\-]+(?:/[A-Za-z_\-]+)?)", re.IGNORECASE)


def zone_stated(lines: list[str]) -> str | None:
    """The zone a report says its times are in: an IANA name after "Time zone", or an offset
    such as "(UTC+01:00)" or "GMT+02:00" in its header lines; None if it says nothing.

    An offset followed by cities ("(UTC+01:00) Amsterdam, Berlin, … Vienna", as Windows and
    the platforms label a zone) is that city's zone when the offset is one of its own: the
    label gives the winter offset all year, and a fixed +01:00 would put summer times an
    hour off."""
    for line in lines:
        if (match := _ZONE_LINE.search(line)) and match.group(1) in _zone_names():
            return match.group(1)
    for line in lines:
        if match := _OFFSET.search(line):
            sign, hours, minutes = match.groups()
            offset = timedelta(hours=int(hours), minutes=int(minutes or 0)) * (-1 if sign in "-−" else 1)
            city = _city_zone(line[match.end() :], offset)
            return city or offset_name(("-" if sign in "-−" else "+"), int(hours), int(minutes or 0))
    return None


def _city_zone(text: str, offset: timedelta) -> str | None:
    for word in re.findall(r"[^\W\d_]+(?:[ -][^\W\d_]+)?", text):
        for candidate in (word, word.split()[0]):
            zone = _cities().get(candidate.casefold())
            if zone and offset in _offsets_of(zone):
                return zone
    return None


_CONTINENTS: tuple[str, ...]  # extended below
_CONTINENTS = ("Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/", "Europe/")
_CONTINENTS += ("Indian/", "Pacific/")


@cache
def _cities() -> dict[str, str]:
    """The IANA zones by their city ("vienna" → Europe/Vienna, "new york" → America/New_York)."""
    cities: dict[str, str] = {}
    for name in sorted(_zone_names()):
        if name.startswith(_CONTINENTS):
            cities.setdefault(name.rsplit("/", 1)[1].replace("_", " ").casefold(), name)
    return cities


@cache
def _offsets_of(zone: str) -> frozenset[timedelta]:
    from datetime import datetime

    info = ZoneInfo(zone)
    offsets = set()
    for month in (1, 7):
        offset = datetime(2021, month, 15, 12, tzinfo=info).utcoffset()
        assert offset is not None  # a ZoneInfo gives every instant an offset
        offsets.add(offset)
    return frozenset(offsets)


def offset_name(sign: str, hours: int, minutes: int = 0) -> str:
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


_OFFSET_NAME = re.compile(r"UTC([+-])(\d{2}):(\d{2})")


def zone_named(name: str) -> tzinfo:
    """An IANA zone, or a fixed offset written "UTC+01:00". Raises ValueError for anything else."""
    if match := _OFFSET_NAME.fullmatch(name):
        sign, hours, minutes = match.groups()
        offset = timedelta(hours=int(hours), minutes=int(minutes))
        if offset > timedelta(hours=14):
            raise ValueError(name)
        return timezone(-offset if sign == "-" else offset, name)
    if name not in _zone_names():
        raise ValueError(name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(name) from None


def name_of_zone(zone: tzinfo) -> str:
    if isinstance(zone, ZoneInfo):
        return zone.key
    offset = zone.utcoffset(None) or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return offset_name(sign, minutes // 60, minutes % 60)
