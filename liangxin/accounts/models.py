from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .roles import SCOPE_OF_ROLE, Permission, Role, ScopeKind, role_has


class User(AbstractUser):
    """An account with exactly one role and the scope that role needs.

    The scope columns are exclusive: a township clerk has a township and nothing else, and so
    on; a check constraint keeps it so whatever code writes the row.
    """

    # A new account has no role until the security administrator assigns one (``roles.py``).
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, default=Role.UNASSIGNED)
    township = models.ForeignKey(
        "geo.AdministrativeUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所辖乡镇"),
    )
    department = models.ForeignKey(
        "geo.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所属部门"),
    )
    party_organization = models.ForeignKey(
        "registry.PartyOrganization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所在党组织"),
    )
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    # Password policy (``liangxin.security.passwords``): a password set by anyone but its owner
    # (a new account, an administrator's reset) must be changed at the next login.
    must_change_password = models.BooleanField(_("下次登录须修改密码"), default=False)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        role__in=[
                            Role.COUNTY_ADMIN,
                            Role.LEADER,
                            Role.SYS_ADMIN,
                            Role.SEC_ADMIN,
                            Role.AUDIT_ADMIN,
                            Role.UNASSIGNED,
                        ],
                        township__isnull=True,
                        department__isnull=True,
                        party_organization__isnull=True,
                    )
                    | Q(
                        role=Role.TOWNSHIP_CLERK,
                        township__isnull=False,
                        department__isnull=True,
                        party_organization__isnull=True,
                    )
                    | Q(
                        role=Role.DEPARTMENT_CLERK,
                        township__isnull=True,
                        department__isnull=False,
                        party_organization__isnull=True,
                    )
                    | Q(
                        role=Role.SECRETARY,
                        township__isnull=True,
                        department__isnull=True,
                        party_organization__isnull=False,
                    )
                ),
                name="accounts_user_role_scope_consistent",
            ),
            # Django's superuser flag would bypass the separation of duties.
            models.CheckConstraint(condition=Q(is_superuser=False), name="accounts_user_no_superuser"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def scope_kind(self) -> ScopeKind:
        return SCOPE_OF_ROLE.get(self.role, ScopeKind.NONE)

    def can(self, permission: Permission) -> bool:
        return self.is_active and role_has(self.role, permission)

    @property
    def scope_label(self) -> str:
        if self.township_id:
            return str(self.township)
        if self.department_id:
            return str(self.department)
        if self.party_organization_id:
            return str(self.party_organization)
        if self.scope_kind is ScopeKind.COUNTY:
            return str(_("全县"))
        return "—"
