"""Which member a police migrant record may be: pure scoring, no Django.

A record and a member are the same person for certain when their ID numbers are the same (the
service compares keyed hashes, never numbers). Otherwise a member is a *candidate* when at least
two of three agree — the name (``core.text.normalize_name``, the one fold; a close name counts by
its similarity), the birth date, the origin county (both ID numbers' area codes brought to the
current county, so 532226… and 530324… agree) — and the score says how much agrees:

    50 × name similarity  +  30 if the birth date agrees  +  20 if the origin county agrees

so an equal name with the same birth date scores 80, with the same origin too 100. The clerk
verifies; the score only orders the candidates. The rules in words: ``docs/mobile-members.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from rapidfuzz.distance import Indel

NAME_WEIGHT: Final = 50
BIRTH_WEIGHT: Final = 30
ORIGIN_WEIGHT: Final = 20
CLOSE_NAME: Final = 0.5  # a name at least this similar counts as agreeing
MAX_CANDIDATES: Final = 5


@dataclass(frozen=True, slots=True)
class Person:
    """What is compared: the folded name, the birth date and the current origin county code."""

    key: int  # the member's id (0 for the record itself)
    name_key: str
    birth_date: dt.date | None
    origin_code: str | None


@dataclass(frozen=True, slots=True)
class Candidate:
    member_id: int
    score: int
    reasons: tuple[str, ...]  # name / similar_name / birth_date / origin

    def to_dict(self) -> dict[str, object]:
        return {"member": self.member_id, "score": self.score, "reasons": list(self.reasons)}


def name_similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    return 1.0 if a == b else float(Indel.normalized_similarity(a, b))


def score(record: Person, member: Person) -> Candidate | None:
    """The candidate ``member`` is for ``record``, or None when fewer than two things agree."""
    similarity = name_similarity(record.name_key, member.name_key)
    reasons: list[str] = []
    if similarity == 1.0:
        reasons.append("name")
    elif similarity >= CLOSE_NAME:
        reasons.append("similar_name")
    birth = record.birth_date is not None and record.birth_date == member.birth_date
    if birth:
        reasons.append("birth_date")
    origin = record.origin_code is not None and record.origin_code == member.origin_code
    if origin:
        reasons.append("origin")
    if len(reasons) < 2:
        return None
    points = NAME_WEIGHT * (similarity if similarity >= CLOSE_NAME else 0.0)
    points += BIRTH_WEIGHT * birth + ORIGIN_WEIGHT * origin
    return Candidate(member.key, round(points), tuple(reasons))


def candidates(record: Person, members: Iterable[Person], limit: int = MAX_CANDIDATES) -> list[Candidate]:
    """The best candidates, highest score first (then the lower member id, for a stable order)."""
    found = [c for c in (score(record, m) for m in members) if c is not None]
    found.sort(key=lambda c: (-c.score, c.member_id))
    return found[:limit]
