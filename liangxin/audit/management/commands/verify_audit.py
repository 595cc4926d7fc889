"""``python manage.py verify_audit``: prove the audit log.

Exit 0 and "审计链完整,共 N 条" when every record matches its keyed hash, links to the one before
it with the next id, no chain break was recorded, and the record the anchor outside the database
names is there with its hash; exit 1 listing each problem and the record it was found at
otherwise.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from liangxin.audit import anchor, chain
from liangxin.audit.models import AuditRecord


class Command(BaseCommand):
    help = "校验审计日志的哈希链及数据库外的锚点:发现被改动、插入、删除或截断的记录。"

    def handle(self, *args: Any, **options: Any) -> None:
        key = chain.audit_key()
        entry = anchor.read_anchor()
        wrong_key = anchor.key_problem(entry, key)
        records = AuditRecord.objects.order_by("pk")
        result = chain.verify_chain(records.iterator(chunk_size=2000), key=None if wrong_key else key)
        anchored = anchor.anchored_id(entry)
        anchored_hash = (
            AuditRecord.objects.filter(pk=anchored).values_list("hash", flat=True).first() if anchored else None
        )
        problems = [
            *([wrong_key] if wrong_key else []),
            *result.problems,
            *anchor.check_anchor(result, entry, anchored_hash=anchored_hash),
        ]
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(
                _("审计链校验未通过:发现 %(n)d 处问题(共 %(count)d 条记录)。")
                % {"n": len(problems), "count": result.count},
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS(_("审计链完整,共 %(count)d 条") % {"count": result.count}))
