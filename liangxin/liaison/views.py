"""Pages of liaison points, demonstration points and the joint meeting. Thin: parse with a form,
read through scoped selectors, write through services; an object named in a URL is fetched from a
scoped queryset first (404 outside the scope). Every export is audited (``core.audited_export``)."""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from liangxin.accounts import access
from liangxin.accounts.models import User
from liangxin.core.audited_export import audited_workbook
from liangxin.core.errors import ServiceError
from liangxin.core.export import Cell, XlsxBook, write_table
from liangxin.core.shortcuts import add_service_error, get_in_scope_or_404, refuse_method
from liangxin.geo.models import Department
from liangxin.registry import pickers
from liangxin.registry.models import Organization
from liangxin.registry.selectors import townships_for

from . import selectors, services
from .forms import DemonstrationForm, FilterForm, JointUnitForm, PointForm, VisitForm
from .models import LiaisonPoint


class AuthedRequest(HttpRequest):
    user: User


def _filter(request: AuthedRequest, *, with_year: bool = False) -> FilterForm:
    return FilterForm(request.GET, townships=townships_for(user=request.user), with_year=with_year)


def _may_write(request: AuthedRequest, view_name: str) -> bool:
    return access.may_open(request.user.role, view_name, "POST")


def _organizations(request: AuthedRequest) -> QuerySet[Organization]:
    return pickers.organizations_to_pick(user=request.user)


def _township_filter(form: FilterForm) -> dict[str, object]:
    township = form.chosen_township()
    return {"township": township.pk if township else None}


# --- Liaison points --------------------------------------------------------------------------------


@require_GET
def index(request: AuthedRequest) -> HttpResponse:
    form = _filter(request)
    points = selectors.points_for(user=request.user, township=form.chosen_township())
    return render(
        request,
        "liaison/index.html",
        {"form": form, "points": points, "may_create": _may_write(request, "liaison:point_create")},
    )


@require_http_methods(["GET", "POST"])
def point_create(request: AuthedRequest) -> HttpResponse:
    form = PointForm(request.POST or None, organizations=_organizations(request))
    if request.method == "POST" and form.is_valid():
        try:
            point = services.create_point(by=request.user, data=services.PointData(**form.cleaned_data))
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("联系点已建立。"))
            return redirect(point.get_absolute_url())
    return render(request, "liaison/point_form.html", {"form": form})


def point_detail(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """A point and its visits; its keeper records a visit here (POST)."""
    point: LiaisonPoint = get_in_scope_or_404(selectors.points_for(user=request.user), pk=pk)
    if refused := refuse_method(request, "GET", "POST"):
        return refused
    kept = LiaisonPoint.objects.filter(selectors.kept_points_scope(request.user), pk=point.pk).exists()
    form = VisitForm(request.POST or None) if kept else None
    if request.method == "POST":
        if form is None:
            messages.error(request, _("这个联系点不由您所在单位管理,不能记录走访。"))
            return redirect(point.get_absolute_url())
        if form.is_valid():
            try:
                services.record_visit(by=request.user, point=point, data=services.VisitData(**form.cleaned_data))
            except ServiceError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("走访记录已保存。"))
                return redirect(point.get_absolute_url())
    return render(
        request,
        "liaison/point_detail.html",
        {"point": point, "visits": selectors.visits_of(point=point), "form": form},
    )


POINT_HEADER = ["乡镇(街道)", "联系领导", "领导职务", "联系的两新组织", "建立单位", "建立日期", "走访次数", "最近走访"]
VISIT_HEADER = ["乡镇(街道)", "联系领导", "联系的两新组织", "走访日期", "参加人员", "开展的工作"]


