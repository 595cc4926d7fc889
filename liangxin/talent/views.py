"""Pages of the talent pool. Thin: forms parse, scoped selectors read, services write. Every object
in a URL comes from a scoped queryset first (404 outside the scope, before the method is looked
at); the role × page rules (``accounts/access.py``) answer 403 before a view runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission
from liangxin.core.clients import client_address
from liangxin.core.errors import ServiceError
from liangxin.core.export import xlsx_response
from liangxin.core.shortcuts import add_service_error, get_in_scope_or_404, refuse_method
from liangxin.registry.services import log_export

from . import selectors, services
from .forms import EndForm, InstructorAssignForm, PoolEntryForm, PoolFilterForm, PostAssignForm
from .models import InstructorAssignment, PoolEntry, PostAssignment


class AuthedRequest(HttpRequest):
    user: User


def _filtered(request: AuthedRequest) -> tuple[PoolFilterForm, Any]:
    form = PoolFilterForm(request.GET, townships=selectors.townships_for(user=request.user))
    data = form.values()
    filters = selectors.PoolFilter(
        q=data.get("q", ""),
        township=data["township"].pk if data.get("township") else None,
        availability=data.get("availability", ""),
        assigned=data.get("assigned", ""),
        to_complete=bool(data.get("to_complete")),
    )
    return form, selectors.pool(user=request.user, filters=filters)


@require_GET
def pool(request: AuthedRequest) -> HttpResponse:
    form, rows = _filtered(request)
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    entries = list(page.object_list)
    labels = selectors.current_assignments(user=request.user, entries=entries)
    return render(
        request,
        "talent/pool.html",
        {
            "form": form,
            "page": page,
            "rows": [(entry, labels[entry.pk]) for entry in entries],
            "count": page.paginator.count,
            "query": request.GET.urlencode(),
            "may_edit": request.user.can(Permission.EDIT_ORGANIZATIONS),
        },
    )


EXPORT_HEADER = [
    "姓名", "所属乡镇", "公民身份号码", "出生年份", "是否党员", "专长", "可派情况", "当前任职", "来源", "待完善",
]  # fmt: skip
_EXPORT_BATCH = 500


@require_GET
def pool_export(request: AuthedRequest) -> HttpResponseBase:
    """The filtered pool as a workbook, streamed a batch of entries at a time; ID numbers masked."""
    form, rows = _filtered(request)
    count = rows.count()
    if count > settings.EXPORT_MAX_ROWS:
        messages.error(request, _("记录超过单次导出上限,请缩小筛选范围后分批导出。"))
        return redirect("talent:pool")
    log_export(
        by=request.user,
        object_type="talent.pool",
        filters={k: str(v) for k, v in form.values().items() if v},
        rows=count,
        file_format="xlsx",
        remote_addr=client_address(request),
    )

    def data() -> Any:
        last = None
        while True:
            batch = list((rows.filter(pk__gt=last) if last else rows).order_by("pk")[:_EXPORT_BATCH])
            if not batch:
                return
            labels = selectors.current_assignments(user=request.user, entries=batch)
            for entry in batch:
                masked = entry.member.id_number_masked if entry.member else entry.id_number_masked
                yield [
                    entry.name, entry.township.name, masked, entry.birth_year or "",
                    "是" if entry.member_id else "否", entry.skills, entry.get_availability_display(),
                    ";".join(labels[entry.pk]), entry.get_origin_display(), "是" if entry.to_complete else "否",
                ]  # fmt: skip
            last = batch[-1].pk

    return xlsx_response(filename="党务工作人才库.xlsx", sheet_title="人才库", header=EXPORT_HEADER, rows=data())


def _entry(request: AuthedRequest, pk: int) -> PoolEntry:
    return get_in_scope_or_404(selectors.entries_for(user=request.user).select_related("township", "member"), pk=pk)


def _entry_page(request: AuthedRequest, entry: PoolEntry, *, revealed: str = "") -> HttpResponse:
    instructors, posts = selectors.entry_assignments(user=request.user, entry=entry)
    return render(
        request,
        "talent/entry_detail.html",
        {
            "entry": entry,
            "masked": entry.member.id_number_masked if entry.member else entry.id_number_masked,
            "instructors": instructors,
            "posts": posts,
            "revealed": revealed,
            "may_reveal": services.may_reveal_id_number(user=request.user, entry=entry),
            "may_edit": request.user.can(Permission.EDIT_ORGANIZATIONS),
        },
    )


@require_GET
def entry_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _entry_page(request, _entry(request, pk))


def entry_reveal_id_number(request: AuthedRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    if refused := refuse_method(request, "POST"):
        return refused
    try:
        number = services.reveal_id_number(by=request.user, entry=entry, remote_addr=client_address(request))
    except ServiceError as exc:
        raise PermissionDenied(exc.message) from exc
    if not request.headers.get("HX-Request"):
        return _entry_page(request, entry, revealed=number)
    return render(request, "registry/_id_number.html", {"number": number})


def _form_page(request: AuthedRequest, form: Any, *, title: str, subject: str, back: str, submit: str) -> HttpResponse:
    return render(
        request,
        "mobility/form.html",  # the shared form page: title, fields, submit, back
        {"form": form, "title": title, "subject": subject, "back": back, "submit": submit},
    )


def _entry_form(request: AuthedRequest, entry: PoolEntry | None) -> HttpResponse:
    kwargs: dict[str, Any] = {
        "townships": selectors.townships_for(user=request.user),
        "members": selectors.members_to_link(user=request.user),
    }
    initial = {}
    if entry is not None:
        initial = {
            "name": entry.name,
            "township": entry.township_id,
            "member": entry.member_id,
            "skills": entry.skills,
            "availability": entry.availability,
        }
    elif request.user.township_id:
        initial = {"township": request.user.township_id}
    form = PoolEntryForm(request.POST or None, initial=initial, **kwargs)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = services.EntryData(
            name=d["name"] or "",
            township=d["township"],
            member=d["member"],
            id_number=d["id_number"] or "",
            skills=d["skills"] or "",
            availability=d["availability"],
        )
        try:
            if entry is None:
                entry = services.add_entry(by=request.user, data=data)
                messages.success(request, _("已加入人才库。"))
            else:
                entry = services.update_entry(by=request.user, entry=entry, data=data)
                messages.success(request, _("人才库信息已保存。"))
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            return redirect(entry.get_absolute_url())
    return _form_page(
        request,
        form,
        title=_("编辑人才库人员") if entry else _("加入人才库"),
        subject=entry.name if entry else "",
        back=entry.get_absolute_url() if entry else reverse("talent:pool"),
        submit=_("保存"),
    )


def entry_create(request: AuthedRequest) -> HttpResponse:
    return _entry_form(request, None)


def entry_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    if refused := refuse_method(request, "GET", "POST"):
        return refused
    return _entry_form(request, entry)


def _post_form(
    request: AuthedRequest,
    form: Any,
    *,
    act: Callable[[dict[str, Any]], object],
    done: str,
    title: str,
    subject: str,
    back: str,
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            act(form.cleaned_data)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, done)
            return redirect(back)
    return _form_page(request, form, title=title, subject=subject, back=back, submit=_("保存"))


def instructor_assign(request: AuthedRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    if refused := refuse_method(request, "GET", "POST"):
        return refused
    form = InstructorAssignForm(
        request.POST or None, organizations=selectors.organizations_to_assign(user=request.user, entry=entry)
    )
    return _post_form(
        request,
        form,
        act=lambda d: services.assign_instructor(
            by=request.user,
            person=entry,
            organization=d["organization"],
            valid_from=d["valid_from"],
            method=d["method"],
            subsidy=d["subsidy"],
        ),
        done=_("已派驻党建工作指导员。"),
        title=_("派驻党建工作指导员"),
        subject=entry.name,
        back=entry.get_absolute_url(),
    )


def post_assign(request: AuthedRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    if refused := refuse_method(request, "GET", "POST"):
        return refused
    form = PostAssignForm(
        request.POST or None,
        party_organizations=selectors.party_organizations_to_assign(user=request.user, entry=entry),
    )
    return _post_form(
        request,
        form,
        act=lambda d: services.assign_post(
            by=request.user,
            person=entry,
            party_organization=d["party_organization"],
            post=d["post"],
            management_role=d["management_role"] or "",
            valid_from=d["valid_from"],
            method=d["method"],
            subsidy=d["subsidy"],
        ),
        done=_("任职已登记。"),
        title=_("党组织任职"),
        subject=entry.name,
        back=entry.get_absolute_url(),
    )


def _end(request: AuthedRequest, assignment: InstructorAssignment | PostAssignment, where: str) -> HttpResponse:
    if refused := refuse_method(request, "GET", "POST"):
        return refused
    form = EndForm(request.POST or None)
    return _post_form(
        request,
        form,
        act=lambda d: services.end_assignment(
            by=request.user, assignment=assignment, valid_to=d["valid_to"], reason=d["reason"]
        ),
        done=_("任职已结束。"),
        title=_("结束任职"),
        subject=f"{assignment.person.name} · {where}",
        back=assignment.person.get_absolute_url(),
    )


def instructor_end(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment = get_in_scope_or_404(
        selectors.instructor_assignments_for(user=request.user).select_related("person", "organization"), pk=pk
    )
    return _end(request, assignment, assignment.organization.name)


def post_end(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment = get_in_scope_or_404(
        selectors.post_assignments_for(user=request.user).select_related("person", "party_organization"), pk=pk
    )
    return _end(request, assignment, assignment.party_organization.name)
