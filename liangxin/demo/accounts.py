"""The demo logins: one account per role and scope, all with the documented password, and the
two-factor devices of the roles that require it, with secrets derived from the account names (so
that ``make run`` can print them and the login page can show them as QR codes).

Only the accounts of a loaded demo county are demo accounts; a real county's accounts never are,
whatever their names. The login page and the password policy reach this module through
``core.demo_logins`` (registered by ``apps.DemoConfig``), never by importing it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from liangxin.accounts.models import User
from liangxin.accounts.roles import Role
from liangxin.accounts.services import create_user
from liangxin.audit.models import AuditAction
from liangxin.audit.services import diff, log_change, log_many, snapshot
from liangxin.core.demo_logins import DemoAccount, DemoTotp
from liangxin.geo.models import AdministrativeUnit, Department
from liangxin.registry.choices import FactSource
from liangxin.registry.models import Member, OrganizationFacts, PartyOrganization
from liangxin.security import twofactor

DEMO_PASSWORD = "Liangxin#2026"  # noqa: S105 - the documented password of every demo account
# Public on purpose: the demo's secrets are as public as its password.
DEMO_TOTP_SEED = b"liangxin-demo-totp-2009"

ADMIN_USERNAMES = ("county_admin", "leader", "sys_admin", "sec_admin", "audit_admin")
_ADMIN_ROLES = {
    "county_admin": Role.COUNTY_ADMIN,
    "leader": Role.LEADER,
    "sys_admin": Role.SYS_ADMIN,
    "sec_admin": Role.SEC_ADMIN,
    "audit_admin": Role.AUDIT_ADMIN,
}
_TITLES = {"leader": "县委副书记", "sys_admin": "信息中心", "sec_admin": "保密办", "audit_admin": "县委巡察办"}


def township_username(code: str) -> str:
    return f"township_{code}"


def department_username(code: str) -> str:
    # Lower case: logins are matched exactly, and nobody types capitals on a login form.
    return f"dept_{code.lower()}"


def secretary_username(party_organization_pk: int) -> str:
    return f"secretary_{party_organization_pk}"


def demo_present() -> bool:
    """Whether the database holds the demo county: only ``load_demo`` writes demo facts."""
    return OrganizationFacts.objects.filter(source=FactSource.DEMO).exists()


# --- Creating the accounts ------------------------------------------------------------------------


def create_staff(
    *, people: Sequence[str], townships: Sequence[AdministrativeUnit], departments: Sequence[Department]
) -> list[User]:
    """The county-wide, administrator, township and department accounts. The first goes through
    ``create_user`` (password validation, hashing, audit); the others reuse its password hash,
    written in bulk and audited the same way (hashing ~30 passwords one by one takes seconds)."""
    first = create_user(
        by=None, username="county_admin", password=DEMO_PASSWORD, role=Role.COUNTY_ADMIN, full_name=people[0]
    )
    users: list[User] = []
    for k, username in enumerate(ADMIN_USERNAMES[1:], start=1):
        users.append(User(username=username, role=_ADMIN_ROLES[username], full_name=f"{_TITLES[username]} {people[k]}"))
    for township in townships:
        users.append(
            User(
                username=township_username(township.code),
                role=Role.TOWNSHIP_CLERK,
                township=township,
                full_name=_("%(unit)s党(工)委组织委员") % {"unit": township.name},
            )
        )
    for department in departments:
        users.append(
            User(
                username=department_username(department.code),
                role=Role.DEPARTMENT_CLERK,
                department=department,
                full_name=_("%(unit)s党建工作人员") % {"unit": department.name},
            )
        )
    return [first, *_bulk_create(users, password=first.password)]


def create_secretaries(*, secretaries: Sequence[tuple[PartyOrganization, Member]], password: str) -> list[User]:
    """One account per party organization's secretary (``password``: the hash of the others)."""
    users = [
        User(
            username=secretary_username(party_org.pk),
            role=Role.SECRETARY,
            party_organization=party_org,
            full_name=member.name,
        )
        for party_org, member in secretaries
    ]
    return _bulk_create(users, password=password)


def _bulk_create(users: list[User], *, password: str) -> list[User]:
    for user in users:
        user.password = password
    User.objects.bulk_create(users)
    log_many(actor=None, action=AuditAction.CREATE, entries=[(u, diff(None, snapshot(u))) for u in users])
    return users


