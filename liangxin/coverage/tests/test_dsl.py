"""The filter language: grammar, errors, three-valued logic, and SQL that agrees with Python."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liangxin.coverage import dsl

FIELDS = {"n": dsl.INT, "b": dsl.BOOL, "s": dsl.STR}


def test_empty_filter_is_true_and_parses_nested_expressions():
    assert dsl.parse({}, FIELDS) == dsl.TRUE
    node = dsl.parse({"all": [{"field": "n", "gte": 50}, {"not": {"field": "b", "eq": True}}]}, FIELDS)
    assert node == dsl.And((dsl.Compare("n", "gte", 50), dsl.Not(dsl.Compare("b", "eq", True))))
    assert dsl.fields_of(node) == {"n", "b"}


@pytest.mark.parametrize(
    ("expr", "where"),
    [
        ({"field": "x", "eq": 1}, "unknown field"),
        ({"field": "s", "gte": "a"}, "needs a number field"),
        ({"field": "n", "eq": True}, "not of type int"),
        ({"field": "b", "eq": 1}, "not of type bool"),
        ({"field": "n", "eq": 1, "ne": 2}, "exactly one operator"),
        ({"all": {"field": "n", "eq": 1}}, "takes a list"),
        ({"some": []}, "unknown keys"),
        ([], "JSON object"),
        ({"field": "s", "in": "abc"}, "takes a list"),
    ],
)
def test_bad_filters_say_what_is_wrong(expr, where):
    with pytest.raises(dsl.DslError, match=where):
        dsl.parse(expr, FIELDS)


def test_error_path_points_into_the_expression():
    with pytest.raises(dsl.DslError) as info:
        dsl.parse({"all": [{"field": "n", "eq": 1}, {"field": "n", "gte": "x"}]}, FIELDS)
    assert info.value.path == "all[1].gte"


def test_unknown_values_are_neither_true_nor_false():
    node = dsl.parse({"field": "b", "eq": True}, FIELDS)
    assert dsl.evaluate(node, {"b": None}) is None
    assert dsl.evaluate(dsl.Not(node), {"b": None}) is None
    assert dsl.evaluate(dsl.Or((node, dsl.Compare("n", "gt", 1))), {"b": None, "n": 2}) is True
    assert dsl.evaluate(dsl.And((node, dsl.Compare("n", "gt", 1))), {"b": None, "n": 0}) is False


def test_values_are_parameters_never_sql_text():
    sql, params = dsl.to_sql(dsl.parse({"field": "s", "eq": "x'); DROP TABLE t; --"}, FIELDS), {"s": "c_s"})
    assert sql == "(c_s = %s)" and params == ["x'); DROP TABLE t; --"]
    assert dsl.to_sql(dsl.parse({"field": "s", "in": []}, FIELDS), {"s": "c_s"}) == ("(1 = 0)", [])


# --- SQL and Python agree (three-valued logic included) -----------------------------------------

leaf = st.one_of(
    st.builds(
        lambda op, v: {"field": "n", op: v}, st.sampled_from(["eq", "ne", "gt", "gte", "lt", "lte"]), st.integers(-2, 2)
    ),
    st.builds(lambda op, v: {"field": "b", op: v}, st.sampled_from(["eq", "ne"]), st.booleans()),
    st.builds(lambda v: {"field": "s", "in": v}, st.lists(st.sampled_from(["a", "b", "c"]), max_size=2)),
)
exprs = st.recursive(
    leaf,
    lambda children: st.one_of(
        st.builds(lambda xs: {"all": xs}, st.lists(children, max_size=3)),
        st.builds(lambda xs: {"any": xs}, st.lists(children, max_size=3)),
        st.builds(lambda x: {"not": x}, children),
    ),
    max_leaves=6,
)
rows = st.lists(
    st.fixed_dictionaries(
        {
            "n": st.one_of(st.none(), st.integers(-2, 2)),
            "b": st.one_of(st.none(), st.booleans()),
            "s": st.one_of(st.none(), st.sampled_from(["a", "b", "c"])),
        }
    ),
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(expr=exprs, data=rows)
def test_sql_counts_what_python_counts(expr, data):
    node = dsl.parse(expr, FIELDS)
    sql, params = dsl.to_sql(node, {"n": "n", "b": "b", "s": "s"})
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (n INTEGER, b BOOLEAN, s TEXT)")
    db.executemany("INSERT INTO t VALUES (?, ?, ?)", [(r["n"], r["b"], r["s"]) for r in data])
    (count,) = db.execute(f"SELECT COUNT(*) FROM t WHERE {sql.replace('%s', '?')}", params).fetchone()  # noqa: S608
    assert count == sum(1 for r in data if dsl.evaluate(node, r) is True)
