"""Choosing one organization or member of the register in a form by searching for it
(``core.forms.PickerField``) rather than from a select of the whole scope: a county's 1,100
organizations made a select that alone cost a form page most of its 100 ms.

The rows offered are the user's scope, the same queryset for the form's check of the posted id and
for the search endpoint (``views.organization_pick``, ``views.member_pick``), so that the search
never offers what the form would refuse, nor anything outside the scope.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from liangxin.accounts.models import User
from liangxin.core.forms import Picker, PickOption
from liangxin.core.text import normalize_name

from .models import Member, Organization
from .selectors import search_condition, with_affiliations


def organizations_to_pick(*, user: User) -> QuerySet[Organization]:
    """The organizations a form may name: the user's, merged duplicates left out."""
    return Organization.objects.restrict(user).filter(merged_into__isnull=True)


def members_to_pick(*, user: User) -> QuerySet[Member]:
    return Member.objects.restrict(user)


def _organization(org: Organization) -> PickOption:
    return PickOption(org.pk, org.name, org.township.name)


def _member(member: Member) -> PickOption:
    where = getattr(member, "current_party_organization_name", None) or getattr(member, "current_employer_name", None)
    return PickOption(member.pk, member.name, where or "")


ORGANIZATIONS = Picker(
    url_name="registry:organization_pick",
    match=search_condition,  # the organization list's search: name, pinyin initials, credit code
    exact=lambda q: Q(name_normalized=normalize_name(q)),
    rows=lambda qs: qs.select_related("township").order_by("name", "pk"),
    option=_organization,
    placeholder=_("名称、拼音首字母或信用代码"),
)

MEMBERS = Picker(
    url_name="registry:member_pick",
    match=lambda q: Q(name__icontains=q),  # the member list's search (members have no pinyin keys)
    exact=lambda q: Q(name=q),
    rows=lambda qs: with_affiliations(qs).order_by("name", "pk"),
    option=_member,
    placeholder=_("党员姓名"),
)
