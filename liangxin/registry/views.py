"""Pages of the register. Thin: parse with a form, read through scoped selectors, write through
services. Every object named in a URL is fetched from a scoped queryset, so an object outside the
user's scope answers 404 exactly like a missing one; a role that may not act at all gets 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.middleware import HtmxDetails

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission
from liangxin.audit.models import AuditRecord
from liangxin.census import template as census_template
from liangxin.core.clients import client_address
from liangxin.core.dates import today
from liangxin.core.errors import ConflictError, ServiceError
from liangxin.core.export import Cell, csv_response, xlsx_response
from liangxin.core.masking import mask_phone
from liangxin.core.shortcuts import get_in_scope_or_404
from liangxin.core.views import picker_options
from liangxin.formation import services as formation_services
from liangxin.mobility import selectors as mobility_selectors

from . import pickers, selectors, services, tables
from .choices import OperatingStatus
from .forms import (
    DeregisterForm,
    DissolveForm,
    ExportFormatForm,
    FactsForm,
    MemberFilterForm,
    MergeConfirmForm,
    MergeSearchForm,
    OrganizationCreateForm,
    OrganizationEditForm,
    OrganizationFilterForm,
    OrganizationForm,
    PartyOrganizationFilterForm,
)
from .models import Member, Organization, PartyOrganization

M = TypeVar("M", bound=Model)
StrOrPromise = str | Promise


class AuthedRequest(HttpRequest):
    """What the middleware guarantees on every page here: a logged-in user and htmx details."""

    user: User
    htmx: HtmxDetails


# --- Helpers ---------------------------------------------------------------------------------


def _require(user: User, permission: Permission) -> None:
    if not user.can(permission):
        raise PermissionDenied(_("您的角色无权进行此操作。"))


def _add_service_error(form: Form, exc: ServiceError) -> None:
    """Show a refused change on the field it names, or above the form if it names none."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def _refuse_method(request: HttpRequest, *allowed: str) -> HttpResponseNotAllowed | None:
    """Views naming an object check the method only after the scoped lookup, so that an object
    outside the scope answers 404 to any method, never a 405 that would confirm it exists."""
    if request.method in allowed:
        return None
    return HttpResponseNotAllowed(allowed)


def _is_partial(request: AuthedRequest) -> bool:
    # A history restore after a cache miss asks for the whole page, not the fragment.
    return bool(request.htmx) and not request.htmx.history_restore_request


def _render_list(request: AuthedRequest, *, template: str, partial: str, context: dict[str, Any]) -> HttpResponse:
    partial_only = _is_partial(request)
    response = render(request, partial if partial_only else template, context | {"is_htmx": partial_only})
    # The same URL answers a page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


def _page(request: HttpRequest, queryset: QuerySet[M]) -> Page[M]:
    return Paginator(queryset, settings.PAGE_SIZE).get_page(request.GET.get("page"))


def _list_context(
    *,
    table: tables.Table[Any],
    page: Page[Any],
    sort: str,
    sorts: Mapping[str, object],
    list_url: str,
    export_url: str,
    form: Form,
) -> dict[str, Any]:
    return {
        "form": form,
        "page": page,
        "count": page.paginator.count,
        "header": table.html_header(current_sort=sort, sorts=sorts),
        "rows": table.html_rows(page.object_list),
        "sort": sort,
        "list_url": list_url,
        "export_url": export_url,
    }


class _ExportRows(Protocol):
    """How an export turns its queryset into a header and rows: a list table's export columns, or
    (for organizations) the census template's row iterator."""

    def export_header(self) -> list[str]: ...

    def export_queryset_rows(self, queryset: QuerySet[Any]) -> Iterable[Sequence[Cell]]: ...


class _CensusTemplateRows:
    """The register in the census template's columns, so that a downloaded list re-imports as
    "0 changes" (``liangxin.census.template``)."""

    def export_header(self) -> list[str]:
        return census_template.template_header()

    def export_queryset_rows(self, queryset: QuerySet[Any]) -> Iterable[Sequence[Cell]]:
        return census_template.template_rows(queryset)


