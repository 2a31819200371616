"""Where a country lies: the UN M49 region and sub-region of every ISO 3166-1 country.

Source: United Nations Statistics Division, "Standard country or area codes for
statistical use (M49)", https://unstats.un.org/unsd/methodology/m49/overview/
(the geographic regions, their sub-regions and intermediate regions, as
published there). M49 lists no region for Antarctica (AQ), so it has none here.
Taiwan (TW) is not listed separately by M49; it is placed in Eastern Asia, as
ISO 3166-based tables of the M49 regions commonly do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import pycountry
from babel import Locale, UnknownLocaleError
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ..database import folded

REGIONS = {
    "002": _l("Africa"),
    "019": _l("Americas"),
    "142": _l("Asia"),
    "150": _l("Europe"),
    "009": _l("Oceania"),
}

# M49 sub-region -> (name, region)
SUB_REGIONS = {
    "015": (_l("Northern Africa"), "002"),
    "202": (_l("Sub-Saharan Africa"), "002"),
    "419": (_l("Latin America and the Caribbean"), "019"),
    "021": (_l("Northern America"), "019"),
    "143": (_l("Central Asia"), "142"),
    "030": (_l("Eastern Asia"), "142"),
    "035": (_l("South-eastern Asia"), "142"),
    "034": (_l("Southern Asia"), "142"),
    "145": (_l("Western Asia"), "142"),
    "151": (_l("Eastern Europe"), "150"),
    "154": (_l("Northern Europe"), "150"),
    "039": (_l("Southern Europe"), "150"),
    "155": (_l("Western Europe"), "150"),
    "053": (_l("Australia and New Zealand"), "009"),
    "054": (_l("Melanesia"), "009"),
    "057": (_l("Micronesia"), "009"),
    "061": (_l("Polynesia"), "009"),
}

# M49 intermediate region -> (name, sub-region)
INTERMEDIATE_REGIONS = {
    "014": (_l("Eastern Africa"), "202"),
    "017": (_l("Middle Africa"), "202"),
    "018": (_l("Southern Africa"), "202"),
    "011": (_l("Western Africa"), "202"),
    "029": (_l("Caribbean"), "419"),
    "013": (_l("Central America"), "419"),
    "005": (_l("South America"), "419"),
    "830": (_l("Channel Islands"), "154"),
}

# The countries (ISO 3166-1 alpha-2) of each area, under its most specific M49 code.
MEMBERS = {
    "015": "DZ EG LY MA SD TN EH",
    "014": "BI IO KM DJ ER ET TF KE MG MW MU YT MZ RE RW SC SO SS TZ UG ZM ZW",
    "017": "AO CM CF TD CG CD GQ GA ST",
    "018": "BW SZ LS NA ZA",
    "011": "BJ BF CV CI GM GH GN GW LR ML MR NE NG SH SN SL TG",
    "029": "AI AG AW BS BB BQ KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX TT TC VG VI",
    "013": "BZ CR SV GT HN MX NI PA",
    "005": "AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE",
    "021": "BM CA GL PM US",
    "143": "KZ KG TJ TM UZ",
    "030": "CN HK MO KP JP MN KR TW",
    "035": "BN KH ID LA MY MM PH SG TH TL VN",
    "034": "AF BD BT IN IR MV NP PK LK",
    "145": "AM AZ BH CY GE IQ IL JO KW LB OM PS QA SA SY TR AE YE",
    "151": "BY BG CZ HU MD PL RO RU SK UA",
    "154": "AX DK EE FO FI IS IE IM LV LT NO SJ SE GB",
    "830": "GG JE",
    "039": "AL AD BA HR GI GR VA IT MT ME MK PT SM RS SI ES",
    "155": "AT BE FR DE LI LU MC NL CH",
    "053": "AU CX CC HM NZ NF",
    "054": "FJ NC PG SB VU",
    "057": "GU KI MH FM NR MP PW UM",
    "061": "AS CK PF NU PN WS TK TO TV WF",
}


@dataclass(frozen=True)
class Area:
    code: str
    name: object  # a lazy translated string

    def __str__(self) -> str:
        return str(self.name)


@cache
def _area_of_country() -> dict[str, str]:
    return {country: code for code, countries in MEMBERS.items() for country in countries.split()}


def _area(code: str) -> Area:
    for table in (INTERMEDIATE_REGIONS, SUB_REGIONS):
        if code in table:
            return Area(code, table[code][0])
    return Area(code, REGIONS[code])


def sub_region(country: str) -> Area | None:
    """The most specific M49 area of a country: "Eastern Africa" rather than "Sub-Saharan Africa"."""
    code = _area_of_country().get((country or "").upper())
    return _area(code) if code else None


def region(country: str) -> Area | None:
    """The M49 region (continent) of a country: Africa, Americas, Asia, Europe or Oceania."""
    code = _area_of_country().get((country or "").upper())
    if code is None:
        return None
    if code in INTERMEDIATE_REGIONS:
        code = INTERMEDIATE_REGIONS[code][1]
    return _area(SUB_REGIONS[code][1])


def country_name(country: str, locale: str | None = None) -> str:
    """The country's name in `locale` (the page's language by default), from the CLDR data
    Babel ships; else in English; else its code."""
    code = (country or "").upper()
    return country_names(locale or _page_locale()).get(code) or code


def delegation_name(country: str, organisation: str, locale: str | None = None) -> str:
    """A delegation's name: its member state's (in `locale`, the page's language by default),
    else its organisation's."""
    return country_name(country, locale) if country else organisation


def delegation_order(country: str, organisation: str, locale: str | None = None) -> tuple:
    """A delegation's place in a list: member states first, in the alphabetical order of their
    names in `locale`, then organisations by name (folded, as the countries are)."""
    ranks = country_ranks(locale or _page_locale())
    return (not country, ranks.get(country, len(ranks)), country, folded(organisation))


def countries(locale: str | None = None) -> tuple[tuple[str, str], ...]:
    """Every ISO 3166 country as (code, name) in `locale`, in the order a reader of that
    language looks for it (Åland with the A's)."""
    locale = locale or _page_locale()
    names = country_names(locale)
    return tuple((code, names[code]) for code in by_country_name(_iso_codes(), locale))


def _page_locale() -> str:
    return str(get_locale() or "en")


@cache
def country_names(locale: str) -> dict[str, str]:
    """Every ISO 3166 country's name in `locale` (CLDR's, through Babel), else in English.
    CLDR also names regions (001, EU, ZZ …): not countries, left out."""
    territories: Mapping[str, str]
    try:
        territories = Locale.parse(locale).territories
    except (UnknownLocaleError, ValueError):
        territories = {}
    english = {country.alpha_2: _english_name(country) for country in pycountry.countries}
    return {code: territories.get(code) or name for code, name in english.items()}


def _english_name(country) -> str:
    return getattr(country, "common_name", None) or country.name


@cache
def _iso_codes() -> frozenset[str]:
    return frozenset(country.alpha_2 for country in pycountry.countries)


@cache
def country_ranks(locale: str) -> dict[str, int]:
    """Each country's place in the alphabetical order of its name in `locale`. The collation
    key is the name folded (NFKD without marks, casefolded, app/database/types.py): no ICU
    here, and it puts "Égypte" with the E's and "Åland" with the A's in every language."""
    names = country_names(locale)
    ordered = sorted(names, key=lambda code: (folded(names[code]), names[code]))
    return {code: rank for rank, code in enumerate(ordered)}


def by_country_name(codes, locale: str | None = None) -> list[str]:
    """The codes in the alphabetical order of their countries' names (unknown codes last)."""
    ranks = country_ranks(locale or _page_locale())
    return sorted(codes, key=lambda code: (ranks.get(code, len(ranks)), code))
