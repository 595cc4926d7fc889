"""``python manage.py verify_audit``: prove the audit log.

Exit 0 and "审计链完整,共 N 条" when every record matches its hash, links to the one before it,
and the last one is the one the anchor outside the database records; exit 1 listing each
problem and the record it was found at otherwise.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from liangxin.audit.chain import check_anchor, read_anchor, verify_chain
from liangxin.audit.models import AuditRecord


class Command(BaseCommand):
    help = "校验审计日志的哈希链及数据库外的锚点:发现被改动、插入、删除或截断的记录。"

    def handle(self, *args: Any, **options: Any) -> None:
        records = AuditRecord.objects.order_by("pk").only(
            "pk",
            "prev_hash",
            "hash",
            "at",
            "actor_username",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
        )
        result = verify_chain(records.iterator(chunk_size=2000))
        anchor = read_anchor()
        anchored_hash = None
        anchored_id = anchor.get("last_id") if anchor is not None else None
        if isinstance(anchored_id, int):
            anchored_hash = AuditRecord.objects.filter(pk=anchored_id).values_list("hash", flat=True).first()
        problems = [*result.problems, *check_anchor(result, anchor, anchored_hash=anchored_hash)]
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(
                _("审计链校验未通过:发现 %(n)d 处问题(共 %(count)d 条记录)。")
                % {"n": len(problems), "count": result.count},
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS(_("审计链完整,共 %(count)d 条") % {"count": result.count}))
