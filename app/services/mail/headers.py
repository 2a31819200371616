"""The policies the emails are written and read with, and the header classes they share."""

from __future__ import annotations

from email import policy as email_policy
from email.headerregistry import HeaderRegistry


class _HeaderClasses(HeaderRegistry):
    """Python's header registry, each header's class made once: Python's makes a new class
    with type() at every lookup (15 µs), about 50 times a confirmation, which was a sixth of
    the time building its MIME took (bench/mail.py --compose)."""

    def __init__(self) -> None:
        super().__init__()
        # By the class it specialises (a score of them), not by name: a message read may hold
        # headers of any name.
        self._made: dict[type, type] = {}

    def __getitem__(self, name: str) -> type:
        kind = self.registry.get(name.lower(), self.default_class)
        if kind not in self._made:
            self._made[kind] = type("_" + kind.__name__, (kind, self.base_class), {})
        return self._made[kind]


HEADERS = _HeaderClasses()
# What reads the headers of a message (ours, or one written by a mail program).
PARSE_POLICY = email_policy.default.clone(header_factory=HEADERS)
# The bodies as the standard has them (lines of 76 at most, 7-bit clean, as no server has to
# accept 8-bit mail); the headers are written with RFC 5322's limit of 998 characters a line:
# Python 3.11 folds a display name too long for 78 without its quotes, and a name with
# "<attacker@…>," in it then became a recipient of its own. No name of ours needs folding at 998.
BODY_POLICY = email_policy.SMTP.clone(cte_type="7bit", header_factory=HEADERS)
HEADER_POLICY = BODY_POLICY.clone(max_line_length=998)