@require_GET
def point_export(request: AuthedRequest) -> HttpResponseBase:
    form = _filter(request)
    township = form.chosen_township()
    points = selectors.points_for(user=request.user, township=township)
    visits = selectors.visits_for(user=request.user, township=township)

    def point_rows() -> Iterator[list[Cell]]:
        for p in points.iterator():
            holder = p.township.name if p.township else _("县级")
            yield [
                p.organization.township.name,
                p.leader_name,
                p.leader_position,
                p.organization.name,
                holder,
                p.started_on,
                getattr(p, "visit_count", 0),  # annotated by the selector
                getattr(p, "last_visit", None),
            ]

    def visit_rows() -> Iterator[list[Cell]]:
        for v in visits.iterator():
            organization = v.point.organization
            yield [
                organization.township.name,
                v.point.leader_name,
                organization.name,
                v.visited_on,
                v.visitors,
                v.activity,
            ]

    def write(book: XlsxBook) -> None:
        write_table(book, sheet_title="联系点", header=POINT_HEADER, rows=point_rows())
        write_table(book, sheet_title="走访记录", header=VISIT_HEADER, rows=visit_rows())

    return audited_workbook(
        request,
        object_type="liaison.point",
        filters=_township_filter(form),
        rows=points.count() + visits.count(),
        filename="联系点",
        write=write,
    )


# --- Demonstration points --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def demonstrations(request: AuthedRequest) -> HttpResponse:
    """The demonstration points by year; the county administrator names one here (POST)."""
    filters = _filter(request, with_year=True)
    may_name = _may_write(request, "liaison:demonstrations")
    form = DemonstrationForm(request.POST or None, organizations=_organizations(request)) if may_name else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.name_demonstration_point(by=request.user, data=services.DemonstrationData(**form.cleaned_data))
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("示范点已命名。"))
            return redirect(reverse("liaison:demonstrations"))
    points = selectors.demonstrations_for(
        user=request.user, year=filters.chosen_year(), township=filters.chosen_township()
    )
    return render(request, "liaison/demonstrations.html", {"filters": filters, "points": points, "form": form})


DEMONSTRATION_HEADER = ["年度", "乡镇(街道)", "两新组织", "命名理由", "命名单位"]


@require_GET
def demonstration_export(request: AuthedRequest) -> HttpResponseBase:
    form = _filter(request, with_year=True)
    points = selectors.demonstrations_for(user=request.user, year=form.chosen_year(), township=form.chosen_township())

    def rows() -> Iterator[list[Cell]]:
        for p in points.iterator():
            yield [p.year, p.organization.township.name, p.organization.name, p.reason, p.named_by]

    def write(book: XlsxBook) -> None:
        write_table(book, sheet_title="示范点", header=DEMONSTRATION_HEADER, rows=rows())

    return audited_workbook(
        request,
        object_type="liaison.demonstration_point",
        filters=_township_filter(form) | {"year": form.chosen_year()},
        rows=points.count(),
        filename="示范点",
        write=write,
    )


# --- The joint meeting -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def joint_meeting(request: AuthedRequest) -> HttpResponse:
    """The joint meeting's member units and their duties; the county administrator adds a unit or
    changes one's duties here (POST)."""
    filters = _filter(request)
    may_edit = _may_write(request, "liaison:joint_meeting")
    departments = Department.objects.filter(is_active=True).order_by("code")
    form = JointUnitForm(request.POST or None, departments=departments) if may_edit else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.save_joint_unit(by=request.user, data=services.JointUnitData(**form.cleaned_data))
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("联席会议成员单位已保存。"))
            return redirect(reverse("liaison:joint_meeting"))
    units = selectors.joint_units_for(user=request.user, township=filters.chosen_township())
    return render(
        request,
        "liaison/joint_meeting.html",
        {"filters": filters, "units": units, "form": form, "township": filters.chosen_township()},
    )


JOINT_HEADER = ["成员单位", "牵头单位", "职责", "联络员", "联系电话", "主管的两新组织数"]


@require_GET
def joint_meeting_export(request: AuthedRequest) -> HttpResponseBase:
    form = _filter(request)
    units = selectors.joint_units_for(user=request.user, township=form.chosen_township())

    def rows() -> Iterator[list[Cell]]:
        for u in units.iterator():
            yield [
                u.department.name,
                u.is_lead,
                u.duties,
                u.contact_person,
                u.contact_phone,
                getattr(u, "supervised", 0),
            ]

    def write(book: XlsxBook) -> None:
        write_table(book, sheet_title="联席会议成员单位", header=JOINT_HEADER, rows=rows())

    return audited_workbook(
        request,
        object_type="liaison.joint_meeting_unit",
        filters=_township_filter(form),
        rows=units.count(),
        filename="联席会议成员单位",
        write=write,
    )