def _export(
    request: AuthedRequest,
    *,
    queryset: QuerySet[Any],
    table: tables.Table[Any] | _ExportRows,
    title: str,
    object_type: str,
    filters: dict[str, object],
    back_url: str,
) -> HttpResponseBase:
    """The filtered rows as XLSX (default) or CSV; refused above EXPORT_MAX_ROWS; audited."""
    file_format = ExportFormatForm(request.GET).file_format()
    if file_format is None:
        return HttpResponseBadRequest(_("不支持的导出格式。"))
    rows = queryset.count()
    if rows > settings.EXPORT_MAX_ROWS:
        messages.error(
            request,
            _("符合条件的记录有 %(rows)s 条,超过单次导出上限 %(limit)s 条,请缩小筛选范围后分批导出。")
            % {"rows": rows, "limit": settings.EXPORT_MAX_ROWS},
        )
        query = request.GET.copy()
        query.pop("format", None)
        return redirect(f"{back_url}?{query.urlencode()}" if query else back_url)
    services.log_export(
        by=request.user,
        object_type=object_type,
        filters=filters,
        rows=rows,
        file_format=file_format,
        remote_addr=client_address(request),
    )
    filename = f"{title}_{today():%Y%m%d}.{file_format}"
    lines: Iterable[Sequence[Cell]]
    if isinstance(table, tables.Table):
        lines = table.export_rows(queryset.iterator(chunk_size=2000))
    else:
        lines = table.export_queryset_rows(queryset)
    if file_format == "csv":
        return csv_response(filename=filename, header=table.export_header(), rows=lines)
    return xlsx_response(filename=filename, sheet_title=title, header=table.export_header(), rows=lines)


class _FilterForm(Protocol):
    def to_filter(self) -> Any: ...

    def audit_filters(self) -> dict[str, object]: ...


@dataclass(frozen=True)
class _RegisterList:
    """One register list: its page and its export read the same filter form and scoped query."""

    name: str  # URL names registry:<name>_list and registry:<name>_export
    title: StrOrPromise
    object_type: str
    template: str
    table: tables.Table[Any]
    sorts: Mapping[str, object]
    form: Callable[[AuthedRequest], _FilterForm]
    rows: Callable[..., QuerySet[Any]]  # a selector: (user=, filters=) -> scoped queryset
    export_rows: tables.Table[Any] | _ExportRows | None = None  # default: the table's export columns


def _list_page(request: AuthedRequest, spec: _RegisterList, **extra: Any) -> HttpResponse:
    form = spec.form(request)
    filters = form.to_filter()
    page = _page(request, spec.rows(user=request.user, filters=filters))
    context = _list_context(
        table=spec.table,
        page=page,
        sort=filters.sort,
        sorts=spec.sorts,
        list_url=reverse(f"registry:{spec.name}_list"),
        export_url=reverse(f"registry:{spec.name}_export"),
        form=cast(Form, form),
    )
    return _render_list(request, template=spec.template, partial="registry/_list_results.html", context=context | extra)


def _list_export(request: AuthedRequest, spec: _RegisterList) -> HttpResponseBase:
    form = spec.form(request)
    return _export(
        request,
        queryset=spec.rows(user=request.user, filters=form.to_filter()),
        table=spec.export_rows or spec.table,
        title=str(spec.title),
        object_type=spec.object_type,
        filters=form.audit_filters(),
        back_url=reverse(f"registry:{spec.name}_list"),
    )


def _scoped_organization(request: AuthedRequest, pk: int) -> Organization:
    return get_in_scope_or_404(selectors.organizations_for(user=request.user), pk=pk)


def _organization_form_choices(user: User, organization: Organization | None = None) -> dict[str, Any]:
    townships = selectors.editable_townships_for(user=user)
    return {
        "townships": townships,
        "villages": selectors.villages_in(townships=townships),
        "departments": selectors.assignable_departments(
            current=organization.department_id if organization is not None else None
        ),
    }


