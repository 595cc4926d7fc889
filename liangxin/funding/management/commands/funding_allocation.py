"""``python manage.py funding_allocation --year Y [--as-of DATE] [--json]``.

The year's budget allocation computed from the register, for the whole county: for each party
organization the members whose relation it holds on the date (probationary members included),
and the amount (members × the amount per member of the funding policy in force on the date).
The date is 31 December of the year, or today if earlier, unless ``--as-of`` names another day of
that year (not after today). Nothing is written.

``--json`` prints one object: ``year``, ``as_of``, ``policy``, ``per_member_amount``,
``allocations`` (one object per party organization: ``party_organization``, ``township``,
``members``, ``probationary_members``, ``amount``), ``members`` and ``total``; every amount is a
string with two decimals (yuan). Without it, a table. Exit status 1 with the reason in Chinese
when the year or the date cannot be used.
"""

from __future__ import annotations

import datetime as dt
import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from liangxin.core.errors import ServiceError
from liangxin.funding.selectors import county_allocation


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(_("日期“%(text)s”无法识别,请写成 YYYY-MM-DD。") % {"text": text}) from exc


class Command(BaseCommand):
    help = "按党组织隶属关系计算某年度两新组织党建工作经费(不写数据库)。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="年度")
        parser.add_argument("--as-of", help="党员人数截至日期(YYYY-MM-DD,默认该年12月31日或今天)")
        parser.add_argument("--json", action="store_true", help="输出一个JSON对象")

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"]
        if not 2000 <= year <= 2100:
            raise CommandError(_("年度须在2000年至2100年之间。"))
        as_of = _date(options["as_of"]) if options["as_of"] else None
        try:
            sheet = county_allocation(year=year, as_of=as_of)
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        rows = [
            {
                "party_organization": row.party_organization.name,
                "township": row.party_organization.township.name,
                "members": row.members,
                "probationary_members": row.probationary_members,
                "amount": f"{row.amount:.2f}",
            }
            for row in sheet.rows
        ]
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "year": year,
                        "as_of": sheet.as_of.isoformat(),
                        "policy": sheet.policy.name,
                        "per_member_amount": f"{sheet.per_member_amount:.2f}",
                        "allocations": rows,
                        "members": sheet.members,
                        "total": f"{sheet.amount:.2f}",
                    },
                    ensure_ascii=False,
                )
            )
            return
        self.stdout.write(
            _("%(year)s年两新组织党建工作经费(截至 %(date)s,每名党员 %(per)s 元,党员数含预备党员)")
            % {"year": year, "date": sheet.as_of.isoformat(), "per": f"{sheet.per_member_amount:.2f}"}
        )
        for row in rows:
            self.stdout.write(
                f"{row['township']}\t{row['party_organization']}\t{row['members']}"
                f"({_('预备')} {row['probationary_members']})\t{row['amount']}"
            )
        self.stdout.write(f"{_('合计')}\t{sheet.members}\t{sheet.amount:.2f}")
