"""What becomes of the people of a report that no registration matched: the organiser decides.

The preview groups them (likely staff or technical connections, phone dial-ins, others), so
that a whole group can be recorded as walk-ins or left out at once, and suggests for the others
the registrations they may be: a similar name (accents, case, word order and initials aside)
or an address at the same organisation's domain. A suggestion is only that: accepting one is
a link made by hand.

The report's reader gives each entry its `kind` (delegate, host, co_host, panellist,
interpreter, room, phone); an entry without one is a delegate.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from . import participant_reports as reports

# Groups of unmatched people, in the order the preview shows them.
STAFF, PHONE, OTHERS = "staff", "phone", "others"
GROUPS = (STAFF, PHONE, OTHERS)
STAFF_KINDS = frozenset({"host", "co_host", "panellist", "interpreter", "room"})

SUGGESTIONS = 3
# Name similarity (0–100) from which a registration is suggested on its name alone.
NAME_FLOOR = 60
# Added for an address at the same organisation's domain.
DOMAIN_BONUS = 25
# A word (a common first name) or a domain this many registrations share finds no candidates
# alone: it would say little, and cost a comparison with each of them.
COMMON_WORD = 50
# Unmatched people given suggestions: past this, a report is mostly walk-ins and the preview
# would wait on thousands of comparisons nobody reads.
SUGGESTED_AT_MOST = 1000
# Addresses anyone can have: the same domain says nothing of an organisation.
PUBLIC_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.fr",
        "hotmail.com",
        "hotmail.fr",
        "outlook.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "yandex.ru",
        "mail.ru",
        "qq.com",
        "163.com",
        "orange.fr",
        "free.fr",
        "example.com",
    }
)


def group_of(entry: dict) -> str:
    kind = entry.get("kind", "delegate")
    if kind in STAFF_KINDS:
        return STAFF
    if kind == "phone":
        return PHONE
    return OTHERS


def words(name: str) -> list[str]:
    """A name's words compared: without case, accents or punctuation (see name_key)."""
    return reports.name_key(name).split()


def _words_alike(one: str, other: str) -> float:
    if one == other:
        return 1.0
    if len(one) == 1 or len(other) == 1:  # an initial
        return 0.8 if one[0] == other[0] else 0.0
    ratio = SequenceMatcher(None, one, other).ratio()
    return ratio if ratio >= 0.75 else 0.0


def name_score(one: list[str], other: list[str]) -> int:
    """0–100: each word paired with the most alike word of the other name, whatever the order."""
    if not one or not other:
        return 0
    shorter, longer = sorted((one, other), key=len)
    left = list(longer)
    total = 0.0
    for word in shorter:
        best = max(left, key=lambda candidate: _words_alike(word, candidate))
        alike = _words_alike(word, best)
        if alike:
            total += alike
            left.remove(best)
    return round(200 * total / (len(one) + len(other)))


def domain_of(email: str) -> str:
    domain = email.rpartition("@")[2].lower()
    return "" if domain in PUBLIC_DOMAINS else domain


def _index_keys(word: str) -> tuple[str, ...]:
    """The word itself, and its start (which finds a word spelt a little differently)."""
    return (word, "~" + word[:3]) if len(word) > 1 else ()


class _Candidates:
    """The registrations, found by the start of a word of their name or by their domain."""

    def __init__(self, registrations: list[tuple[int, str, str]]):
        self.people = {reg_id: (words(name), domain_of(email)) for reg_id, name, email in registrations}
        self.by_word: dict[str, set[int]] = {}
        self.by_domain: dict[str, set[int]] = {}
        for reg_id, (name_words, domain) in self.people.items():
            for word in name_words:
                for key in _index_keys(word):
                    self.by_word.setdefault(key, set()).add(reg_id)
            if domain:
                self.by_domain.setdefault(domain, set()).add(reg_id)

    def of(self, name_words: list[str], domain: str) -> set[int]:
        found: set[int] = set()
        for word in name_words:
            for key in _index_keys(word):
                bucket = self.by_word.get(key, ())
                if len(bucket) <= COMMON_WORD:
                    found.update(bucket)
        # A domain shared by many registrations (a large organisation's) finds nobody alone.
        bucket = self.by_domain.get(domain, ()) if domain else ()
        if len(bucket) <= COMMON_WORD:
            found.update(bucket)
        return found


def suggest(entries: list[dict], registrations: list[tuple[int, str, str]]) -> None:
    """Give each unmatched entry of the "others" group its suggestions, best first:
    [{"reg": id, "score": 0–100, "same_domain": bool}] (empty when nothing is alike)."""
    candidates = _Candidates(registrations)
    asked = 0
    for entry in entries:
        entry["suggestions"] = []
        if entry["reg"] is not None or group_of(entry) != OTHERS or asked >= SUGGESTED_AT_MOST:
            continue
        asked += 1
        entry["suggestions"] = suggestions_for(entry, candidates)


def suggestions_for(entry: dict, candidates: _Candidates) -> list[dict]:
    name_words = words(entry["name"])
    domain = domain_of(entry["email"]) if entry["email"] else ""
    found = []
    for reg_id in candidates.of(name_words, domain):
        their_words, their_domain = candidates.people[reg_id]
        score = name_score(name_words, their_words)
        same_domain = bool(domain) and domain == their_domain
        if score < NAME_FLOOR and not same_domain:
            continue
        if same_domain:
            score = min(100, score + DOMAIN_BONUS)
        found.append({"reg": reg_id, "score": score, "same_domain": same_domain})
    found.sort(key=lambda suggestion: (-suggestion["score"], suggestion["reg"]))
    return found[:SUGGESTIONS]


def indexes_in_group(entries: list[dict], group: str, is_open) -> list[int]:
    """The unmatched entries of a group the organiser may decide for (links made by hand stay)."""
    return [
        index
        for index, entry in enumerate(entries)
        if is_open(entry) and entry["reg"] is None and group_of(entry) == group
    ]
