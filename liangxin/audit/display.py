"""How audit records read on pages: Chinese labels for object types, fields and coded values,
times in the county's time zone, personal values masked. Exports keep the codes
(``selectors.export_rows``), for machines and for checking the hashes.

A field of a model is labelled by its ``verbose_name`` and its value by the field's choices;
the names services write that are not model fields (``two_factor``, ``rows``, ``sha256`` …) are
labelled here, and a model may name the coded values its records log in ``AUDIT_VALUE_LABELS``
(``{name: {code: label}}``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field, ForeignKey, Model
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .masking import mask_changes
from .models import AuditRecord

EMPTY = "—"

# Object types that are not models, or whose model has no Chinese name.
_OBJECT_TYPES: dict[str, Promise] = {
    "audit.chain": gettext_lazy("审计链"),
    "security.backup": gettext_lazy("备份文件"),
    "axes.accessattempt": gettext_lazy("登录失败记录"),
}

# Names in ``changes`` that are not fields of the record's model.
_FIELDS: dict[str, Promise] = {
    "two_factor": gettext_lazy("两步验证"),
    "step": gettext_lazy("失败环节"),
    "recovery_codes": gettext_lazy("恢复码数量"),
    "login_lockout": gettext_lazy("登录锁定"),
    "lockout_by": gettext_lazy("锁定依据"),
    "failures": gettext_lazy("失败次数"),
    "password": gettext_lazy("密码"),
    "format": gettext_lazy("格式"),
    "rows": gettext_lazy("行数"),
    "filters": gettext_lazy("筛选条件"),
    "file": gettext_lazy("文件"),
    "bytes": gettext_lazy("大小(字节)"),
    "sha256": gettext_lazy("SHA-256 摘要"),
    "unit": gettext_lazy("单位"),
    "as_of": gettext_lazy("数据日期"),
    "mode": gettext_lazy("导入方式"),
    "mapping": gettext_lazy("列对应"),
    "new": gettext_lazy("新增"),
    "changed": gettext_lazy("变更"),
    "unchanged": gettext_lazy("无变化"),
    "rejected": gettext_lazy("退回"),
    "errors": gettext_lazy("错误"),
    "warnings": gettext_lazy("提示"),
    "changes_digest": gettext_lazy("变更明细摘要"),
    "deleted_new": gettext_lazy("删除的新增组织"),
    "restored": gettext_lazy("恢复的组织"),
    "date": gettext_lazy("日期"),
    "reason": gettext_lazy("原因"),
    "coverages_ended": gettext_lazy("结束的覆盖关系"),
    "employer": gettext_lazy("工作单位"),
    "party_organization": gettext_lazy("所属党组织"),
    "townships": gettext_lazy("责任乡镇"),
    "departments": gettext_lazy("责任部门"),
    "submission": gettext_lazy("填报"),
    "verdict": gettext_lazy("确认结果"),
    "comment": gettext_lazy("意见"),
    "entry": gettext_lazy("条目"),
    "joint_planner": gettext_lazy("联合组建规划"),
    "organizations": gettext_lazy("组织"),
    "full_members": gettext_lazy("正式党员数"),
    "members_linked": gettext_lazy("关联的党员"),
    "plans_joined": gettext_lazy("并入的组建方案"),
    "targets": gettext_lazy("年度目标"),
    "scheme": gettext_lazy("哈希算法"),
    "key_id": gettext_lazy("密钥标识"),
    "legacy_up_to": gettext_lazy("不带密钥的记录截至"),
    "head": gettext_lazy("当时的链头"),
    "anchor": gettext_lazy("锚点记载"),
    "last_id": gettext_lazy("最后一条"),
    "last_hash": gettext_lazy("哈希"),
    "id": gettext_lazy("编号"),  # also for a model's own id (Django names it "ID")
    "hash": gettext_lazy("哈希"),
    "backup_created_at": gettext_lazy("备份时间"),
    "backup_head": gettext_lazy("备份中的链头"),
    "replaced_head": gettext_lazy("被替换数据库的链头"),
    "tables": gettext_lazy("表数"),
    "media_files": gettext_lazy("上传文件数"),
    "os_user": gettext_lazy("操作系统账号"),
    "mismatched_tables": gettext_lazy("行数与备份清单不一致的表"),
    "transition": gettext_lazy("状态变更"),
}

# Coded values of those names.
_VALUES: dict[str, dict[str, Promise]] = {
    "two_factor": {"totp": gettext_lazy("身份验证器动态码"), "static": gettext_lazy("恢复码")},
    "step": {"two_factor": gettext_lazy("两步验证码")},
    "login_lockout": {"locked": gettext_lazy("已锁定"), "unlocked": gettext_lazy("已解除")},
    "lockout_by": {"username": gettext_lazy("账号"), "ip_address": gettext_lazy("来源地址")},
    "joint_planner": {"accepted": gettext_lazy("采纳分组")},
    "reason": {
        "truncated": gettext_lazy("末尾记录被删除"),
        "deleted": gettext_lazy("锚点记载的记录被删除"),
        "anchor": gettext_lazy("锚点记载的记录被改写"),
        "edited": gettext_lazy("链头记录被改写"),
    },
    "format": {"xlsx": gettext_lazy("Excel"), "csv": gettext_lazy("CSV")},
}

_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


@cache
def _model(object_type: str) -> type[Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_type_label(object_type: str) -> str:
    if object_type in _OBJECT_TYPES:
        return str(_OBJECT_TYPES[object_type])
    model = _model(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


@cache
def _field(object_type: str, name: str) -> Field[Any, Any] | None:
    """The model field ``name`` of the record's model or, when the service logged the fields of
    a dependent row with its owner (an organization's dated census figures), of a model that
    points at it."""
    model = _model(object_type)
    if model is None:
        return None
    candidates = [model] + [rel.related_model for rel in model._meta.related_objects if rel.one_to_many]
    for candidate in candidates:
        try:
            field = candidate._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if isinstance(field, Field):
            return field
    return None


def field_label(object_type: str, name: str) -> str:
    field = _field(object_type, name)
    if field is not None and field.verbose_name and not field.primary_key:
        return str(field.verbose_name)
    return str(_FIELDS.get(name, name))


def _local_time(text: str) -> str | None:
    if not _ISO_DATETIME.match(text):
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


def value_text(object_type: str, name: str, value: Any) -> str:
    """One value as a reader wants it: labels for codes, 是/否, local times, ``#id`` for links."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, dict):
        return ";".join(
            f"{field_label(object_type, str(k))}:{value_text(object_type, str(k), v)}" for k, v in value.items()
        )
    if isinstance(value, list):
        return "、".join(value_text(object_type, name, v) for v in value)
    field = _field(object_type, name)
    if field is not None and field.choices and not isinstance(value, (dict, list)):
        labels = {str(k): str(v) for k, v in field.flatchoices}
        if str(value) in labels:
            return labels[str(value)]
    if isinstance(field, ForeignKey) and isinstance(value, int):
        return f"#{value}"
    model = _model(object_type)
    coded = {**_VALUES.get(name, {}), **getattr(model, "AUDIT_VALUE_LABELS", {}).get(name, {})}
    if str(value) in coded:
        return str(coded[str(value)])
    if isinstance(value, str):
        return _local_time(value) or value
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, (int, float)) else str(value)


@dataclass(frozen=True)
class ChangeRow:
    field: str
    label: str
    old: str
    new: str


def change_rows(record: AuditRecord) -> list[ChangeRow]:
    """The changes as field / old / new, masked. Entries not in the ``{field: [old, new]}`` shape
    are shown whole in the "new" column."""
    changes = mask_changes(record.object_type, record.changes)
    if not isinstance(changes, dict):
        changes = {"": changes}
    rows = []
    for name, value in changes.items():
        old, new = (value[0], value[1]) if isinstance(value, list) and len(value) == 2 else (None, value)
        rows.append(
            ChangeRow(
                field=name,
                label=field_label(record.object_type, name),
                old=value_text(record.object_type, name, old),
                new=value_text(record.object_type, name, new),
            )
        )
    return rows


def changed_fields(record: AuditRecord) -> str:
    """The labels of the fields a record changes (the list page's column)."""
    if not isinstance(record.changes, dict):
        return ""
    return "、".join(field_label(record.object_type, str(name)) for name in record.changes)
