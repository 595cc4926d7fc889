"""Flows of mobile members by administrative code: the origin → destination matrix, the charts and
where to propose a mobile members' party organization. Pure functions (data in, plain values or a
JSON-ready ECharts option out); no Django.

A flow is a pair of current county codes (``divisions``), rolled up to prefecture or province by
their leading digits. An unknown place is the code ``""`` and shows as 不详.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from . import divisions

UNKNOWN = "不详"
PALETTE = ["#b71c1c", "#1565c0"]


def label(code: str) -> str:
    return divisions.name_of(code) if code else UNKNOWN


@dataclass(frozen=True)
class Matrix:
    origins: list[str]  # codes, most members first
    destinations: list[str]
    cells: dict[tuple[str, str], int]
    origin_totals: dict[str, int]
    destination_totals: dict[str, int]
    total: int

    def count(self, origin: str, destination: str) -> int:
        return self.cells.get((origin, destination), 0)

    def rows(self) -> list[tuple[str, list[int], int]]:
        """(origin label, a count per destination, total) per origin, for a table."""
        return [(label(o), [self.count(o, d) for d in self.destinations], self.origin_totals[o]) for o in self.origins]


def matrix(pairs: Iterable[tuple[str, str]], level: divisions.Level = "county") -> Matrix:
    """Count members per (origin, destination), at county, prefecture or province level."""
    cells: Counter[tuple[str, str]] = Counter()
    for origin, destination in pairs:
        key = (
            divisions.rolled_up(origin, level) if origin else "",
            divisions.rolled_up(destination, level) if destination else "",
        )
        cells[key] += 1
    origin_totals: Counter[str] = Counter()
    destination_totals: Counter[str] = Counter()
    for (origin, destination), n in cells.items():
        origin_totals[origin] += n
        destination_totals[destination] += n

    def ordered(totals: Counter[str]) -> list[str]:
        return sorted(totals, key=lambda code: (-totals[code], code == "", code))

    return Matrix(
        origins=ordered(origin_totals),
        destinations=ordered(destination_totals),
        cells=dict(cells),
        origin_totals=dict(origin_totals),
        destination_totals=dict(destination_totals),
        total=sum(cells.values()),
    )


@dataclass(frozen=True)
class Proposal:
    destination: str  # code at the level asked for
    members: int
    share: float  # of all outgoing members with a known destination

    @property
    def label(self) -> str:
        return label(self.destination)


def proposals(destinations: Sequence[str], *, minimum: int, level: divisions.Level = "prefecture") -> list[Proposal]:
    """Destinations where outgoing members concentrate: at least ``minimum`` of them (the policy's
    minimum of full members for a party organization) in one place at ``level`` — there the county
    should build a mobile members' party organization together with the receiving area."""
    known = [divisions.rolled_up(code, level) for code in destinations if code]
    counts = Counter(known)
    total = len(known)
    found = [Proposal(code, n, n / total) for code, n in counts.items() if n >= minimum]
    return sorted(found, key=lambda p: (-p.members, p.destination))


def sankey(m: Matrix) -> dict[str, Any]:
    """An ECharts Sankey diagram: origins on the left, destinations on the right (a place can be
    both, so each side has its own node)."""
    left = {code: f"{label(code)}(来)" for code in m.origins}
    right = {code: f"{label(code)}(往)" for code in m.destinations}
    return {
        "tooltip": {"trigger": "item"},
        "series": [
            {
                "type": "sankey",
                "left": 8,
                "right": 120,
                "nodeGap": 6,
                "emphasis": {"focus": "adjacency"},
                "data": [{"name": name} for name in [*left.values(), *right.values()]],
                "links": [{"source": left[o], "target": right[d], "value": n} for (o, d), n in sorted(m.cells.items())],
                "lineStyle": {"color": "gradient", "curveness": 0.5},
            }
        ],
    }


def by_township_and_year(
    rows: Iterable[tuple[str, str, int]], years: Sequence[int]
) -> tuple[list[tuple[str, dict[int, tuple[int, int]]]], dict[str, Any]]:
    """(township, direction "in"/"out", year) per member registered → a table of (in, out) per
    township and year, and a grouped bar chart of the county's in-flow and out-flow per year."""
    table: defaultdict[str, Counter[tuple[int, str]]] = defaultdict(Counter)
    totals: Counter[tuple[int, str]] = Counter()
    for township, direction, year in rows:
        table[township][(year, direction)] += 1
        totals[(year, direction)] += 1
    out = [
        (township, {y: (counts[(y, "in")], counts[(y, "out")]) for y in years})
        for township, counts in sorted(table.items())
    ]
    chart = {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": [str(y) for y in years]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"type": "bar", "name": "流入", "data": [totals[(y, "in")] for y in years]},
            {"type": "bar", "name": "流出", "data": [totals[(y, "out")] for y in years]},
        ],
    }
    return out, chart
