"""``python manage.py recommend --facts FILE [--json] [--policy-date D] [--policy-file P]``.

Runs the formation-rules engine on a table of organization facts in the census template's columns
(CSV in UTF-8 or GBK, XLSX, XLS, ODS) and prints one recommendation per organization row. Each
organization's joint partners and host associations are looked for among the other rows of the
same township. The database is read for the policy in force and nothing else; with
``--policy-file`` it is not touched at all.

``--json`` prints JSON Lines: one object per row, in file order, with ``row`` (the Excel row),
``uscc``, ``name``, ``code``, ``label``, ``rule``, ``detail``, ``partners``, ``blockers``,
``alternatives``, ``flags`` and ``policy``; a row that cannot be evaluated has ``errors`` instead
of the recommendation. Without ``--json``, one readable line per row.

The policy file is JSON: one object, or a list of objects (versions), with the fields of
``engine.Policy`` (``name``, ``effective_from`` as YYYY-MM-DD, ``min_full_members``, …); missing
numbers take the speech's values. The version in force on ``--policy-date`` (default: today) is used.

Exit status 1, with the reason in Chinese on stderr, when the file or the policy cannot be used,
a required column is missing, or any row had errors (every other row is still printed).
"""

from __future__ import annotations

import datetime as dt
import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import gettext as _

from liangxin.core.dates import today
from liangxin.policy import engine
from liangxin.policy.selectors import NoPolicyInForce, engine_policy_in_force
from liangxin.policy.table import FactsRow, TableError, read_facts


class Command(BaseCommand):
    help = "按政策规则对摸底表中的每个两新组织给出组建党组织建议(不写数据库)。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--facts", required=True, help="摸底表文件(CSV/XLSX/XLS/ODS,摸底模板列)")
        parser.add_argument("--json", action="store_true", help="每行输出一个JSON对象(JSON Lines)")
        parser.add_argument("--policy-date", help="按该日施行的政策版本(YYYY-MM-DD,默认今天)")
        parser.add_argument("--policy-file", help="从JSON文件读取政策版本,不访问数据库")

    def handle(self, *args: Any, **options: Any) -> None:
        on = _parse_date(options["policy_date"]) if options["policy_date"] else today()
        path = Path(options["facts"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(_("无法读取文件“%(path)s”:%(error)s") % {"path": path, "error": exc.strerror}) from exc
        try:
            rows = read_facts(data, path.name)
        except TableError as exc:
            raise CommandError(exc.message) from exc
        policy = _policy_from_file(Path(options["policy_file"]), on) if options["policy_file"] else _policy_from_db(on)

        evaluated = [row for row in rows if row.facts is not None]
        results = engine.recommend_all([row.facts for row in evaluated if row.facts is not None], policy)
        by_row = {row.row: result for row, result in zip(evaluated, results, strict=True)}
        for row in rows:
            result = by_row.get(row.row)
            if options["json"]:
                self.stdout.write(json.dumps(_as_json(row, result), ensure_ascii=False))
            else:
                self.stdout.write(_as_text(row, result))
        failed = len(rows) - len(evaluated)
        if failed:
            raise CommandError(_("%(count)s 行数据有误,未给出建议(见各行的 errors)。") % {"count": failed})


def _parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(_("日期“%(text)s”不是YYYY-MM-DD格式。") % {"text": text}) from exc


def _policy_from_db(on: dt.date) -> engine.Policy:
    try:
        return engine_policy_in_force(on=on)
    except NoPolicyInForce as exc:
        raise CommandError(exc.message) from exc
    except DatabaseError as exc:
        raise CommandError(
            _("无法从数据库读取政策版本(%(error)s)。请先运行 migrate,或用 --policy-file 指定政策文件离线运行。")
            % {"error": exc}
        ) from exc


def _policy_from_file(path: Path, on: dt.date) -> engine.Policy:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise CommandError(_("无法读取政策文件“%(path)s”:%(error)s") % {"path": path, "error": exc.strerror}) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CommandError(_("政策文件“%(path)s”不是UTF-8编码的JSON:%(error)s") % {"path": path, "error": exc}) from exc
    items = data if isinstance(data, list) else [data]
    if not items or not all(isinstance(item, dict) for item in items):
        raise CommandError(_("政策文件应是一个JSON对象,或由JSON对象组成的列表。"))
    try:
        versions = [engine.policy_from_mapping(item) for item in items]
    except (engine.PolicyError, TypeError) as exc:
        message = exc.message if isinstance(exc, engine.PolicyError) else str(exc)
        raise CommandError(_("政策文件有误:%(error)s") % {"error": message}) from exc
    policy = engine.policy_on(versions, on)
    if policy is None:
        raise CommandError(_("政策文件中没有在 %(date)s 施行的版本。") % {"date": on.isoformat()})
    return policy


def _as_json(row: FactsRow, result: engine.Recommendation | None) -> dict[str, Any]:
    head: dict[str, Any] = {"row": row.row, "uscc": row.uscc, "name": row.name}
    if result is None:
        return head | {"errors": list(row.errors)}
    return head | result.to_dict()


def _as_text(row: FactsRow, result: engine.Recommendation | None) -> str:
    where = _("第%(row)s行 %(name)s") % {"row": row.row, "name": row.name or "-"}
    if result is None:
        return f"{where}:{_('数据有误')}:{''.join(row.errors)}"
    parts = [f"{where}:{result.label}"]
    if result.primary.detail:
        parts.append(f"({result.primary.detail})")
    if result.primary.partners:
        parts.append(_("伙伴:") + "、".join(p.name or p.id for p in result.primary.partners))
    if result.blockers:
        parts.append(_("须解决:") + "".join(b.message for b in result.blockers))
    if result.flags:
        parts.append(_("提示:") + "".join(f.message for f in result.flags))
    if result.alternatives:
        parts.append(_("其他方式:") + "、".join(o.label for o in result.alternatives))
    return " ".join(parts)
