"""``python manage.py load_demo [--if-empty] [--seed N]``: the demo county (``docs/demo-county.md``)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from liangxin.core.errors import ServiceError
from liangxin.demo.county import DEFAULT_SEED
from liangxin.demo.load import load_demo
from liangxin.geo.selectors import county_is_set_up


class Command(BaseCommand):
    help = "加载演示县(罗平县)的两新组织、党组织、党员和演示账号。只能加载到空数据库。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="数据库中已有行政区划(例如已用 setup_county 建立真实县)时什么也不做",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="随机种子:同一种子生成同样的数据")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and county_is_set_up():
            self.stdout.write(_("数据库中已有行政区划数据,未加载演示数据(--if-empty)。"))
            return
        try:
            summary = load_demo(seed=options["seed"])
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "演示数据已加载(种子 %(seed)s,用时 %(seconds).1f 秒):两新组织 %(orgs)s 个,"
                    "党组织 %(party)s 个(现有 %(active)s 个),党员 %(members)s 名,账号 %(users)s 个,"
                    "集中摸底 %(campaigns)s 次,组建方案 %(plans)s 个。"
                )
                % {
                    "seed": summary.seed,
                    "seconds": summary.seconds,
                    "orgs": summary.organizations,
                    "party": summary.party_organizations,
                    "active": summary.active_party_organizations,
                    "members": summary.members,
                    "users": summary.users,
                    "campaigns": summary.campaigns,
                    "plans": summary.formation_plans,
                }
            )
        )
        self.stdout.write(_("查看演示账号:python manage.py demo_logins"))
