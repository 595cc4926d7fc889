"""Pages of coverage against targets: the dashboard, the indicator table, the drill-down lists and
the gap list (空白点台账). Thin: forms parse, scoped selectors read. Only the county, township and
department roles see them (a secretary or an administrator gets 403); what each sees is the
user's scope. No URL names an object: groups and indicators are query parameters."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_htmx.middleware import HtmxDetails

from liangxin.accounts.models import User
from liangxin.accounts.roles import Role, ScopeKind
from liangxin.core.audited_export import audited_workbook
from liangxin.core.clients import client_address
from liangxin.core.dates import today
from liangxin.core.export import csv_response
from liangxin.formation import export as register_export
from liangxin.formation.forms import RegisterFilterForm
from liangxin.formation.selectors import REGISTER_BATCH, RegisterRow
from liangxin.policy.selectors import NoPolicyInForce
from liangxin.registry import selectors as registry_selectors
from liangxin.registry.services import log_export

from . import charts, selectors
from .choices import Grouping, IndicatorKind, Part, Subject
from .export import table_workbook
from .forms import DRILL_SORTS, PARTY_DRILL_SORTS, PERIOD_CHOICES, DashboardForm, DrillDownForm, GapForm, TableForm
from .models import Indicator
from .values import IndicatorGroup, IndicatorValue

DASHBOARD_ROLES = frozenset({Role.COUNTY_ADMIN, Role.LEADER, Role.TOWNSHIP_CLERK, Role.DEPARTMENT_CLERK})


class AuthedRequest(HttpRequest):
    user: User
    htmx: HtmxDetails


def _gate(user: User) -> None:
    if user.role not in DASHBOARD_ROLES:
        raise PermissionDenied(_("您的角色无权查看覆盖率统计。"))


def drill_url(*, code: str, by: str, key: str, part: str, as_of: Any, base: str = "") -> str:
    """``base``: the page's path when the caller has it already (a ranking builds thousands)."""
    query = {"indicator": code, "by": by, "key": key, "part": part, "as_of": as_of.isoformat()}
    return (base or reverse("coverage:drill_down")) + "?" + urlencode(query)


def gap_url(*, by: str, key: str, as_of: Any, base: str = "") -> str:
    return (base or reverse("coverage:gap_list")) + "?" + urlencode({"by": by, "key": key, "as_of": as_of.isoformat()})


@dataclass(frozen=True)
class Figure:
    """One indicator of one group, with where its parts drill down to."""

    indicator: Indicator
    value: IndicatorValue
    numerator_url: str
    complement_url: str
    denominator_url: str

    @property
    def no_data(self) -> bool:
        """A share of nothing (0/0: a date before the register's data, an empty group): neither
        met nor behind."""
        return self.value.is_share and self.value.denominator == 0

    @property
    def met(self) -> bool:
        return self.value.gap == 0 and self.value.target is not None and not self.no_data


def figure(indicator: Indicator, value: IndicatorValue, *, by: str, key: str, as_of: Any, base: str = "") -> Figure:
    base = base or reverse("coverage:drill_down")

    def url(part: str) -> str:
        return drill_url(code=indicator.code, by=by, key=key, part=part, as_of=as_of, base=base)

    return Figure(indicator, value, url(Part.NUMERATOR), url(Part.COMPLEMENT), url(Part.DENOMINATOR))


@dataclass(frozen=True)
class Row:
    group: IndicatorGroup
    figures: list[Figure]
    gap_url: str


def _rows(groups: list[IndicatorGroup], definitions: list[Indicator], *, by: str, as_of: Any) -> list[Row]:
    drill, gaps = reverse("coverage:drill_down"), reverse("coverage:gap_list")
    return [
        Row(
            group=g,
            figures=[figure(d, g.values[d.code], by=by, key=g.key, as_of=as_of, base=drill) for d in definitions],
            gap_url=gap_url(by=by, key=g.key, as_of=as_of, base=gaps),
        )
        for g in groups
    ]


