"""Whose development files and recommendations a user sees: those of the party organizations in
his scope (``registry.scoping`` decides which) — a secretary his own, a township clerk his
township's, a department the party organizations of the organizations it supervises."""

from __future__ import annotations

from django.db.models import Q

from liangxin.accounts.models import User
from liangxin.registry.models import PartyOrganization


def file_scope(user: User) -> Q:
    return Q(party_organization__in=PartyOrganization.objects.restrict(user).values("pk"))


def recommendation_scope(user: User) -> Q:
    return file_scope(user)