# --- Organizations ---------------------------------------------------------------------------


def _organization_filter_form(request: AuthedRequest) -> OrganizationFilterForm:
    return OrganizationFilterForm(
        request.GET,
        townships=selectors.townships_for(user=request.user),
        departments=selectors.departments_for(user=request.user),
    )


_ORGANIZATIONS = _RegisterList(
    name="organization",
    title=gettext_lazy("两新组织"),
    object_type="registry.organization",
    template="registry/organization_list.html",
    table=tables.ORGANIZATION_TABLE,
    sorts=selectors.SORTS,
    form=_organization_filter_form,
    rows=selectors.organization_list,
    # The census template's columns: a clerk can correct the download and import it again, and an
    # unedited download imports as "0 changes".
    export_rows=_CensusTemplateRows(),
)


@require_GET
def organization_list(request: AuthedRequest) -> HttpResponse:
    return _list_page(request, _ORGANIZATIONS, can_create=request.user.can(Permission.EDIT_ORGANIZATIONS))


@require_GET
def organization_export(request: AuthedRequest) -> HttpResponseBase:
    return _list_export(request, _ORGANIZATIONS)


def _import_records(organization: Organization, limit: int = 200) -> list[tables.ChangeRecord]:
    """The imports that changed the organization (census files and campaign approvals, which
    import through a census batch), for its 变更记录 beside the audit trail of its own edits:
    each names its batch, links to it, and says when it was reverted."""
    from liangxin.campaigns.models import Submission
    from liangxin.census.models import BatchStatus, ChangeKind, ImportChange

    changes = list(
        ImportChange.objects.filter(organization=organization, batch__applied_at__isnull=False)
        .select_related("batch", "batch__created_by")
        .order_by("-batch__applied_at", "-pk")[:limit]
    )
    campaigns = dict(
        Submission.objects.filter(register_batch_id__in=[c.batch_id for c in changes]).values_list(
            "register_batch_id", "campaign__name"
        )
    )
    records = []
    for change in changes:
        batch = change.batch
        campaign = campaigns.get(batch.pk)
        if campaign:
            action = _("摸底审核通过(%(campaign)s,导入批次 #%(n)d)") % {"campaign": campaign, "n": batch.pk}
        else:
            action = _("摸底表导入(批次 #%(n)d,%(file)s)") % {"n": batch.pk, "file": batch.file_name}
        if batch.status == BatchStatus.REVERTED:
            action += _(",已撤销")
        records.append(
            tables.ChangeRecord(
                at=batch.applied_at or batch.created_at,
                actor_username=batch.created_by.get_username() if batch.created_by else "",
                action=action,
                # A new organization's batch row keeps no values (they are the record itself).
                changes=(
                    {str(_("结果")): str(_("新登记"))}
                    if change.kind == ChangeKind.NEW
                    else tables.before_after(change.before, change.after)
                ),
                link=batch.get_absolute_url(),
            )
        )
    return records


