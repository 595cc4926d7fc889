"""``python manage.py compliance [--as-of DATE] [--json]``: the compliance of every party
organization existing on the day (county-wide, for scheduled reminders). One object per party
organization, rule and period of the as-of year that has started by the day (docs/organization-life.md)."""

from __future__ import annotations

import datetime as dt
import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from liangxin.core.dates import today
from liangxin.orglife import selectors
from liangxin.registry.models import PartyOrganization

STATUS_LABELS = {"met": "已完成", "missed": "未完成", "due": "进行中"}


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--as-of 须为 YYYY-MM-DD 格式的日期:{value}") from exc


class Command(BaseCommand):
    help = "打印各党组织组织生活制度的落实情况(全县);--json 输出每个党组织、每项制度、每期一个对象。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--as-of", dest="as_of", help="截至日期 YYYY-MM-DD(默认今天)")
        parser.add_argument("--json", action="store_true", help="输出 JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = _date(options["as_of"]) if options["as_of"] else today()
        parties = selectors.existing_on(PartyOrganization.objects.select_related("township"), as_of)
        try:
            found = selectors.standings(
                party_organizations=list(parties.order_by("township__code", "name", "pk")), as_of=as_of
            )
        except selectors.NoLifePolicy as exc:
            raise CommandError(f"{as_of.isoformat()} 没有施行中的组织生活制度版本。") from exc
        rows = [
            {
                "party_organization": s.party_organization.pk,
                "party_organization_name": s.party_organization.name,
                "township": s.party_organization.township.code,
                "rule": r.rule.code,
                "period": r.period.label,
                "status": r.status,
                "count": r.count,
            }
            for s in found
            for r in s.results
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"组织生活落实情况 · 截至 {as_of.isoformat()}")
        for s in found:
            risk = " · 有风险" if s.at_risk else ""
            self.stdout.write(f"[{s.party_organization.township.name}] {s.party_organization.name}{risk}")
            for r in s.results:
                self.stdout.write(f"  {r.rule.name} {r.period.label}: {STATUS_LABELS[r.status]} ({r.count})")
