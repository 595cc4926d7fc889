"""The filter language of indicator definitions. Pure Python: no Django here.

An indicator counts subjects (organizations or party organizations) whose per-subject *state*
(one row per subject as of a date: census figures, coverage, instructor, …) matches a filter.
Filters are JSON, so a new indicator is a row, not code:

==================================  ===========================================================
``{}``                              true: every subject
``{"all": [e1, e2, ...]}``          and (``{"all": []}`` is true)
``{"any": [e1, e2, ...]}``          or (``{"any": []}`` is false)
``{"not": e}``                      not
``{"field": F, OP: V}``             one comparison of the state column ``F``; exactly one ``OP``:
                                    ``eq ne gt gte lt lte`` (a value) or ``in`` (a list of values)
==================================  ===========================================================

Fields have a type (:data:`INT`, :data:`BOOL`, :data:`STR`): ordering operators need an int field,
and a value must have the field's type (``true``/``false`` for a bool). Examples::

    {"all": [{"field": "employees", "gte": 50}]}                 # 从业人员50人以上
    {"field": "covered", "eq": true}                              # 有党组织覆盖
    {"any": [{"field": "org_type", "in": ["law_firm", "accounting_firm"]},
             {"not": {"field": "covered", "eq": true}}]}

Unknown values (a census answer left blank, e.g. ``has_union``) follow SQL's three-valued logic:
a comparison with an unknown value is unknown, ``not`` unknown is unknown, and only *true* is
counted. :func:`evaluate` (Python) and :func:`to_sql` (the database) agree on this; a property
test checks it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

INT: Final = "int"
BOOL: Final = "bool"
STR: Final = "str"

ORDERING_OPS: Final = ("gt", "gte", "lt", "lte")
OPS: Final = ("eq", "ne", *ORDERING_OPS, "in")
_SQL_OPS: Final[Mapping[str, str]] = {"eq": "=", "ne": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


class DslError(ValueError):
    """A filter that does not follow the grammar; ``path`` says where (e.g. ``all[1].gte``)."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.message = message
        self.path = path


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class Compare:
    field: str
    op: str
    value: Any  # int | bool | str, or a tuple of them for "in"


Node = And | Or | Not | Compare
TRUE: Final[Node] = And(())


def _check_value(value: Any, kind: str, path: str) -> Any:
    if kind == BOOL:
        ok = isinstance(value, bool)
    elif kind == INT:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, str)
    if not ok:
        raise DslError(f"value {value!r} is not of type {kind}", path)
    return value


def parse(expr: Any, fields: Mapping[str, str], path: str = "") -> Node:
    """The tree of a JSON filter, checked against ``fields`` (name → type). Raises :class:`DslError`."""
    if not isinstance(expr, Mapping):
        raise DslError("a filter is a JSON object", path)
    if not expr:
        return TRUE
    keys = set(expr)
    if keys == {"all"} or keys == {"any"}:
        (key,) = keys
        items = expr[key]
        if not isinstance(items, list):
            raise DslError(f'"{key}" takes a list', path)
        nodes = tuple(parse(item, fields, f"{path}{key}[{i}].") for i, item in enumerate(items))
        return And(nodes) if key == "all" else Or(nodes)
    if keys == {"not"}:
        return Not(parse(expr["not"], fields, f"{path}not."))
    if "field" in keys:
        name = expr["field"]
        if not isinstance(name, str) or name not in fields:
            raise DslError(f"unknown field {name!r}; known: {', '.join(sorted(fields))}", path)
        ops = keys - {"field"}
        if len(ops) != 1 or not ops <= set(OPS):
            raise DslError(f"a comparison takes exactly one operator of {', '.join(OPS)}", path)
        (op,) = ops
        kind = fields[name]
        where = f"{path}{op}"
        if op in ORDERING_OPS and kind != INT:
            raise DslError(f'"{op}" needs a number field, {name} is {kind}', where)
        if op == "in":
            values = expr[op]
            if not isinstance(values, list):
                raise DslError('"in" takes a list', where)
            return Compare(name, op, tuple(_check_value(v, kind, where) for v in values))
        return Compare(name, op, _check_value(expr[op], kind, where))
    raise DslError(f"unknown keys {sorted(keys)}; use all, any, not or field", path)


def fields_of(node: Node) -> set[str]:
    """The state columns a filter reads."""
    if isinstance(node, Compare):
        return {node.field}
    if isinstance(node, Not):
        return fields_of(node.item)
    return set().union(*(fields_of(item) for item in node.items)) if node.items else set()


# --- Python evaluation (three-valued) --------------------------------------------------------


def evaluate(node: Node, row: Mapping[str, Any]) -> bool | None:
    """True, False, or None (unknown) for one state row, as SQL would decide it."""
    if isinstance(node, Compare):
        value = row.get(node.field)
        if node.op == "in" and not node.value:
            return False  # SQL: x IN () is false, even for an unknown x
        if value is None:
            return None
        if node.op == "in":
            return value in node.value
        if node.op == "eq":
            return bool(value == node.value)
        if node.op == "ne":
            return bool(value != node.value)
        if node.op == "gt":
            return bool(value > node.value)
        if node.op == "gte":
            return bool(value >= node.value)
        if node.op == "lt":
            return bool(value < node.value)
        return bool(value <= node.value)
    if isinstance(node, Not):
        inner = evaluate(node.item, row)
        return None if inner is None else not inner
    results = [evaluate(item, row) for item in node.items]
    if isinstance(node, And):
        if any(r is False for r in results):
            return False
        return None if any(r is None for r in results) else True
    if any(r is True for r in results):
        return True
    return None if any(r is None for r in results) else False


# --- SQL ---------------------------------------------------------------------------------------


def to_sql(node: Node, columns: Mapping[str, str]) -> tuple[str, list[Any]]:
    """A boolean SQL expression and its parameters (``%s`` placeholders, DB-API ``format`` style).
    ``columns`` maps each field to an SQL expression over the state relation (the compiler knows
    them); values are always parameters, never spliced into the text."""
    if isinstance(node, Compare):
        column = columns[node.field]
        if node.op == "in":
            if not node.value:
                return "(1 = 0)", []
            marks = ", ".join(["%s"] * len(node.value))
            return f"({column} IN ({marks}))", list(node.value)
        return f"({column} {_SQL_OPS[node.op]} %s)", [node.value]
    if isinstance(node, Not):
        inner, inner_params = to_sql(node.item, columns)
        return f"(NOT {inner})", inner_params
    if not node.items:
        return ("(1 = 1)" if isinstance(node, And) else "(1 = 0)"), []
    parts: list[str] = []
    params: list[Any] = []
    for item in node.items:
        sql, item_params = to_sql(item, columns)
        parts.append(sql)
        params += item_params
    joiner = " AND " if isinstance(node, And) else " OR "
    return "(" + joiner.join(parts) + ")", params


def conjunction(nodes: Sequence[Node]) -> Node:
    return And(tuple(nodes))
