"""ECharts option objects built from indicator groups. Pure functions (babybuddy style): data in,
a JSON-ready dict out; ``static/js/coverage-charts.js`` hands it to ECharts. No Django here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from .values import IndicatorGroup, IndicatorValue

RED = "#b71c1c"
PALETTE = [RED, "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f"]


def percent(value: Decimal | None) -> float | None:
    return None if value is None else round(float(value) * 100, 1)


def ranking(groups: Sequence[IndicatorGroup], code: str, *, title: str) -> dict[str, Any]:
    """A horizontal bar per group, the best on top, with the target as a marked line."""
    rows = [(g.label, g.values[code]) for g in groups if code in g.values and g.values[code].value is not None]
    rows.sort(key=lambda r: (r[1].value or Decimal(0), r[0]))
    target = next((v.target for _label, v in rows if v.target is not None), None)
    series: dict[str, Any] = {
        "type": "bar",
        "name": title,
        "data": [percent(v.value) for _label, v in rows],
        "itemStyle": {"color": RED},
        "label": {"show": True, "position": "right", "formatter": "{c}%"},
    }
    if target is not None:
        series["markLine"] = {
            "symbol": "none",
            "data": [{"xAxis": percent(target), "name": "目标"}],
            "label": {"formatter": "目标 {c}%"},
        }
    return {
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "grid": {"left": 8, "right": 48, "top": 36, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "xAxis": {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "yAxis": {"type": "category", "data": [label for label, _v in rows]},
        "series": [series],
    }


def trend(points: Sequence[tuple[dt.date, Mapping[str, IndicatorValue]]], names: Mapping[str, str]) -> dict[str, Any]:
    """A line per indicator over the period ends (shares in %)."""
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "top": 40, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": [f"{on:%Y-%m}" for on, _v in points]},
        "yAxis": {"type": "value", "min": 0, "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "series": [
            {
                "type": "line",
                "name": name,
                "data": [percent(values[code].value) if code in values else None for _on, values in points],
                "connectNulls": True,
            }
            for code, name in names.items()
        ],
    }
