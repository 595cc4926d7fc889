"""Pages of organization life. Thin: parse with a form, read through scoped selectors, write
through services. Every object named in a URL is fetched from a scoped queryset first, so an
object outside the user's scope answers 404 to every method; which roles may open or send to a
page is ``accounts/access.py``'s."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission
from liangxin.core.dates import today
from liangxin.core.errors import ServiceError
from liangxin.core.forms import YearFilterForm
from liangxin.core.shortcuts import add_service_error, get_in_scope_or_404, refuse_method
from liangxin.registry.models import Member, PartyOrganization
from liangxin.registry.selectors import party_organization_townships_for
from liangxin.security import evidence as evidence_files

from . import compliance, selectors, services
from .forms import ActivityForm, AsOfForm, FileForm, activity_initial
from .models import Activity


class AuthedRequest(HttpRequest):
    user: User


def _can_record(user: User) -> bool:
    return user.can(Permission.RECORD_ORGANIZATION_LIFE)


def index(request: AuthedRequest) -> HttpResponse:
    """Who is behind: every party organization of the scope existing on the day, those that
    missed a rule or are at risk first, each with a link to its calendar."""
    if refused := refuse_method(request, "GET"):
        return refused
    form = AsOfForm(request.GET, townships=party_organization_townships_for(user=request.user))
    as_of = form.chosen_as_of()
    township = form.chosen_township()
    try:
        rows = selectors.standings_for(user=request.user, as_of=as_of, township=township)
        months = selectors.policy_in_force(on=as_of).at_risk_months
    except selectors.NoLifePolicy:
        rows, months = [], 0
    rows.sort(key=lambda s: (not s.at_risk, -len(s.missed), s.party_organization.township.code))
    context = {
        "form": form,
        "as_of": as_of,
        "rows": rows,
        "at_risk_months": months,
        "behind": sum(1 for s in rows if s.missed or s.at_risk),
        "at_risk": sum(1 for s in rows if s.at_risk),
    }
    return render(request, "orglife/index.html", context)


def _scoped_party(request: AuthedRequest, pk: int) -> PartyOrganization:
    return get_in_scope_or_404(selectors.party_organizations_for(user=request.user), pk=pk)


def calendar(request: AuthedRequest, pk: int) -> HttpResponse:
    """A party organization's compliance calendar of a year (rules × months or quarters) and its
    activities of that year."""
    party = _scoped_party(request, pk)
    if refused := refuse_method(request, "GET"):
        return refused
    now = today()
    form = YearFilterForm(request.GET)
    year = form.chosen_year()
    as_of = min(now, dt.date(year, 12, 31))
    try:
        (standing,) = selectors.standings(party_organizations=[party], as_of=as_of, year=year)
    except selectors.NoLifePolicy:
        standing = None
    activities = (
        selectors.activities_for(user=request.user)
        .filter(party_organization=party, held_on__year=year)
        .order_by("held_on")
    )
    context = {
        "party": party,
        "form": form,
        "year": year,
        "standing": standing,
        "rows": selectors.calendar(standing, year=year) if standing else [],
        "activities": activities.order_by("held_on", "pk"),
        "can_record": _can_record(request.user),
        "MET": compliance.MET,
        "MISSED": compliance.MISSED,
    }
    return render(request, "orglife/calendar.html", context)


def _activity_form(request: AuthedRequest, party: PartyOrganization, on: dt.date, **kwargs: Any) -> ActivityForm:
    members = Member.objects.filter(pk__in=[m.pk for m in selectors.roster(party_organization=party, on=on)])
    return ActivityForm(
        request.POST or None,
        types=selectors.activity_types(),
        members=members.order_by("name", "pk"),
        organizations=selectors.organizations_for(user=request.user),
        **kwargs,
    )


def _activity_data(party: PartyOrganization, form: ActivityForm) -> services.ActivityData:
    d = form.cleaned_data
    return services.ActivityData(
        party_organization=party,
        activity_type=d["activity_type"],
        held_on=d["held_on"],
        duration_minutes=d["duration_minutes"],
        place=d["place"],
        topic=d["topic"],
        content=d["content"],
        present=list(d["present"]),
        absent=d["absent"],
        guests=d["guest_rows"],
        held_in=d["held_in"],
        took_part=list(d["took_part"]),
    )


def activity_create(request: AuthedRequest, pk: int) -> HttpResponse:
    party = _scoped_party(request, pk)
    if refused := refuse_method(request, "GET", "POST"):
        return refused
    form = _activity_form(request, party, today())
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.record_activity(by=request.user, data=_activity_data(party, form))
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("组织生活已记录。"))
            return redirect(activity)
    return render(request, "orglife/activity_form.html", {"party": party, "form": form})


def activity_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """Correct a recorded activity (the roster offered is the one of its day)."""
    activity = _scoped_activity(request, pk)
    if refused := refuse_method(request, "GET", "POST"):
        return refused
    party = activity.party_organization
    # The recorded activity is read for the form a GET shows; a POST brings its own values.
    initial = (
        None
        if request.method == "POST"
        else activity_initial(services.recorded_data(activity), version=activity.version)
    )
    form = _activity_form(request, party, activity.held_on, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_activity(
                by=request.user,
                activity=activity,
                data=_activity_data(party, form),
                version=form.cleaned_data.get("version"),
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("组织生活记录已修改。"))
            return redirect(activity)
    return render(request, "orglife/activity_form.html", {"party": party, "form": form, "activity": activity})


def _scoped_activity(request: AuthedRequest, pk: int) -> Activity:
    return get_in_scope_or_404(selectors.activities_for(user=request.user), pk=pk)


def _detail(request: AuthedRequest, activity: Activity, file_form: FileForm | None = None) -> HttpResponse:
    can_record = _can_record(request.user)
    context = {
        "activity": activity,
        "attendance": activity.attendance.select_related("member").order_by("-present", "member__name"),
        "guests": activity.guests.order_by("pk"),
        "organizations": activity.organizations.select_related("organization").order_by("involvement", "pk"),
        "files": activity.files.order_by("pk"),
        "file_form": (file_form or FileForm()) if can_record else None,
        "can_record": can_record,
    }
    return render(request, "orglife/activity_detail.html", context)


def activity_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    activity = _scoped_activity(request, pk)
    if refused := refuse_method(request, "GET"):
        return refused
    return _detail(request, activity)


def activity_file_add(request: AuthedRequest, pk: int) -> HttpResponse:
    """A photo or file through the upload gate; a refused one is shown on the activity's page."""
    activity = _scoped_activity(request, pk)
    if refused := refuse_method(request, "POST"):
        return refused
    form = FileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_file(by=request.user, activity=activity, upload=form.cleaned_data["file"])
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("文件已上传。"))
            return redirect(activity)
    return _detail(request, activity, form)


