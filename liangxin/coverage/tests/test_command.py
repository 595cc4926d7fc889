"""``manage.py indicators``: text and JSON, county-wide."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from .conftest import ON


def test_text_output(county_data):
    out = StringIO()
    call_command("indicators", "--as-of", ON.isoformat(), stdout=out)
    text = out.getvalue()
    assert "截至 2026-06-01" in text
    assert "组织覆盖率(建立党组织的两新组织占比): 66.7% (4/6)" in text
    assert "从业人员100人以上的两新组织有党组织: 50.0% (1/2) 目标 100.0% 差 1" in text
    assert "两新组织数: 6" in text


def test_json_output_by_township(county_data, township_a, township_b):
    out = StringIO()
    call_command("indicators", "--as-of", ON.isoformat(), "--by", "township", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert [g["label"] for g in data] == [township_a.name, township_b.name]
    a = data[0]["indicators"]["org_coverage"]
    assert a == {"numerator": 3, "denominator": 4, "value": "0.7500", "target": None, "gap": None}
    assert data[1]["indicators"]["orgs_100_with_party_org"]["target"] == "1.000"


def test_bad_date_is_refused(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("indicators", "--as-of", "2026-13-01")