# --- Listing them -----------------------------------------------------------------------------


def demo_accounts() -> list[DemoAccount]:
    """The demo logins present in the database, in the order a visitor should try them: the
    county-wide and administrator roles, then one per township, department and party
    organization. Empty unless the demo county is loaded."""
    if not demo_present():
        return []
    users = User.objects.filter(is_active=True).select_related("township", "department", "party_organization")
    by_group: dict[str, list[User]] = {"admin": [], "township": [], "department": [], "secretary": []}
    for user in users:
        if user.username in _ADMIN_ROLES and user.role == _ADMIN_ROLES[user.username]:
            by_group["admin"].append(user)
        elif (
            user.role == Role.TOWNSHIP_CLERK
            and user.township
            and user.username == township_username(user.township.code)
        ):
            by_group["township"].append(user)
        elif (
            user.role == Role.DEPARTMENT_CLERK
            and user.department
            and user.username == department_username(user.department.code)
        ):
            by_group["department"].append(user)
        elif user.role == Role.SECRETARY and user.username == secretary_username(user.party_organization_id or 0):
            by_group["secretary"].append(user)
    by_group["admin"].sort(key=lambda u: ADMIN_USERNAMES.index(u.username))
    by_group["township"].sort(key=lambda u: u.township.code if u.township else "")
    by_group["department"].sort(key=lambda u: u.department.code if u.department else "")
    by_group["secretary"].sort(key=lambda u: u.party_organization_id or 0)
    return [
        DemoAccount(
            username=user.username,
            password=DEMO_PASSWORD,
            role=user.role,
            role_label=str(Role(user.role).label),
            scope_label=str(user.scope_label),
            group=group,
        )
        for group, members in by_group.items()
        for user in members
    ]


# --- Two-factor devices -----------------------------------------------------------------------


def demo_totp_key(username: str) -> bytes:
    """20 bytes (the RFC 6238 key size for SHA-1) from the name and the seed."""
    return hmac.new(DEMO_TOTP_SEED, username.encode("utf-8"), hashlib.sha1).digest()


def _demo_required_accounts() -> list[tuple[User, str]]:
    accounts = [a for a in demo_accounts() if a.role in settings.OTP_REQUIRED_ROLES]
    users = {u.username: u for u in User.objects.filter(username__in=[a.username for a in accounts])}
    return [(users[a.username], a.role_label) for a in accounts if a.username in users]


def _describe(device: TOTPDevice, role_label: str, *, with_qr: bool) -> DemoTotp:
    uri = device.config_url
    return DemoTotp(
        username=device.user.username,
        role_label=role_label,
        secret=twofactor.secret_base32(device),
        uri=uri,
        qr=twofactor.qr_data_uri(uri) if with_qr else "",
    )


def create_demo_totp_devices() -> list[DemoTotp]:
    """Give each two-factor demo account its deterministic, confirmed TOTP device (idempotent;
    audited when a device is created or replaced). Empty unless the demo county is loaded."""
    result = []
    with transaction.atomic():
        for user, role_label in _demo_required_accounts():
            key = demo_totp_key(user.username).hex()
            device = TOTPDevice.objects.filter(user=user, confirmed=True, key=key).first()
            if device is None:
                TOTPDevice.objects.filter(user=user).delete()
                device = TOTPDevice.objects.create(user=user, name=twofactor.DEVICE_NAME, key=key, confirmed=True)
                log_change(actor=None, action=twofactor.AUDIT_ENROL, obj=user, changes={"two_factor": [False, True]})
            result.append(_describe(device, role_label, with_qr=False))
    return result


def demo_totp_accounts(*, with_qr: bool = False) -> list[DemoTotp]:
    """The demo accounts whose device still has the demo secret (what the login page shows)."""
    result = []
    for user, role_label in _demo_required_accounts():
        key = demo_totp_key(user.username).hex()
        device = TOTPDevice.objects.filter(user=user, confirmed=True, key=key).select_related("user").first()
        if device is not None:
            result.append(_describe(device, role_label, with_qr=with_qr))
    return result


class Provider:
    """What ``core.demo_logins`` asks of the demo."""

    password = DEMO_PASSWORD

    def accounts(self) -> list[DemoAccount]:
        return demo_accounts()

    def totp_accounts(self, *, with_qr: bool) -> list[DemoTotp]:
        return demo_totp_accounts(with_qr=with_qr)