def _chart_json(spec: dict[str, Any]) -> str:
    return json.dumps(spec, ensure_ascii=False)


def _ranking(groups: list[IndicatorGroup], definitions: list[Indicator], code: str) -> list[IndicatorGroup]:
    if not any(d.code == code for d in definitions):
        return groups
    return sorted(groups, key=lambda g: (-(g.values[code].value or Decimal(-1)), g.label))


@dataclass(frozen=True)
class RankedRow:
    rank: int  # 1 = the best
    row: Row


def _ends(count: int) -> tuple[range, range]:
    """The positions a dashboard shows of a list of ``count`` rows: the first ones and the last
    ones (the second range empty when the first holds them all)."""
    whole, each_end = selectors.SHOWN_WHOLE, selectors.SHOWN_AT_EACH_END
    if count <= whole:
        return range(count), range(0)
    return range(each_end), range(count - each_end, count)


def _county_copy_wanted(request: AuthedRequest, as_of: dt.date) -> bool:
    """Whether a page may show the county's copy of today kept by the worker, where computing
    takes long (``county_snapshot.py``): for an account whose scope is the county, unless it asks
    for the figures of this moment (``live``)."""
    return request.user.scope_kind is ScopeKind.COUNTY and as_of == today() and not request.GET.get("live")


@require_GET
def dashboard(request: AuthedRequest) -> HttpResponse:
    user = request.user
    _gate(user)
    form = DashboardForm(request.GET)
    as_of = form.as_of_or_today()
    period = form.trend_period()
    copy = None
    if _county_copy_wanted(request, as_of):
        copy = selectors.county_dashboard_copy(as_of=as_of, period=period)
    board, computed_at = copy if copy else (selectors.dashboard(user=user, as_of=as_of, period=period), None)
    definitions = board.definitions
    by_code = {d.code: d for d in definitions}
    rank_code = board.rank_code
    rank_defs = [by_code[c] for c in selectors.RANKED_CODES if c in by_code]
    trend_names = {c: by_code[c].label for c in selectors.TREND_CODES if c in by_code}
    tables = board.tables
    total = tables.total
    county_figures = {
        d.code: figure(d, total.values[d.code], by=Grouping.COUNTY, key=selectors.COUNTY_KEY, as_of=as_of)
        for d in definitions
    }
    headline = [county_figures[d.code] for d in definitions if d.headline and d.kind == IndicatorKind.SHARE]
    other_shares = [county_figures[d.code] for d in definitions if not d.headline and d.kind == IndicatorKind.SHARE]
    counts = [county_figures[d.code] for d in definitions if d.kind != IndicatorKind.SHARE]
    titles: dict[str, str] = {Grouping.TOWNSHIP: _("乡镇(街道)排名"), Grouping.DEPARTMENT: _("行业主管部门排名")}
    rankings = []
    for by, groups in tables.rankings.items():
        if len(groups) < 2:
            continue
        title = titles[by]
        ranked = _ranking(groups, definitions, rank_code)
        first, last = _ends(len(ranked))
        shown = [ranked[i] for i in (*first, *last)]
        rows = iter(_rows(shown, rank_defs, by=by, as_of=as_of))
        rankings.append(
            {
                "by": by,
                "title": title,
                "top": [RankedRow(i + 1, next(rows)) for i in first],
                "bottom": [RankedRow(i + 1, next(rows)) for i in last],
                "count": len(ranked),
                "table_url": reverse("coverage:table") + "?" + urlencode({"by": by, "as_of": as_of.isoformat()}),
                "definitions": rank_defs,
                "chart": _chart_json(charts.ranking(shown, rank_code, title=f"{title}·{by_code[rank_code].label}")),
            }
        )
    series = tables.series
    trend = _chart_json(charts.trend([(p.on, p.values) for p in series], trend_names))
    blank = county_figures.get("org_coverage")
    forecast = board.outlook
    first, last = _ends(len(forecast.reaching))
    life = board.life_at_risk
    context = {
        "form": form,
        "as_of": as_of,
        "scope": user.scope_label,
        "computed_at": computed_at,
        "headline": headline,
        "other_shares": other_shares,
        "counts": counts,
        "blank": blank,
        "data_since": board.data_since,
        "blank_count": (blank.value.denominator - blank.value.numerator) if blank else None,
        "gap_url": gap_url(by=Grouping.COUNTY, key="", as_of=as_of),
        "rankings": rankings,
        "shown_at_each_end": selectors.SHOWN_AT_EACH_END,
        "trend": trend,
        "series": series,
        "trend_names": trend_names,
        "trend_title": dict(PERIOD_CHOICES)[period],
        "forecast": forecast,
        "reaching": board.reaching[: len(first) + len(last)],
        "forecast_url": reverse("coverage:forecast") + "?" + urlencode({"as_of": as_of.isoformat()}),
        "table_url": reverse("coverage:table"),
        "unsurveyed": tables.unsurveyed,
        "figure_codes": selectors.figure_indicator_codes(definitions),
        "life_at_risk": life.count if life else None,
        "life_at_risk_named": life.named if life else [],
        "life_at_risk_months": life.months if life else 0,
    }
    return render(request, "coverage/dashboard.html", context)


