"""What a spreadsheet cell can hold once read, and how it reads to the person who typed it."""

from __future__ import annotations

import datetime as dt
from typing import TypeAlias

# python-calamine gives str, float (every number), bool, date/datetime/time/timedelta and "" for an
# empty cell; the CSV reader gives str. None is accepted everywhere as an empty cell too.
Cell: TypeAlias = str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta | None


def cell_text(cell: Cell) -> str:
    """The cell as the user sees it: ``12.0`` → ``"12"``, a date → ``"2026-11-26"``."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        if cell.is_integer() and abs(cell) < 1e15:
            return str(int(cell))
        return repr(cell)
    if isinstance(cell, dt.datetime):
        if cell.time() == dt.time(0, 0):
            return cell.date().isoformat()
        return cell.isoformat(sep=" ")
    if isinstance(cell, dt.date | dt.time):
        return cell.isoformat()
    return str(cell)


def is_blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())