def organization_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    try:
        organization = _scoped_organization(request, pk)
    except Http404:
        # An old link to a merged duplicate leads to the record that was kept.
        merged = selectors.merged_organization_for(user=user, pk=pk)
        if merged is None or merged.merged_into_id is None:
            raise
        messages.info(request, _("该记录已与另一条记录合并,现显示保留的记录。"))
        return redirect("registry:organization_detail", pk=merged.merged_into_id)
    if refused := _refuse_method(request, "GET"):
        return refused

    facts = selectors.current_facts(organization=organization)
    roster = selectors.roster_counts(organization=organization)
    coverages = list(selectors.coverages_of(organization=organization))
    visible_party_orgs = selectors.party_organization_ids_in_scope(
        user=user, ids={c.party_organization_id for c in coverages}
    )
    members = selectors.with_affiliations(selectors.members_employed_by(organization=organization, user=user))
    records: list[AuditRecord | tables.ChangeRecord] = [
        *selectors.organization_audit_trail(organization=organization)[:200],
        *_import_records(organization),
    ]
    records.sort(key=lambda r: r.at, reverse=True)
    unit_ids, department_ids = tables.referenced_ids(records)
    context = {
        "organization": organization,
        "facts": facts,
        "roster": roster,
        "roster_mismatch": facts is not None
        and (roster.full != facts.full_members or roster.probationary != facts.probationary_members),
        "coverages": coverages,
        "visible_party_orgs": visible_party_orgs,
        "member_header": tables.MEMBER_TABLE.html_header(current_sort="", sorts={}),
        "member_rows": tables.MEMBER_TABLE.html_rows(members),
        "facts_history": selectors.organization_facts_history(organization=organization),
        "history": tables.change_history(
            records,
            unit_names=selectors.unit_names(ids=unit_ids),
            department_names=selectors.department_names(ids=department_ids),
        ),
        "is_deregistered": facts is not None and facts.operating_status == OperatingStatus.DEREGISTERED,
        "can_edit": user.can(Permission.EDIT_ORGANIZATIONS),
        "can_merge": user.can(Permission.MERGE_ORGANIZATIONS),
    }
    return render(request, "registry/organization_detail.html", context)


