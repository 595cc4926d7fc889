"""Which distinctions between organizations the active indicators can see. Pure Python.

The yearly tally (``models.StateTally``) counts organizations by the state columns the indicator
filters read — not by every value: a number is kept only as the bucket it falls in, between the
thresholds the filters compare it with. ``employees >= 50`` and ``employees >= 100`` make the
buckets [0, 50), [50, 100), [100, ∞), each kept as its lower bound (0, 50, 100); every comparison
any active filter makes has the same answer for the bound as for any number of its bucket, so a
filter evaluated over the tally counts what it counts over the organizations. Columns no filter
reads are not kept at all (NULL), which is what makes the tally small.

A :class:`Scheme` is that choice; a change of the active definitions that changes it rebuilds
the tally (``materialized``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import dsl

# Fields computed from others: the columns they read.
DERIVED: Mapping[str, tuple[str, ...]] = {
    "work_covered": ("covered", "has_instructor", "takes_part"),
}
# Number fields kept as buckets (``members`` is full + probationary, bucketed on its own).
NUMBERS = ("employees", "full_members", "probationary_members", "members")


def _thresholds(node: dsl.Compare) -> set[int]:
    """The bucket bounds that make ``node`` constant on every bucket."""
    values = node.value if node.op == "in" else (node.value,)
    bounds: set[int] = set()
    for value in values:
        if node.op in ("gte", "lt"):
            bounds.add(value)
        elif node.op in ("gt", "lte"):
            bounds.add(value + 1)
        else:  # eq, ne, in: the value is a bucket of its own
            bounds |= {value, value + 1}
    return {b for b in bounds if b > 0}  # numbers are never negative: 0 is always the first bound


def _compares(node: dsl.Node) -> Iterable[dsl.Compare]:
    if isinstance(node, dsl.Compare):
        yield node
    elif isinstance(node, dsl.Not):
        yield from _compares(node.item)
    else:
        for item in node.items:
            yield from _compares(item)


@dataclass(frozen=True)
class Scheme:
    """``parts``: the fields the tally keeps, in groups that no indicator mixes (the mass
    organizations' flags are read each by its own indicator): the tally counts each group on its
    own rows, so the groups' values do not multiply. ``bounds``: number field → its bucket bounds
    above 0."""

    parts: tuple[tuple[str, ...], ...]
    bounds: tuple[tuple[str, tuple[int, ...]], ...]

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(sorted(f for part in self.parts for f in part))

    def as_json(self) -> dict[str, Any]:
        return {"parts": [list(p) for p in self.parts], "bounds": {f: list(b) for f, b in self.bounds}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Scheme:
        return cls(
            parts=tuple(tuple(p) for p in data["parts"]),
            bounds=tuple((f, tuple(b)) for f, b in data["bounds"].items()),
        )

    def bounds_of(self, field: str) -> tuple[int, ...]:
        return dict(self.bounds).get(field, ())

    def part_of(self, filters: Sequence[dsl.Node]) -> int | None:
        """The part whose rows answer an indicator with these filters exactly; None when none
        does (a field not kept, fields of two parts, a threshold between two bounds)."""
        fields, bounds = _read(filters)
        for field, thresholds in bounds.items():
            if not thresholds <= set(self.bounds_of(field)):
                return None
        if not fields:
            return 0
        for n, part in enumerate(self.parts):
            if fields <= set(part):
                return n
        return None


def _read(filters: Iterable[dsl.Node]) -> tuple[set[str], dict[str, set[int]]]:
    """The fields (derived ones expanded) and the number thresholds of one indicator's filters."""
    fields: set[str] = set()
    bounds: dict[str, set[int]] = {}
    for node in filters:
        for compare in _compares(node):
            fields.update(DERIVED.get(compare.field, (compare.field,)))
            if compare.field in NUMBERS:
                bounds.setdefault(compare.field, set()).update(_thresholds(compare))
    return fields, bounds


def scheme_of(indicators: Iterable[Sequence[dsl.Node]]) -> Scheme:
    """The scheme that answers every one of ``indicators`` (each given by its organization
    filters) exactly: fields read by one indicator share a part."""
    parts: list[set[str]] = []
    bounds: dict[str, set[int]] = {}
    for filters in indicators:
        fields, found = _read(filters)
        for field, thresholds in found.items():
            bounds.setdefault(field, set()).update(thresholds)
        if not fields:
            continue
        touching = [p for p in parts if p & fields]
        merged = set(fields).union(*touching)
        parts = [p for p in parts if not p & fields] + [merged]
    return Scheme(
        parts=tuple(sorted(tuple(sorted(p)) for p in parts)) or ((),),
        bounds=tuple(sorted((f, tuple(sorted(b))) for f, b in bounds.items())),
    )


def bucket(value: int, bounds: tuple[int, ...]) -> int:
    """The lower bound of ``value``'s bucket (what the tally keeps): the largest bound ≤ value, or 0."""
    found = 0
    for bound in bounds:
        if bound <= value:
            found = bound
    return found
