"""Reads of the talent pool: every one takes the user and goes through ``scoping.py`` — except
``pool_matches``, the census import's lookup, which the import's own scope check precedes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from liangxin.accounts.models import User
from liangxin.geo.models import AdministrativeUnit, UnitLevel
from liangxin.registry.models import Member, Organization, PartyOrganization
from liangxin.registry.pickers import members_to_pick

from . import scoping
from .models import InstructorAssignment, PoolEntry, PostAssignment

_NAMES_PER_QUERY = 500


def pool_matches(keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """The pool entry each (township id, folded name — ``core.text.normalize_name``) stands for:
    the oldest entry of that name in that township; absent when there is none. The one matching
    rule of the census column 党建指导员 (``docs/talent-pool.md``)."""
    wanted = set(keys)
    found: dict[tuple[int, str], int] = {}
    names = sorted({name for _township, name in wanted})
    townships = {township for township, _name in wanted}
    for start in range(0, len(names), _NAMES_PER_QUERY):
        rows = (
            PoolEntry.objects.filter(township_id__in=townships, name_key__in=names[start : start + _NAMES_PER_QUERY])
            .order_by("-pk")
            .values_list("pk", "township_id", "name_key")
        )
        for pk, township_id, name_key in rows:
            if (township_id, name_key) in wanted:
                found[(township_id, name_key)] = pk  # read newest first: the oldest is written last
    return found


def entries_for(*, user: User) -> QuerySet[PoolEntry]:
    return PoolEntry.objects.filter(scoping.entry_scope(user))


def instructor_assignments_for(*, user: User) -> QuerySet[InstructorAssignment]:
    return scoping.instructor_assignments_in_scope(user)


def post_assignments_for(*, user: User) -> QuerySet[PostAssignment]:
    return scoping.post_assignments_in_scope(user)


def townships_for(*, user: User) -> QuerySet[AdministrativeUnit]:
    townships = AdministrativeUnit.objects.filter(level=UnitLevel.TOWNSHIP, valid_to__isnull=True)
    if user.township_id is not None:
        return townships.filter(pk=user.township_id)
    return townships


@dataclass(frozen=True)
class PoolFilter:
    q: str = ""
    township: int | None = None
    availability: str = ""
    assigned: str = ""  # "yes": holds an open assignment; "no": holds none
    to_complete: bool = False


def pool(*, user: User, filters: PoolFilter) -> QuerySet[PoolEntry]:
    """The pool in the user's scope, filtered, with each entry's open assignments counted."""
    rows = entries_for(user=user).select_related("township", "member")
    if filters.q:
        rows = rows.filter(Q(name__icontains=filters.q) | Q(skills__icontains=filters.q))
    if filters.township:
        rows = rows.filter(township_id=filters.township)
    if filters.availability:
        rows = rows.filter(availability=filters.availability)
    if filters.to_complete:
        rows = rows.filter(to_complete=True)
    rows = rows.annotate(
        open_instructor=Count(
            "instructor_assignments", filter=Q(instructor_assignments__valid_to__isnull=True), distinct=True
        ),
        open_posts=Count("post_assignments", filter=Q(post_assignments__valid_to__isnull=True), distinct=True),
    )
    if filters.assigned == "yes":
        rows = rows.filter(Q(open_instructor__gt=0) | Q(open_posts__gt=0))
    elif filters.assigned == "no":
        rows = rows.filter(open_instructor=0, open_posts=0)
    return rows.order_by("township__code", "name", "pk")


def current_assignments(*, user: User, entries: Iterable[PoolEntry]) -> dict[int, list[str]]:
    """Each entry's open assignments in the user's scope (as ``entry_assignments`` shows them) as
    short labels (the organization or party organization and the post), in two queries whatever
    the number of entries."""
    ids = [entry.pk for entry in entries]
    labels: dict[int, list[str]] = {pk: [] for pk in ids}
    for person_id, name in (
        instructor_assignments_for(user=user)
        .filter(person_id__in=ids, valid_to__isnull=True)
        .order_by("organization__name")
        .values_list("person_id", "organization__name")
    ):
        labels[person_id].append(f"{name}(指导员)")
    for assignment in (
        post_assignments_for(user=user)
        .filter(person_id__in=ids, valid_to__isnull=True)
        .select_related("party_organization")
        .order_by("party_organization__name")
    ):
        labels[assignment.person_id].append(f"{assignment.party_organization.name}({assignment.get_post_display()})")
    return labels


def entry_assignments(*, user: User, entry: PoolEntry) -> tuple[list[InstructorAssignment], list[PostAssignment]]:
    """An entry's assignments, open first then the most recent. A department clerk sees those in
    its own scope only."""
    instructors = (
        instructor_assignments_for(user=user)
        .filter(person=entry)
        .select_related("organization")
        .order_by("-valid_to", "-valid_from", "-pk")
    )
    posts = (
        post_assignments_for(user=user)
        .filter(person=entry)
        .select_related("party_organization")
        .order_by("-valid_to", "-valid_from", "-pk")
    )
    open_first = lambda a: (a.valid_to is not None, -a.valid_from.toordinal())  # noqa: E731
    return sorted(instructors, key=open_first), sorted(posts, key=open_first)


def organizations_to_assign(*, user: User, entry: PoolEntry) -> QuerySet[Organization]:
    """Where an instructor from this entry can go: the organizations of the entry's township in
    the user's scope."""
    return Organization.objects.restrict(user).filter(township_id=entry.township_id, merged_into__isnull=True)


def party_organizations_to_assign(*, user: User, entry: PoolEntry) -> QuerySet[PartyOrganization]:
    return PartyOrganization.objects.restrict(user).filter(township_id=entry.township_id, dissolved_on__isnull=True)


def members_to_link(*, user: User) -> QuerySet[Member]:
    """The members an entry may be linked to: those the member picker offers."""
    return members_to_pick(user=user)
