"""``python manage.py funding_policy [--json] [--create FILE --user NAME]``.

The funding figures are local policy kept as versioned data (``docs/funding.md``). Without an
option: every version, oldest first, with its figures. ``--json``: the version in force today as
one JSON object in the form ``--create`` reads — the starting point for the county's own version.
``--create FILE --user NAME``: a new version from such a file, made by that county administrator
through ``policy.services.create_funding_policy_version`` (checked by the pure rules, audited).

The file: ``name``, ``effective_from`` (YYYY-MM-DD), ``source``, ``notes`` (optional),
``per_member_amount`` (yuan), ``retained_share``, ``activity_fund_min_share``,
``activity_fund_max_share`` (fractions: 0.005 is 0.5 %), ``brackets`` (``salaried`` and ``retired``:
a list of ``[upper, rate]`` ascending, the last ``upper`` null) and ``fixed_amounts`` (``farmer``,
``student``, ``unemployed``, ``low_income``: yuan per month). Numbers may be written as JSON numbers
or strings; they are read as ``Decimal``, never float. Exit status 1 with the reason in Chinese when
the file or the figures cannot be used; nothing is written then.
"""

from __future__ import annotations

import datetime as dt
import json
from argparse import ArgumentParser
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.core.dates import today
from liangxin.core.errors import ServiceError
from liangxin.policy import funding_rules
from liangxin.policy.models import FundingPolicyVersion
from liangxin.policy.selectors import funding_policy_in_force
from liangxin.policy.services import FundingPolicyData, create_funding_policy_version

FIELDS = (
    "name",
    "effective_from",
    "source",
    "notes",
    "per_member_amount",
    "retained_share",
    "activity_fund_min_share",
    "activity_fund_max_share",
    "brackets",
    "fixed_amounts",
)


