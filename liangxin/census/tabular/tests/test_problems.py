import re
import subprocess
import sys
from pathlib import Path

import pytest

from liangxin.census.tabular.problems import (
    PROBLEM_CODES,
    Problem,
    UnknownProblemCode,
    ValueProblem,
    problem,
    problem_codes_markdown,
    sort_problems,
)

PACKAGE = Path(__file__).resolve().parents[1]


def test_published_table_is_up_to_date():
    published = (PACKAGE / "PROBLEM_CODES.md").read_text(encoding="utf-8")
    assert published == problem_codes_markdown(), (
        "PROBLEM_CODES.md is stale: run "
        'python -c "from liangxin.census.tabular import problems; problems.write_markdown()"'
    )


def test_every_code_the_issue_names_is_registered_with_its_severity():
    errors = {
        "uscc_format",
        "uscc_checksum",
        "duplicate_uscc",
        "duplicate_uscc_other_unit",
        "required_missing",
        "unknown_township",
        "unknown_department",
        "invalid_choice",
        "invalid_number",
        "negative_number",
        "party_org_name_missing",
        "duplicate_column",
        "no_header",
    }
    warnings = {
        "unknown_village",
        "uscc_missing_individual",
        "uscc_category_mismatch",
        "members_exceed_employees",
        "large_org_no_member",
        "total_mismatch",
        "near_duplicate_name",
        "unknown_column",
        "approximate_number",
    }
    assert {c for c in errors if PROBLEM_CODES[c][0] == "error"} == errors
    assert {c for c in warnings if PROBLEM_CODES[c][0] == "warning"} == warnings


def test_every_code_used_in_the_source_is_registered():
    raised = re.compile(
        r"(?:problem|ValueProblem|check\.add|_add\(\s*out,\s*row,|row_problem\(\s*row,\s*|issue = \(|PlaceKind)"
        r'\(?\s*"([a-z_]+)"'
    )
    used = set()
    for path in PACKAGE.glob("*.py"):
        used |= set(raised.findall(path.read_text(encoding="utf-8")))
    assert used
    assert used <= set(PROBLEM_CODES)
    # Codes of the checks against the register's state are raised by the Django layer (census.planning),
    # and those of a campaign's upload by campaigns.services.
    for path in [*PACKAGE.parent.glob("*.py"), *(PACKAGE.parent.parent / "campaigns").glob("*.py")]:
        used |= set(re.findall(r'"([a-z_]+)"', path.read_text(encoding="utf-8"))) & set(PROBLEM_CODES)
    unused = set(PROBLEM_CODES) - used
    assert unused <= {"uscc_checksum"}  # raised by name from registry.identifiers


def test_problem_to_dict_has_exactly_the_published_keys():
    p = problem(
        "invalid_number",
        "“不详”不是数字。",
        file="a.xlsx",
        sheet="Sheet1",
        row=5,
        column="职工人数",
        field="从业人员数",
        value="不详",
    )
    assert p.to_dict() == {
        "file": "a.xlsx",
        "sheet": "Sheet1",
        "row": 5,
        "column": "职工人数",
        "field": "从业人员数",
        "value": "不详",
        "severity": "error",
        "code": "invalid_number",
        "message": "“不详”不是数字。",
    }
    assert p.is_error


def test_severity_comes_from_the_registry():
    assert problem("approximate_number", "x", file="f").severity == "warning"
    assert ValueProblem("approximate_number", "x", value=50).severity == "warning"
    with pytest.raises(UnknownProblemCode):
        problem("no_such_code", "x", file="f")


def test_sort_puts_file_level_problems_first_and_keeps_row_order():
    a = problem("required_missing", "a", file="f", row=3)
    b = problem("sheet_ignored", "b", file="f")
    c = problem("approximate_number", "c", file="f", row=2)
    d = problem("invalid_number", "d", file="f", row=3)
    assert sort_problems([a, b, c, d]) == [b, c, a, d]


def test_every_message_is_chinese():
    for severity, description in PROBLEM_CODES.values():
        assert severity in ("error", "warning")
        assert re.search(r"[\u4e00-\u9fff]", description)
        assert description.endswith("。")


def test_the_package_imports_no_django():
    code = "import sys, liangxin.census.tabular as t; t.read_census; print('django' in sys.modules)"
    out = subprocess.run(  # noqa: S603 — our own interpreter, a fixed command
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PACKAGE.parents[2]
    )
    assert out.stdout.strip() == "False"


def test_problem_is_frozen():
    p = problem("invalid_number", "x", file="f")
    with pytest.raises(AttributeError):
        p.code = "other"
    assert isinstance(p, Problem)
