"""Guessable passwords: a common word, a keyboard walk or a sequence, dressed up with the digits,
years and symbols that every password-cracking rule set tries first.

A password is read as ``prefix + core + suffix``: the core runs from its first letter to its
last (Chinese characters count as letters); prefix and suffix are the digits and symbols around
it. ``P@ssw0rd2026`` is the core ``p@ssw0rd`` (read back as ``password`` once the look-alike
characters are undone) and the suffix ``2026``. The password is guessable when

- the whole of it, or its core, is a common password (Django's list of 20,000 and the list of
  common Chinese choices beside this module), or a pattern (below); and
- what dresses the core up is guessable too: at most four characters, or digits that are a
  year, a date, a pattern or a common password themselves.

A *pattern* is text made of runs of at least three characters each of which follows the one
before it on the keyboard (``qwerty``, ``zxcvbnm``, ``1qaz2wsx``: neighbours on the same row or
on the next row), in the alphabet or in counting (``abcdef``, ``123456``, ``654321``), or repeats
it (``aaaa``).

So ``password123!``, ``P@ssw0rd2026``, ``Admin@123456`` and ``Zxcvbnm@12345`` are refused, while
``Liangxin#2026`` (the demo password) passes: its core is no common password and no pattern. A
common word with a long random tail (``Admin@83749261``) passes too: no rule set guesses the tail.

Pure: no Django here; the validator in ``passwords.py`` gives it the lists.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Iterator
from enum import Enum

# The US layout, which Chinese keyboards share. Shifted symbols count as their key.
_ROWS = ("`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./")
_UNSHIFT = dict(zip('~!@#$%^&*()_+{}|:"<>?', "`1234567890-=[]\\;',./", strict=True))
_KEY_AT: dict[str, tuple[int, int]] = {ch: (row, col) for row, keys in enumerate(_ROWS) for col, ch in enumerate(keys)}

# Characters people put in place of the letters they look like.
_LOOK_ALIKES: dict[str, tuple[str, ...]] = {
    "@": ("a",),
    "4": ("a",),
    "0": ("o",),
    "1": ("i", "l"),
    "!": ("i",),
    "3": ("e",),
    "$": ("s",),
    "5": ("s",),
    "7": ("t",),
    "+": ("t",),
}

_MIN_RUN = 3
_YEAR_OR_DATE = re.compile(r"(19|20)\d\d((0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01]))?|(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])")


class Weakness(Enum):
    COMMON = "common"
    PATTERN = "pattern"


def _key(ch: str) -> tuple[int, int] | None:
    return _KEY_AT.get(_UNSHIFT.get(ch, ch))


def _follows(before: str, after: str) -> bool:
    """``after`` is the same key as ``before``, its neighbour on the keyboard, or the next or
    previous character in the alphabet or in counting."""
    if before == after or (before.isalnum() and after.isalnum() and abs(ord(before) - ord(after)) == 1):
        return True
    a, b = _key(before), _key(after)
    if a is None or b is None:
        return False
    (row_a, col_a), (row_b, col_b) = a, b
    if row_a == row_b:
        return abs(col_a - col_b) == 1
    # Each row sits half a key to the right of the one above: ``q`` touches ``1`` and ``2``
    # above it, ``a`` below it.
    if row_b == row_a + 1:
        return col_b in (col_a - 1, col_a)
    if row_b == row_a - 1:
        return col_b in (col_a, col_a + 1)
    return False


def is_pattern(text: str) -> bool:
    """Runs of at least three keys or characters in a row, nothing else (see the module)."""
    text = text.casefold()
    if len(text) < 4:
        return False
    run = 1
    for before, after in itertools.pairwise(text):
        if _follows(before, after):
            run += 1
        elif run < _MIN_RUN:
            return False
        else:
            run = 1
    return run >= _MIN_RUN


def _read_back(text: str) -> Iterator[str]:
    """``text`` and its readings with look-alike characters undone (``p@ssw0rd`` → ``password``),
    and without the separators inside it (``pass-word`` → ``password``)."""
    readings = {""}
    for ch in text:
        options = (ch, *_LOOK_ALIKES.get(ch, ()))
        readings = {r + o for r in readings for o in options}
        if len(readings) > 64:  # a long run of ambiguous characters: enough readings to judge
            readings = set(sorted(readings)[:64])
    for reading in sorted(readings):
        yield reading
        yield "".join(ch for ch in reading if ch.isalnum())


def _split(password: str) -> tuple[str, str, str]:
    letters = [i for i, ch in enumerate(password) if ch.isalpha()]
    if not letters:
        return password, "", ""
    first, last = letters[0], letters[-1]
    return password[:first], password[first : last + 1], password[last + 1 :]


def _guessable_dressing(text: str, common: Collection[str]) -> bool:
    if len(text) <= 4:
        return True
    digits = "".join(ch for ch in text if ch.isdigit())
    if not digits:
        return is_pattern(text)
    return bool(_YEAR_OR_DATE.fullmatch(digits)) or is_pattern(digits) or is_pattern(text) or digits in common


def weakness(password: str, common: Collection[str]) -> Weakness | None:
    """Why ``password`` is guessable, or None. ``common`` holds common passwords, case-folded."""
    folded = password.casefold()
    for reading in _read_back(folded):
        if reading in common:
            return Weakness.COMMON
    if is_pattern(folded):
        return Weakness.PATTERN
    prefix, core, suffix = _split(folded)
    if not core or not _guessable_dressing(prefix, common) or not _guessable_dressing(suffix, common):
        return None
    found: Weakness | None = None
    for reading in _read_back(core):
        if reading in common:
            return Weakness.COMMON
        if is_pattern(reading):
            found = Weakness.PATTERN
    return found