def activity_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    activity = _scoped_activity(request, pk)
    if refused := refuse_method(request, "POST"):
        return refused
    party = activity.party_organization
    try:
        services.delete_activity(by=request.user, activity=activity)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(activity)
    messages.success(request, _("该条组织生活记录已删除。"))
    return redirect("orglife:calendar", pk=party.pk)


def file_export(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """A photo or file of an activity, as a download (never shown inline), audited like an export."""
    row = get_in_scope_or_404(selectors.files_for(user=request.user), pk=pk)
    if refused := refuse_method(request, "GET"):
        return refused
    return evidence_files.download(
        request,
        field_file=row.file,
        name=row.name,
        kind=row.kind,
        object_type="orglife.activityfile",
        filters={"activity": row.activity_id, "file": row.name},
    )


def dissolved(request: AuthedRequest) -> HttpResponse:
    """刚建了、又散了: party organizations dissolved within the policy's years of their founding,
    by township and year of dissolution, each with its reason."""
    if refused := refuse_method(request, "GET"):
        return refused
    form = AsOfForm(request.GET)  # the whole scope, by township: no township to choose
    as_of = form.chosen_as_of()
    try:
        years, rows = selectors.dissolved_soon_for(user=request.user, as_of=as_of)
    except selectors.NoLifePolicy:
        years, rows = 0, []
    columns, table = selectors.dissolved_soon_table(rows)
    context = {
        "form": form,
        "as_of": as_of,
        "years": years,
        "rows": rows,
        "columns": columns,
        "table": table,
        "founded": selectors.party_organizations_for(user=request.user).filter(founded_on__lte=as_of).count(),
        "calendar_url": reverse("orglife:index"),
    }
    return render(request, "orglife/dissolved.html", context)
