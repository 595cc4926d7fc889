"""The county sets its own funding figures from the command line: the version in force as JSON,
edited and read back as a new version (through the service: county administrator only, checked,
audited); a broken file is refused with the reason and writes nothing."""

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from liangxin.audit.models import AuditRecord
from liangxin.policy import funding_rules, selectors
from liangxin.policy.models import FundingPolicyVersion

D = Decimal


def _run(*args):
    out = io.StringIO()
    call_command("funding_policy", *args, stdout=out)
    return out.getvalue()


def _template():
    return json.loads(_run("--json"))


def _write(tmp_path, data, name="policy.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_the_json_is_the_version_in_force_with_exact_figures(db):
    data = _template()
    assert data["per_member_amount"] == "50.00"
    assert data["brackets"]["salaried"][0] == ["3000.00", "0.0050"]
    assert data["brackets"]["salaried"][-1][0] is None
    assert set(data["fixed_amounts"]) == set(funding_rules.FIXED_CATEGORIES)


def test_the_county_sets_its_own_figures_from_the_edited_json(alice, tmp_path):
    data = _template() | {"name": "本县2027年经费标准", "effective_from": "2027-01-01", "notes": "县委常委会议定"}
    data["per_member_amount"] = 60  # a JSON number is read exactly, as Decimal
    data["retained_share"] = "0.6"
    data["fixed_amounts"]["farmer"] = "1.00"
    out = _run("--create", _write(tmp_path, data), "--user", alice.username)
    assert "本县2027年经费标准" in out and "2027-01-01" in out
    assert selectors.funding_rules_in_force(on=dt.date(2026, 12, 31)).per_member_amount == D("50.00")
    rules = selectors.funding_rules_in_force(on=dt.date(2027, 1, 1))
    assert (rules.per_member_amount, rules.retained_share) == (D("60.00"), D("0.6000"))
    assert rules.fixed_amounts[funding_rules.FARMER] == D("1.00")
    version = FundingPolicyVersion.objects.get(name="本县2027年经费标准")
    assert AuditRecord.objects.get(object_type="policy.fundingpolicyversion", object_id=str(version.pk)).actor == alice
    listing = _run()
    assert "本县2027年经费标准" in listing and "每名党员每年 60.00 元" in listing and "60.00%" in listing


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"per_member_amount": "-50"}, "经费标准须大于0"),
        ({"per_member_amount": "五十"}, "须是数字"),
        ({"effective_from": "2027/01/01"}, "YYYY-MM-DD"),
        ({"retained_share": "1.5"}, "留存比例"),
        ({"activity_fund_min_share": "0.03"}, "下限 ≤ 上限"),
        ({"brackets": {"salaried": [[None, "0.02"]]}}, "salaried 和 retired"),
        ({"fixed_amounts": {"farmer": "0.5"}}, "fixed_amounts"),
        ({"per_member_amount": None}, "须是数字"),
        ({"bonus": 1}, "无法识别的字段"),
        ({"effective_from": "2009-11-01"}, "同一天只能有一个版本"),
    ],
)
def test_a_broken_file_is_refused_with_the_reason_and_nothing_is_written(alice, tmp_path, change, says):
    data = _template() | {"name": "2027年", "effective_from": "2027-01-01"} | change
    with pytest.raises(CommandError, match=says):
        _run("--create", _write(tmp_path, data), "--user", alice.username)
    assert FundingPolicyVersion.objects.count() == 1


def test_only_a_county_administrator_creates_a_version(alice, bob, tmp_path):
    path = _write(tmp_path, _template() | {"name": "2027年", "effective_from": "2027-01-01"})
    with pytest.raises(CommandError, match="只有县两新党工委"):
        _run("--create", path, "--user", bob.username)
    with pytest.raises(CommandError, match="--user"):
        _run("--create", path)
    with pytest.raises(CommandError, match="不是有效的JSON"):
        _run("--create", _write(tmp_path, "{not json", "bad.json"), "--user", alice.username)
    assert FundingPolicyVersion.objects.count() == 1