@require_GET
def forecast_list(request: AuthedRequest) -> HttpResponse:
    """The forecast of the dashboard with every organization that will reach the minimum of full
    members (the dashboard shows the earliest few), a page at a time."""
    user = request.user
    _gate(user)
    form = DashboardForm(request.GET)
    as_of = form.as_of_or_today()
    forecast = selectors.coverage_forecast(user=user, today=as_of)
    page = Paginator(forecast.reaching, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "as_of": as_of,
        "scope": user.scope_label,
        "forecast": forecast,
        "reaching": selectors.reaching_organizations(list(page.object_list)),
        "page": page,
        "count": page.paginator.count,
    }
    return render(request, "coverage/forecast.html", context)


def _render(request: AuthedRequest, *, template: str, partial: str, context: dict[str, Any]) -> HttpResponse:
    partial_only = bool(request.htmx) and not request.htmx.history_restore_request
    response = render(request, partial if partial_only else template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _table_page(request: AuthedRequest, form: TableForm) -> tuple[selectors.TablePage, dt.datetime | None]:
    """The indicator table the form asks for, and when it was computed if it is the county's copy."""
    as_of, by = form.as_of_or_today(), form.grouping()
    if _county_copy_wanted(request, as_of) and (copy := selectors.county_table_copy(as_of=as_of, by=by)):
        return copy
    return selectors.indicator_table_page(user=request.user, as_of=as_of, by=by), None


@require_GET
def table(request: AuthedRequest) -> HttpResponse:
    """Every indicator for every group of one grouping."""
    _gate(request.user)
    form = TableForm(request.GET)
    page, computed_at = _table_page(request, form)
    as_of, by = page.as_of, page.by
    definitions = page.definitions
    # A province's 1,500 townships a page at a time: the figures are computed for all of them
    # anyway, but 30,000 cells with their links took 2.2 s to render.
    shown = Paginator(page.groups, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "as_of": as_of,
        "by": by,
        "by_label": Grouping(by).label,
        "computed_at": computed_at,
        "definitions": definitions,
        "rows": _rows(list(shown.object_list), definitions, by=by, as_of=as_of),
        "page": shown,
        "count": shown.paginator.count,
        "list_url": reverse("coverage:table"),
        "export_url": reverse("coverage:table_export") + "?" + urlencode({"by": by, "as_of": as_of.isoformat()}),
        "unsurveyed": page.unsurveyed,
        "figure_codes": selectors.figure_indicator_codes(definitions),
    }
    return _render(request, template="coverage/table.html", partial="coverage/_table.html", context=context)


@require_GET
def table_export(request: AuthedRequest) -> HttpResponseBase:
    """The indicator table of one grouping, every group, as a workbook (audited as an export)."""
    _gate(request.user)
    page, _computed_at = _table_page(request, TableForm(request.GET))
    return audited_workbook(
        request,
        object_type="coverage.table",
        filters={"by": page.by, "as_of": page.as_of.isoformat()},
        rows=len(page.groups),
        filename=_("覆盖指标明细表"),
        write=table_workbook(page),
    )


@dataclass(frozen=True)
class _Drill:
    indicator: Indicator
    as_of: Any
    by: str
    key: str
    part: str
    label: str
    subjects: Any  # QuerySet of organizations or of party organizations, sorted as asked
    sort: str

    @property
    def party(self) -> bool:
        return self.indicator.subject == Subject.PARTY_ORGANIZATION


def _drill(request: AuthedRequest) -> _Drill:
    user = request.user
    _gate(user)
    form = DrillDownForm(request.GET)
    if not form.is_valid():
        raise Http404
    data = form.cleaned_data
    indicator = Indicator.objects.filter(code=data["indicator"], active=True).first()
    if indicator is None:
        raise Http404
    as_of = data["as_of"]
    by = data["by"] or Grouping.COUNTY
    key = data["key"] or selectors.COUNTY_KEY
    part = data["part"] or Part.DENOMINATOR
    try:
        subjects = selectors.drill_down(user=user, as_of=as_of, indicator=indicator, by=by, key=key, part=part)
        label = selectors.group_label(by=by, key=key)
    except ValueError:
        raise Http404 from None
    ordering = form.ordering(party=indicator.subject == Subject.PARTY_ORGANIZATION)
    if ordering is not None:
        subjects = subjects.order_by(*ordering)
    label = label if by != Grouping.COUNTY else user.scope_label
    return _Drill(indicator, as_of, by, key, part, label, subjects, data.get("sort") or "")


@require_GET
def drill_down(request: AuthedRequest) -> HttpResponse:
    """The organizations (or party organizations) behind one figure, sortable by its columns."""
    drill = _drill(request)
    indicator, as_of, by, key, part = drill.indicator, drill.as_of, drill.by, drill.key, drill.part
    subjects, label = drill.subjects, drill.label
    page = Paginator(subjects, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    base = drill_url(code=indicator.code, by=by, key=key, part=part, as_of=as_of)
    context = {
        "indicator": indicator,
        "party": indicator.subject == Subject.PARTY_ORGANIZATION,
        "as_of": as_of,
        "group_label": label,
        "part_label": Part(part).label,
        "sort": drill.sort,
        "sort_links": {
            k: base + "&" + urlencode({"sort": k if drill.sort != k else f"-{k}"})
            for k in (PARTY_DRILL_SORTS if drill.party else DRILL_SORTS)
        },
        "export_url": reverse("coverage:drill_down_export") + "?" + request.GET.urlencode(),
        "parts": [
            (p.value, p.label, drill_url(code=indicator.code, by=by, key=key, part=p.value, as_of=as_of)) for p in Part
        ],
        "part": part,
        "page": page,
        "count": page.paginator.count,
        "list_url": reverse("coverage:drill_down"),
    }
    return _render(
        request, template="coverage/drill_down.html", partial="coverage/_drill_down_results.html", context=context
    )


@require_GET
def drill_down_export(request: AuthedRequest) -> HttpResponseBase:
    """The drill-down list as CSV, in the order shown; audited like every export."""
    drill = _drill(request)
    if drill.party:
        header = [_("乡镇(街道)"), _("党组织名称"), _("党组织类别"), _("成立日期")]
        rows: Iterator[list[Any]] = (
            [po.township.name, po.name, po.get_kind_display(), po.founded_on] for po in drill.subjects.iterator()
        )
    else:
        header = [
            _("乡镇(街道)"), _("组织名称"), _("统一社会信用代码"), _("组织类型"), _("行业主管部门"),
            _("从业人员"), _("正式党员"), _("预备党员"),
        ]  # fmt: skip
        rows = (
            [
                o.township.name,
                o.name,
                o.uscc or "",
                o.get_org_type_display(),
                o.department.name if o.department else "",
                o.employees_on,
                o.full_members_on,
                o.probationary_members_on,
            ]
            for o in drill.subjects.iterator()
        )
    log_export(
        by=request.user,
        object_type="coverage.drill_down",
        filters={
            "indicator": drill.indicator.code,
            "by": drill.by,
            "key": drill.key,
            "part": drill.part,
            "as_of": drill.as_of.isoformat(),
            "sort": drill.sort,
        },
        rows=drill.subjects.count(),
        file_format="csv",
        remote_addr=client_address(request),
    )
    filename = f"{drill.indicator.label}_{Part(drill.part).label}_{drill.as_of:%Y%m%d}.csv"
    return csv_response(filename=filename, header=header, rows=rows)


GAP_TITLE = "空白点台账"


def _gap_filters(request: AuthedRequest) -> RegisterFilterForm:
    """The register's search and filters (name, pinyin, code; township, recommendation, plan
    status, overdue), on the gap list too."""
    return RegisterFilterForm(request.GET, townships=registry_selectors.townships_for(user=request.user))


def _gaps(request: AuthedRequest, *, block: int = REGISTER_BATCH) -> tuple[GapForm, Iterator[RegisterRow] | None, str]:
    user = request.user
    _gate(user)
    form = GapForm(request.GET)
    as_of = form.as_of_or_today()
    by = (form.cleaned_data.get("by") if form.is_valid() else "") or Grouping.COUNTY
    key = (form.cleaned_data.get("key") if form.is_valid() else "") or ""
    filters = _gap_filters(request).to_filter()
    try:
        rows = selectors.iter_gap_rows(user=user, as_of=as_of, by=by, key=key, filters=filters, block=block)
        label = selectors.group_label(by=by, key=key) if key else user.scope_label
    except ValueError:
        raise Http404 from None
    except NoPolicyInForce as exc:
        messages.error(request, exc.message)
        return form, None, ""
    return form, rows, label


@require_GET
def gap_list(request: AuthedRequest) -> HttpResponse:
    form, found, label = _gaps(request, block=settings.PAGE_SIZE)  # a page reads only its rows' instances
    rows = list(found or [])
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    as_of = form.as_of_or_today()
    context = {
        "form": form,
        "as_of": as_of,
        "group_label": label,
        "page": page,
        "rows": page.object_list,
        "count": page.paginator.count,
        "overdue_count": sum(1 for r in rows if r.overdue),
        "filter_form": _gap_filters(request),
        "list_url": reverse("coverage:gap_list"),
        "export_url": reverse("coverage:gap_export"),
        "export_label": _("Excel(台账及乡镇汇总)"),
        "empty_label": _("没有空白点。"),
    }
    return _render(
        request, template="coverage/gap_list.html", partial="formation/_register_results.html", context=context
    )


@require_GET
def gap_export(request: AuthedRequest) -> HttpResponseBase:
    form, rows, label = _gaps(request)
    if rows is None:
        return redirect("coverage:gap_list")
    try:
        return register_export.register_response(
            by=request.user,
            rows=rows,
            unit=label,
            on=form.as_of_or_today(),
            title=GAP_TITLE,
            object_type="coverage.gaps",
            # What was read, as the forms cleaned it (never the raw query: a NUL there cannot be stored).
            filters={
                "as_of": form.as_of_or_today().isoformat(),
                **(
                    {k: form.cleaned_data[k] for k in ("by", "key") if form.cleaned_data.get(k)}
                    if form.is_valid()
                    else {}
                ),
                **_gap_filters(request).audit_filters(),
            },
            remote_addr=client_address(request),
        )
    except register_export.TooManyRows:
        messages.error(request, _("记录超过单次导出上限,请缩小范围后分批导出。"))
        return redirect("coverage:gap_list")