def organization_member_export(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """The organization's roster of members (masked ID numbers), as the detail page shows it."""
    organization = _scoped_organization(request, pk)
    if refused := _refuse_method(request, "GET"):
        return refused
    members = selectors.with_affiliations(selectors.members_employed_by(organization=organization, user=request.user))
    return _export(
        request,
        queryset=members,
        table=tables.MEMBER_TABLE,
        title=_("%(name)s党员名册") % {"name": organization.name},
        object_type="registry.member",
        filters={"organization": organization.pk},
        back_url=organization.get_absolute_url(),
    )


@require_http_methods(["GET", "POST"])
def organization_create(request: AuthedRequest) -> HttpResponse:
    user = request.user
    _require(user, Permission.EDIT_ORGANIZATIONS)
    choices = _organization_form_choices(user)
    if request.method == "POST":
        form = OrganizationCreateForm(request.POST, **choices)
        if form.is_valid():
            try:
                organization = services.create_organization(
                    by=user,
                    data=form.organization_data(),
                    facts=form.facts_data(),
                    as_of=form.cleaned_data["valid_from"],
                )
            except ServiceError as exc:
                _add_service_error(form, exc)
            else:
                messages.success(request, _("已登记“%(name)s”。") % {"name": organization.name})
                return redirect(organization)
    else:
        initial: dict[str, Any] = {}
        if choices["townships"].count() == 1:
            initial["township"] = choices["townships"].get()
        form = OrganizationCreateForm(initial=initial, **choices)
    return render(request, "registry/organization_form.html", {"form": form, "organization": None})


def organization_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    organization = _scoped_organization(request, pk)
    if refused := _refuse_method(request, "GET", "POST"):
        return refused
    _require(user, Permission.EDIT_ORGANIZATIONS)
    choices = _organization_form_choices(user, organization)
    conflict: list[tables.ConflictRow] = []
    conflicted: Organization | None = None  # the record as the other person saved it
    conflict_message = ""
    if request.method == "POST":
        form = OrganizationEditForm(request.POST, **choices)
        if form.is_valid():
            data = form.organization_data(former_names=list(organization.former_names))
            try:
                services.update_organization(
                    by=user, organization=organization, data=data, expected_version=form.cleaned_data["version"]
                )
            except ConflictError as exc:
                conflicted = _scoped_organization(request, pk)
                conflict = tables.conflict_rows(yours=data, theirs=conflicted)
                # The clerk's input stays in the form, now based on the current version: saving
                # again, after reading the other person's values, is a deliberate overwrite. The
                # page says so once, above the form (``exc.message`` and the table of differences),
                # and not again as a form error.
                conflict_message = exc.message
                resubmit = request.POST.copy()
                resubmit["version"] = str(conflicted.version)
                form = OrganizationEditForm(resubmit, **choices)
                form.is_valid()
            except ServiceError as exc:
                _add_service_error(form, exc)
            else:
                messages.success(request, _("已保存。"))
                return redirect(organization)
    else:
        form = OrganizationEditForm(initial=OrganizationForm.initial_from(organization), **choices)
    return render(
        request,
        "registry/organization_form.html",
        {
            "form": form,
            "organization": organization,
            "conflict": conflict,
            "conflicted": conflicted,
            "conflict_message": conflict_message,
        },
    )


def organization_facts(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    organization = _scoped_organization(request, pk)
    if refused := _refuse_method(request, "GET", "POST"):
        return refused
    _require(user, Permission.EDIT_ORGANIZATIONS)
    current = selectors.current_facts(organization=organization)
    if request.method == "POST":
        form = FactsForm(request.POST)
        if form.is_valid():
            try:
                row = services.record_facts(
                    by=user,
                    organization=organization,
                    facts=form.facts_data(),
                    valid_from=form.cleaned_data["valid_from"],
                )
            except ServiceError as exc:
                _add_service_error(form, exc)
            else:
                if current is not None and row.pk == current.pk:
                    messages.info(request, _("普查数据没有变化,未新增记录。"))
                else:
                    messages.success(request, _("已记录新的普查数据。"))
                return redirect(organization)
    else:
        form = FactsForm(initial=FactsForm.initial_from(current))
    return render(request, "registry/organization_facts.html", {"form": form, "organization": organization})


def organization_deregister(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    organization = _scoped_organization(request, pk)
    if refused := _refuse_method(request, "GET", "POST"):
        return refused
    _require(user, Permission.EDIT_ORGANIZATIONS)
    if request.method == "POST":
        form = DeregisterForm(request.POST)
        if form.is_valid():
            try:
                formation_services.deregister_organization(
                    by=user, organization=organization, on=form.cleaned_data["on"], reason=form.cleaned_data["reason"]
                )
            except ServiceError as exc:
                _add_service_error(form, exc)
            else:
                messages.success(request, _("“%(name)s”已注销。") % {"name": organization.name})
                return redirect(organization)
    else:
        form = DeregisterForm(initial={"on": today()})
    return render(request, "registry/organization_deregister.html", {"form": form, "organization": organization})


def organization_merge(request: AuthedRequest, pk: int) -> HttpResponse:
    """Two steps: find the duplicate by search, then confirm with both records side by side.
    The record of this page is kept; the chosen one is merged into it."""
    user = request.user
    organizations = selectors.organizations_for(user=user)
    organization = get_in_scope_or_404(organizations, pk=pk)
    if refused := _refuse_method(request, "GET", "POST"):
        return refused
    _require(user, Permission.MERGE_ORGANIZATIONS)

    if request.method == "POST":
        confirm = MergeConfirmForm(request.POST)
        if not confirm.is_valid():
            raise Http404
        duplicate = get_in_scope_or_404(organizations, pk=confirm.cleaned_data["duplicate"])
        try:
            services.merge_organizations(by=user, keep=organization, duplicate=duplicate)
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect("registry:organization_merge", pk=organization.pk)
        messages.success(
            request,
            _("已把“%(duplicate)s”合并入本记录,其党员、党组织覆盖和普查数据已转入。") % {"duplicate": duplicate.name},
        )
        return redirect(organization)

    duplicate_id = request.GET.get("duplicate")
    if duplicate_id:
        duplicate = get_in_scope_or_404(organizations, pk=duplicate_id)
        if duplicate.pk == organization.pk:
            messages.error(request, _("不能把组织合并到它自己。"))
            return redirect("registry:organization_merge", pk=organization.pk)
        sides = [
            {
                "organization": org,
                "roster": selectors.roster_counts(organization=org),
                "coverages": [c for c in selectors.coverages_of(organization=org) if c.valid_to is None],
            }
            for org in (organization, duplicate)
        ]
        return render(
            request,
            "registry/organization_merge_confirm.html",
            {
                "organization": organization,
                "duplicate": duplicate,
                "sides": sides,
                "form": MergeConfirmForm(initial={"duplicate": duplicate.pk}),
            },
        )

    search = MergeSearchForm(request.GET)
    q = search.cleaned_data["q"] if search.is_valid() else ""
    candidates = selectors.merge_candidates(user=user, organization=organization, q=q)
    return render(
        request,
        "registry/organization_merge.html",
        {"organization": organization, "search": search, "q": q, "candidates": candidates},
    )


# --- Party organizations ---------------------------------------------------------------------


def _party_organization_filter_form(request: AuthedRequest) -> PartyOrganizationFilterForm:
    return PartyOrganizationFilterForm(request.GET, townships=selectors.townships_for(user=request.user))


_PARTY_ORGANIZATIONS = _RegisterList(
    name="party_organization",
    title=gettext_lazy("党组织"),
    object_type="registry.partyorganization",
    template="registry/party_organization_list.html",
    table=tables.PARTY_ORGANIZATION_TABLE,
    sorts=selectors.PARTY_ORGANIZATION_SORTS,
    form=_party_organization_filter_form,
    rows=selectors.party_organization_list,
)


@require_GET
def party_organization_list(request: AuthedRequest) -> HttpResponse:
    return _list_page(request, _PARTY_ORGANIZATIONS)


@require_GET
def party_organization_export(request: AuthedRequest) -> HttpResponseBase:
    return _list_export(request, _PARTY_ORGANIZATIONS)


def _scoped_party_organization(request: AuthedRequest, pk: int) -> PartyOrganization:
    return get_in_scope_or_404(selectors.party_organizations_for(user=request.user), pk=pk)


def _party_organization_page(
    request: AuthedRequest, party_organization: PartyOrganization, *, dissolve_form: DissolveForm | None = None
) -> HttpResponse:
    user = request.user
    covered = selectors.covered_organizations(party_organization=party_organization, user=user)
    roster = selectors.with_affiliations(selectors.roster_of(party_organization=party_organization, user=user))
    can_edit = user.can(Permission.EDIT_ORGANIZATIONS)
    if dissolve_form is None and can_edit and party_organization.dissolved_on is None:
        dissolve_form = DissolveForm(initial={"dissolved_on": today()})
    context = {
        "party_organization": party_organization,
        "organization_header": tables.ORGANIZATION_TABLE.html_header(current_sort="", sorts={}),
        "organization_rows": tables.ORGANIZATION_TABLE.html_rows(covered),
        "ended_coverages": [
            c
            for c in selectors.coverages_of_party_organization(party_organization=party_organization, user=user)
            if c.valid_to is not None
        ],
        "member_header": tables.MEMBER_TABLE.html_header(current_sort="", sorts={}),
        "member_rows": tables.MEMBER_TABLE.html_rows(roster),
        "parent_visible": party_organization.parent_id is not None
        and bool(selectors.party_organization_ids_in_scope(user=user, ids=[party_organization.parent_id])),
        "can_edit": can_edit,
        "dissolve_form": dissolve_form,
    }
    return render(request, "registry/party_organization_detail.html", context)


def party_organization_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    party_organization = _scoped_party_organization(request, pk)
    if refused := _refuse_method(request, "GET"):
        return refused
    return _party_organization_page(request, party_organization)


def party_organization_dissolve(request: AuthedRequest, pk: int) -> HttpResponse:
    """ "刚建了、又散了": dissolution keeps the party organization, with its date and reason."""
    user = request.user
    party_organization = _scoped_party_organization(request, pk)
    if refused := _refuse_method(request, "POST"):
        return refused
    _require(user, Permission.EDIT_ORGANIZATIONS)
    form = DissolveForm(request.POST)
    if form.is_valid():
        try:
            services.dissolve_party_organization(
                by=user,
                party_organization=party_organization,
                on=form.cleaned_data["dissolved_on"],
                reason=form.cleaned_data["dissolution_reason"],
            )
        except ServiceError as exc:
            _add_service_error(form, exc)
        else:
            messages.success(request, _("“%(name)s”已撤销。") % {"name": party_organization.name})
            return redirect(party_organization)
    return _party_organization_page(request, party_organization, dissolve_form=form)


def party_organization_member_export(request: AuthedRequest, pk: int) -> HttpResponseBase:
    party_organization = _scoped_party_organization(request, pk)
    if refused := _refuse_method(request, "GET"):
        return refused
    roster = selectors.with_affiliations(selectors.roster_of(party_organization=party_organization, user=request.user))
    return _export(
        request,
        queryset=roster,
        table=tables.MEMBER_TABLE,
        title=_("%(name)s党员名册") % {"name": party_organization.name},
        object_type="registry.member",
        filters={"party_organization": party_organization.pk},
        back_url=party_organization.get_absolute_url(),
    )


# --- Members ---------------------------------------------------------------------------------


def _member_filter_form(request: AuthedRequest) -> MemberFilterForm:
    return MemberFilterForm(request.GET, townships=selectors.townships_for(user=request.user))


_MEMBERS = _RegisterList(
    name="member",
    title=gettext_lazy("党员"),
    object_type="registry.member",
    template="registry/member_list.html",
    table=tables.MEMBER_TABLE,
    sorts=selectors.MEMBER_SORTS,
    form=_member_filter_form,
    rows=selectors.member_list,
)


@require_GET
def member_list(request: AuthedRequest) -> HttpResponse:
    return _list_page(request, _MEMBERS)


@require_GET
def member_export(request: AuthedRequest) -> HttpResponseBase:
    return _list_export(request, _MEMBERS)


def _scoped_member(request: AuthedRequest, pk: int) -> Member:
    return get_in_scope_or_404(selectors.members_for(user=request.user), pk=pk)


def _member_page(request: AuthedRequest, member: Member, *, revealed: str | None = None) -> HttpResponse:
    user = request.user
    relations = list(selectors.relation_history(member=member))
    employments = list(selectors.employment_history(member=member))
    context = {
        "member": member,
        "relations": relations,
        "employments": employments,
        "visible_party_orgs": selectors.party_organization_ids_in_scope(
            user=user, ids={r.party_organization_id for r in relations}
        ),
        "visible_orgs": selectors.organization_ids_in_scope(user=user, ids={e.organization_id for e in employments}),
        "may_reveal": services.may_reveal_id_number(user=user, member=member),
        "revealed": revealed,
        # In full only for those who call members (township clerks, secretaries).
        "phone": member.phone if user.can(Permission.VIEW_FULL_PHONE) else mask_phone(member.phone),
        # The interface layer composes the app above the register: the member's open entry on the
        # mobile members' ledger, when the user may see it.
        "mobile_record": mobility_selectors.ledger_entry_for(user=user, member=member),
    }
    return render(request, "registry/member_detail.html", context)


def member_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    member = _scoped_member(request, pk)
    if refused := _refuse_method(request, "GET"):
        return refused
    return _member_page(request, member)


def member_reveal_id_number(request: AuthedRequest, pk: int) -> HttpResponse:
    """The full ID number, on an explicit request, audited by the service. With htmx only the
    number comes back in a fragment; without JavaScript the page is shown with it."""
    member = _scoped_member(request, pk)
    if refused := _refuse_method(request, "POST"):
        return refused
    try:
        number = services.reveal_id_number(by=request.user, member=member, remote_addr=client_address(request))
    except ServiceError as exc:
        raise PermissionDenied(exc.message) from exc
    if not _is_partial(request):
        return _member_page(request, member, revealed=number)
    return render(request, "registry/_id_number.html", {"number": number})


# --- Pickers: one organization or member chosen in a form by searching ------------------------------


@require_GET
def organization_pick(request: AuthedRequest) -> HttpResponse:
    return picker_options(request, pickers.ORGANIZATIONS, pickers.organizations_to_pick(user=request.user))


@require_GET
def member_pick(request: AuthedRequest) -> HttpResponse:
    return picker_options(request, pickers.MEMBERS, pickers.members_to_pick(user=request.user))
