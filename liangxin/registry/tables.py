"""Column definitions of the register's lists, shared by the HTML tables and their exports.

One column list per list page: the page shows the columns marked for HTML, the XLSX/CSV export
writes the columns marked for export, both from the same value functions (as netbox's exports
reuse its tables). Exports never hold a clear ID number: the member table has only the masked one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.core.export import Cell

from .choices import (
    Category,
    FactSource,
    FormationMethod,
    MemberStatus,
    OperatingStatus,
    OrganizationType,
    OwnerAttitude,
    PartyOrganizationKind,
    Sex,
)
from .models import Member, Organization, OrganizationFacts, PartyOrganization
from .services import OrganizationData

T = TypeVar("T")

EMPTY = "—"


def _label(choices: type[models.TextChoices], value: str | None) -> str | None:
    """The Chinese label of a stored code; an unknown code is shown as it is, not hidden."""
    if not value:
        return None
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _text(value: Cell) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class Column(Generic[T]):
    key: str
    header: str | Promise
    value: Callable[[T], Cell]
    # What the page shows when it differs from the exported value (e.g. "5 + 1").
    display: Callable[[T], str] | None = None
    url: Callable[[T], str | None] | None = None
    badge: Callable[[T], str | None] | None = None  # css class of a badge around the text
    sort: str | None = None  # key of the selector's sort table
    numeric: bool = False
    hide_sm: bool = False
    in_html: bool = True
    in_export: bool = True


@dataclass(frozen=True)
class HeaderCell:
    label: str
    sort: str | None  # the sort value the header link sets, None if not sortable
    direction: str  # "asc", "desc" or "" for the current sort
    numeric: bool
    hide_sm: bool


@dataclass(frozen=True)
class HtmlCell:
    text: str
    url: str | None
    badge: str | None
    numeric: bool
    hide_sm: bool


class Table(Generic[T]):
    def __init__(self, columns: Sequence[Column[T]]) -> None:
        self.columns = tuple(columns)

    @property
    def html_columns(self) -> tuple[Column[T], ...]:
        return tuple(c for c in self.columns if c.in_html)

    @property
    def export_columns(self) -> tuple[Column[T], ...]:
        return tuple(c for c in self.columns if c.in_export)

    def html_header(self, *, current_sort: str, sorts: Mapping[str, object]) -> list[HeaderCell]:
        cells = []
        for column in self.html_columns:
            sort, direction = None, ""
            if column.sort:
                descending = f"-{column.sort}"
                if current_sort == column.sort:
                    direction = "asc"
                    sort = descending if descending in sorts else column.sort
                elif current_sort == descending:
                    direction = "desc"
                    sort = column.sort
                else:
                    sort = column.sort
            cells.append(
                HeaderCell(
                    label=str(column.header),
                    sort=sort,
                    direction=direction,
                    numeric=column.numeric,
                    hide_sm=column.hide_sm,
                )
            )
        return cells

    def html_rows(self, objects: Iterable[T]) -> list[list[HtmlCell]]:
        rows = []
        for obj in objects:
            row = []
            for column in self.html_columns:
                text = column.display(obj) if column.display else _text(column.value(obj))
                row.append(
                    HtmlCell(
                        text=text,
                        url=column.url(obj) if column.url else None,
                        badge=column.badge(obj) if column.badge else None,
                        numeric=column.numeric,
                        hide_sm=column.hide_sm,
                    )
                )
            rows.append(row)
        return rows

    def export_header(self) -> list[str]:
        return [str(c.header) for c in self.export_columns]

    def export_rows(self, objects: Iterable[T]) -> Iterator[list[Cell]]:
        columns = self.export_columns
        for obj in objects:
            yield [column.value(obj) for column in columns]


# --- Organizations ---------------------------------------------------------------------------
# The objects come from ``selectors.organization_list``: current facts and
# ``has_party_organization`` are annotations, township/village/department are joined.


def _attr(obj: object, name: str) -> Any:
    return getattr(obj, name, None)


def _township_and_village(org: Organization) -> str:
    if org.village_id:
        return f"{org.township.name} / {org.village.name}"  # type: ignore[union-attr]
    return org.township.name


def _members_display(org: Organization) -> str:
    full, probationary = _attr(org, "full_members"), _attr(org, "probationary_members")
    if full is None and probationary is None:
        return EMPTY
    return f"{full or 0} + {probationary or 0}"


def _status_badge(org: Organization) -> str | None:
    status = _attr(org, "operating_status")
    if status in (None, OperatingStatus.OPERATING):
        return None
    return "no" if status == OperatingStatus.DEREGISTERED else "warn"


def party_organization_badge_text(has: bool) -> str:
    return _("已建") if has else _("未建")


ORGANIZATION_TABLE: Table[Organization] = Table(
    [
        Column(
            "name",
            gettext_lazy("组织名称"),
            lambda o: o.name,
            url=lambda o: o.get_absolute_url(),
            sort="name",
        ),
        Column("uscc", gettext_lazy("统一社会信用代码"), lambda o: o.uscc, hide_sm=True),
        Column(
            "category",
            gettext_lazy("组织类别"),
            lambda o: _label(Category, o.category),
            in_html=False,
        ),
        Column("org_type", gettext_lazy("组织类型"), lambda o: _label(OrganizationType, o.org_type), hide_sm=True),
        Column(
            "township",
            gettext_lazy("乡镇 / 村(社区)"),
            lambda o: o.township.name,
            display=_township_and_village,
            sort="township",
            in_export=False,
        ),
        Column("township_name", gettext_lazy("所属乡镇"), lambda o: o.township.name, in_html=False),
        Column(
            "village",
            gettext_lazy("所属村(社区)"),
            lambda o: o.village.name if o.village_id else None,  # type: ignore[union-attr]
            in_html=False,
        ),
        Column(
            "department",
            gettext_lazy("行业主管部门"),
            lambda o: o.department.name if o.department_id else None,  # type: ignore[union-attr]
            hide_sm=True,
        ),
        Column("employees", gettext_lazy("从业人员"), lambda o: _attr(o, "employees"), sort="employees", numeric=True),
        Column(
            "members",
            gettext_lazy("党员(正式 + 预备)"),
            lambda o: _attr(o, "full_members"),
            display=_members_display,
            sort="members",
            numeric=True,
            in_export=False,
        ),
        Column("full_members", gettext_lazy("正式党员数"), lambda o: _attr(o, "full_members"), in_html=False),
        Column(
            "probationary_members",
            gettext_lazy("预备党员数"),
            lambda o: _attr(o, "probationary_members"),
            in_html=False,
        ),
        Column(
            "operating_status",
            gettext_lazy("经营状况"),
            lambda o: _label(OperatingStatus, _attr(o, "operating_status")),
            badge=_status_badge,
        ),
        Column(
            "has_party_organization",
            gettext_lazy("党组织"),
            lambda o: bool(_attr(o, "has_party_organization")),
            display=lambda o: party_organization_badge_text(bool(_attr(o, "has_party_organization"))),
            badge=lambda o: "yes" if _attr(o, "has_party_organization") else "no",
        ),
    ]
)


# --- Party organizations ---------------------------------------------------------------------
# From ``selectors.party_organization_list``: ``organization_count`` and ``member_count``.


PARTY_ORGANIZATION_TABLE: Table[PartyOrganization] = Table(
    [
        Column(
            "name",
            gettext_lazy("党组织名称"),
            lambda p: p.name,
            url=lambda p: p.get_absolute_url(),
            sort="name",
        ),
        Column("kind", gettext_lazy("类别"), lambda p: _label(PartyOrganizationKind, p.kind)),
        Column(
            "formation_method",
            gettext_lazy("组建方式"),
            lambda p: _label(FormationMethod, p.formation_method),
            hide_sm=True,
        ),
        Column("township", gettext_lazy("所属乡镇"), lambda p: p.township.name, sort="township"),
        Column(
            "parent",
            gettext_lazy("上级党组织"),
            lambda p: p.parent.name if p.parent_id else None,  # type: ignore[union-attr]
            in_html=False,
        ),
        Column("founded_on", gettext_lazy("成立日期"), lambda p: p.founded_on, sort="founded", hide_sm=True),
        Column(
            "dissolved_on",
            gettext_lazy("撤销日期"),
            lambda p: p.dissolved_on,
            badge=lambda p: "no" if p.dissolved_on else None,
        ),
        Column("dissolution_reason", gettext_lazy("撤销原因"), lambda p: p.dissolution_reason, in_html=False),
        Column(
            "organization_count",
            gettext_lazy("覆盖组织数"),
            lambda p: _attr(p, "organization_count"),
            numeric=True,
        ),
        Column(
            "member_count",
            gettext_lazy("党员数"),
            lambda p: _attr(p, "member_count"),
            sort="members",
            numeric=True,
        ),
        Column(
            "secretary",
            gettext_lazy("书记"),
            lambda p: p.secretary.name if p.secretary_id else None,  # type: ignore[union-attr]
            hide_sm=True,
        ),
    ]
)


# --- Members ---------------------------------------------------------------------------------
# From ``selectors.member_list``: today's party organization and employer are annotations.
# Only ``id_number_masked`` and the birth year are ever read here; never the phone.


MEMBER_TABLE: Table[Member] = Table(
    [
        Column("name", gettext_lazy("姓名"), lambda m: m.name, url=lambda m: m.get_absolute_url(), sort="name"),
        Column("id_number_masked", gettext_lazy("公民身份号码"), lambda m: m.id_number_masked),
        Column("sex", gettext_lazy("性别"), lambda m: _label(Sex, m.sex), hide_sm=True),
        # The year only: beside the masked ID number the date would give the number away
        # (docs/personal-data.md).
        Column("birth_year", gettext_lazy("出生年份"), lambda m: m.birth_date.year, hide_sm=True),
        Column("status", gettext_lazy("党员类别"), lambda m: _label(MemberStatus, m.status)),
        Column("admitted_on", gettext_lazy("入党日期"), lambda m: m.admitted_on, sort="admitted", hide_sm=True),
        Column("full_membership_on", gettext_lazy("转正日期"), lambda m: m.full_membership_on, in_html=False),
        Column(
            "party_organization",
            gettext_lazy("组织关系所在党组织"),
            lambda m: _attr(m, "current_party_organization_name"),
        ),
        Column("employer", gettext_lazy("工作单位"), lambda m: _attr(m, "current_employer_name"), hide_sm=True),
        Column("position", gettext_lazy("职务"), lambda m: m.position, in_html=False),
    ]
)


# --- Change history --------------------------------------------------------------------------
# Audit records hold ``{field: [old, new]}`` diffs in stored codes and ids; the history on the
# detail page turns them into "字段: 旧值 → 新值" in Chinese.

_EXTRA_LABELS: dict[str, Promise] = {
    "valid_from": gettext_lazy("起始日期"),
    "merged_from": gettext_lazy("合并了记录"),
    "merged_into": gettext_lazy("已合并入"),
    "moved_facts": gettext_lazy("迁入普查数据(条)"),
    "moved_employments": gettext_lazy("迁入党员工作单位(条)"),
    "moved_coverages": gettext_lazy("迁入党组织覆盖(条)"),
    "date": gettext_lazy("日期"),
    "reason": gettext_lazy("原因"),
    "coverages_ended": gettext_lazy("结束的党组织覆盖(个)"),
    "id": gettext_lazy("编号"),
}

_CHOICES: dict[str, type[models.TextChoices]] = {
    "category": Category,
    "org_type": OrganizationType,
    "operating_status": OperatingStatus,
    "owner_attitude": OwnerAttitude,
    "source": FactSource,
}

UNIT_FIELDS = frozenset({"township", "village"})
DEPARTMENT_FIELDS = frozenset({"department"})


def _field_labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for model in (OrganizationFacts, Organization):
        for field in model._meta.concrete_fields:
            labels[field.name] = str(field.verbose_name)
    labels.update({k: str(v) for k, v in _EXTRA_LABELS.items()})
    return labels


def _hidden(key: str) -> bool:
    # Never shown, even if some future diff carried them: ID numbers in any form.
    return "id_number" in key


@dataclass(frozen=True)
class ChangeLine:
    label: str
    old: str | None  # None: a plain value, not a before/after pair
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    actor: str
    action: str
    lines: list[ChangeLine]
    link: str = ""  # where the change came from (an import batch), when it has a page


@dataclass(frozen=True)
class ChangeRecord:
    """A change that is not an audit record of the organization itself — an import (a census
    file, or a campaign's approval, which imports through a census batch) — in the shape
    :func:`change_history` reads: ``changes`` as {field: [before, after]}."""

    at: dt.datetime
    actor_username: str
    action: str  # shown as written
    changes: dict[str, Any]
    link: str = ""


def before_after(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The fields an import changed, as {field: [before, after]} (before None for a new one)."""
    before = before or {}
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def referenced_ids(records: Iterable[AuditRecord | ChangeRecord]) -> tuple[set[int], set[int]]:
    """Administrative-unit and department ids named in the diffs, to look their names up once."""
    units: set[int] = set()
    departments: set[int] = set()
    for record in records:
        for key, value in (record.changes or {}).items():
            target = units if key in UNIT_FIELDS else departments if key in DEPARTMENT_FIELDS else None
            if target is None:
                continue
            values = value if isinstance(value, list) else [value]
            target.update(v for v in values if isinstance(v, int))
    return units, departments


def change_history(
    records: Iterable[AuditRecord | ChangeRecord],
    *,
    unit_names: Mapping[int, str],
    department_names: Mapping[int, str],
) -> list[HistoryEntry]:
    labels = _field_labels()

    def show(key: str, value: object) -> str:
        if value is None or value == "":
            return EMPTY
        if key in UNIT_FIELDS and isinstance(value, int):
            return unit_names.get(value, f"#{value}")
        if key in DEPARTMENT_FIELDS and isinstance(value, int):
            return department_names.get(value, f"#{value}")
        if key in _CHOICES and isinstance(value, str):
            return _label(_CHOICES[key], value) or EMPTY
        if isinstance(value, bool):
            return _("是") if value else _("否")
        if isinstance(value, list):
            return "、".join(str(v) for v in value) or EMPTY
        if isinstance(value, dict):
            return "; ".join(f"{labels.get(str(k), k)}: {show(str(k), v)}" for k, v in value.items())
        return str(value)

    entries = []
    for record in records:
        lines = []
        for key, value in (record.changes or {}).items():
            if _hidden(key):
                continue
            label = labels.get(key, key)
            if isinstance(value, list) and len(value) == 2:
                lines.append(ChangeLine(label=label, old=show(key, value[0]), new=show(key, value[1])))
            else:
                lines.append(ChangeLine(label=label, old=None, new=show(key, value)))
        entries.append(
            HistoryEntry(
                at=record.at,
                actor=record.actor_username or _("系统"),
                action=_label(AuditAction, record.action) or record.action,
                lines=lines,
                link=getattr(record, "link", ""),
            )
        )
    return entries


# --- Edit conflicts --------------------------------------------------------------------------


@dataclass(frozen=True)
class ConflictRow:
    label: str
    yours: str
    theirs: str


def _organization_texts(data: OrganizationData) -> dict[str, tuple[str, str]]:
    def unit(value: Any) -> str:
        return value.name if value is not None else EMPTY

    return {
        "name": (_("组织名称"), data.name),
        "uscc": (_("统一社会信用代码"), (data.uscc or "").strip().upper() or EMPTY),
        "category": (_("组织类别"), _label(Category, data.category) or EMPTY),
        "org_type": (_("组织类型"), _label(OrganizationType, data.org_type) or EMPTY),
        "industry_code": (_("行业代码"), data.industry_code or EMPTY),
        "township": (_("所属乡镇"), unit(data.township)),
        "village": (_("所属村(社区)"), unit(data.village)),
        "department": (_("行业主管部门"), unit(data.department)),
        "above_designated_size": (_("规模以上"), _text(data.above_designated_size)),
        "address": (_("地址"), data.address or EMPTY),
        "latitude": (_("纬度"), _text(str(data.latitude) if data.latitude is not None else None)),
        "longitude": (_("经度"), _text(str(data.longitude) if data.longitude is not None else None)),
        "contact_person": (_("联系人"), data.contact_person or EMPTY),
        "contact_phone": (_("联系电话"), data.contact_phone or EMPTY),
        "owner_is_member": (_("业主是否党员"), _text(data.owner_is_member)),
    }


def organization_data_of(organization: Organization) -> OrganizationData:
    return OrganizationData(
        name=organization.name,
        category=organization.category,
        org_type=organization.org_type,
        township=organization.township,
        uscc=organization.uscc,
        village=organization.village,
        department=organization.department,
        industry_code=organization.industry_code,
        above_designated_size=organization.above_designated_size,
        address=organization.address,
        latitude=organization.latitude,
        longitude=organization.longitude,
        contact_person=organization.contact_person,
        contact_phone=organization.contact_phone,
        owner_is_member=organization.owner_is_member,
        former_names=list(organization.former_names),
    )


def conflict_rows(*, yours: OrganizationData, theirs: Organization) -> list[ConflictRow]:
    """The fields where the saved record now differs from what the clerk submitted: what the
    other person wrote, beside what this clerk meant to write."""
    mine = _organization_texts(yours)
    saved = _organization_texts(organization_data_of(theirs))
    return [
        ConflictRow(label=label, yours=text, theirs=saved[key][1])
        for key, (label, text) in mine.items()
        if saved[key][1] != text
    ]