def _decimal(value: object, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise CommandError(_("“%(what)s”须是数字。") % {"what": what})
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise CommandError(_("“%(what)s”须是数字,而不是“%(value)s”。") % {"what": what, "value": value}) from exc
    if not number.is_finite():
        raise CommandError(_("“%(what)s”须是数字。") % {"what": what})
    return number


def as_json(rules: funding_rules.FundingRules, *, source: str, notes: str) -> dict[str, Any]:
    """A version in the form ``--create`` reads (every number a string, exact)."""
    return {
        "name": rules.name,
        "effective_from": rules.effective_from.isoformat(),
        "source": source,
        "notes": notes,
        "per_member_amount": str(rules.per_member_amount),
        "retained_share": str(rules.retained_share),
        "activity_fund_min_share": str(rules.activity_fund_min_share),
        "activity_fund_max_share": str(rules.activity_fund_max_share),
        "brackets": {
            scheme: [[None if b.upper is None else str(b.upper), str(b.rate)] for b in rules.brackets[scheme]]
            for scheme in funding_rules.SCHEMES
        },
        "fixed_amounts": {category: str(rules.fixed_amounts[category]) for category in funding_rules.FIXED_CATEGORIES},
    }


def read_version(data: object) -> FundingPolicyData:
    """The file's object as the service's data; a clear message for anything missing or malformed."""
    if not isinstance(data, dict):
        raise CommandError(_("文件须是一个JSON对象。"))
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise CommandError(_("无法识别的字段:%(fields)s。") % {"fields": "、".join(unknown)})
    missing = [name for name in FIELDS if name != "notes" and name not in data]
    if missing:
        raise CommandError(_("缺少字段:%(fields)s。") % {"fields": "、".join(missing)})
    try:
        effective_from = dt.date.fromisoformat(str(data["effective_from"]))
    except ValueError as exc:
        raise CommandError(_("生效日期须写成 YYYY-MM-DD。")) from exc
    brackets = data["brackets"]
    if not isinstance(brackets, dict) or set(brackets) != set(funding_rules.SCHEMES):
        raise CommandError(_("brackets 须是一个对象,恰好含 salaried 和 retired 两组比例。"))
    parsed: dict[str, list[funding_rules.Bracket]] = {}
    for scheme, rows in brackets.items():
        label = funding_rules.SCHEME_LABELS[scheme]
        if not isinstance(rows, list) or not all(isinstance(row, list) and len(row) == 2 for row in rows):
            raise CommandError(_("%(label)s须是 [上限, 比例] 的列表。") % {"label": label})
        parsed[scheme] = [
            funding_rules.Bracket(None if upper is None else _decimal(upper, label), _decimal(rate, label))
            for upper, rate in rows
        ]
    fixed = data["fixed_amounts"]
    if not isinstance(fixed, dict) or set(fixed) != set(funding_rules.FIXED_CATEGORIES):
        raise CommandError(
            _("fixed_amounts 须是一个对象,恰好含 %(codes)s。") % {"codes": "、".join(funding_rules.FIXED_CATEGORIES)}
        )
    for name in ("name", "source", "notes"):
        if not isinstance(data.get(name, ""), str):
            raise CommandError(_("“%(name)s”须是文字。") % {"name": name})
    return FundingPolicyData(
        name=data["name"],
        effective_from=effective_from,
        source=data["source"],
        notes=data.get("notes", ""),
        per_member_amount=_decimal(data["per_member_amount"], "per_member_amount"),
        retained_share=_decimal(data["retained_share"], "retained_share"),
        activity_fund_min_share=_decimal(data["activity_fund_min_share"], "activity_fund_min_share"),
        activity_fund_max_share=_decimal(data["activity_fund_max_share"], "activity_fund_max_share"),
        brackets=parsed,
        fixed_amounts={
            category: _decimal(amount, funding_rules.CATEGORY_LABELS[category]) for category, amount in fixed.items()
        },
    )


class Command(BaseCommand):
    help = "查看经费政策版本(每名党员经费标准、党费比例、留存比例、活动经费比例),或由县管理员新增一个版本。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--json", action="store_true", help="以JSON输出今天施行的版本(--create 读取的格式)")
        parser.add_argument("--create", type=Path, metavar="FILE", help="从JSON文件新增一个版本")
        parser.add_argument("--user", help="新增版本的县管理员账号")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["create"] is not None:
            self._create(options["create"], options["user"])
        elif options["json"]:
            version = funding_policy_in_force(on=today())
            if version is None:
                raise CommandError(_("今天没有施行中的经费政策版本。"))
            rules = version.as_rules()
            self.stdout.write(
                json.dumps(as_json(rules, source=version.source, notes=version.notes), ensure_ascii=False, indent=2)
            )
        else:
            self._list()

    def _create(self, path: Path, username: str | None) -> None:
        if not username:
            raise CommandError(_("新增版本须用 --user 指明县管理员账号。"))
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("账号不存在或已停用:%(name)s") % {"name": username})
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(_("无法读取文件:%(path)s") % {"path": path}) from exc
        try:
            data = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise CommandError(_("文件不是有效的JSON(第%(line)s行)。") % {"line": exc.lineno}) from exc
        try:
            version = create_funding_policy_version(by=user, data=read_version(data))
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            _("已新增经费政策版本“%(name)s”,自 %(date)s 起施行。")
            % {"name": version.name, "date": version.effective_from.isoformat()}
        )

    def _list(self) -> None:
        versions = FundingPolicyVersion.objects.prefetch_related("brackets", "fixed_amounts").order_by("effective_from")
        for version in versions:
            rules = version.as_rules()
            self.stdout.write(f"{rules.effective_from.isoformat()}\t{rules.name}")
            self.stdout.write(
                "  "
                + _("每名党员每年 %(per)s 元;党费留存 %(share)s;活动经费 %(low)s–%(high)s")
                % {
                    "per": f"{rules.per_member_amount:.2f}",
                    "share": funding_rules.percent(rules.retained_share),
                    "low": funding_rules.percent(rules.activity_fund_min_share),
                    "high": funding_rules.percent(rules.activity_fund_max_share),
                }
            )
            for scheme in funding_rules.SCHEMES:
                steps = [
                    (_("以上") if b.upper is None else f"≤{b.upper:,.2f}") + f" {funding_rules.percent(b.rate)}"
                    for b in rules.brackets[scheme]
                ]
                self.stdout.write(f"  {funding_rules.SCHEME_LABELS[scheme]}:" + ";".join(steps))
            labels = funding_rules.CATEGORY_LABELS
            fixed = [f"{labels[c]} {rules.fixed_amounts[c]:.2f}" for c in funding_rules.FIXED_CATEGORIES]
            self.stdout.write("  " + _("固定数额(元/月):") + ";".join(fixed))
