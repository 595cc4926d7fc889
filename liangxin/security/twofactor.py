"""Two-factor login with TOTP (django-otp) and one-time recovery codes.

Required for the roles in ``OTP_REQUIRED_ROLES`` (the county roles and the three administrators),
optional for the others. An account has at most one TOTP device, named ``default``; an
unconfirmed one is an enrolment in progress. Recovery codes are a django-otp static device.
Every change is audited on the account, each with its own action (:data:`AUDIT_ENROL` …); a
record never holds a secret, a code or a recovery code, only what happened.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from liangxin.accounts.models import User
from liangxin.accounts.roles import Role
from liangxin.audit.models import AuditAction
from liangxin.audit.services import log_change
from liangxin.core.errors import ServiceError

DEVICE_NAME = "default"
RECOVERY_NAME = "recovery"

AUDIT_ENROL = AuditAction.TWO_FACTOR_ENROL
AUDIT_DISABLE = AuditAction.TWO_FACTOR_DISABLE
AUDIT_RESET = AuditAction.TWO_FACTOR_RESET
AUDIT_CODES_RENEWED = AuditAction.TWO_FACTOR_CODES_RENEWED
AUDIT_RECOVERY_USED = AuditAction.TWO_FACTOR_RECOVERY_USED


def required_for(user: User) -> bool:
    return user.role in settings.OTP_REQUIRED_ROLES


def confirmed_totp(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def is_enabled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def qr_data_uri(text: str) -> str:
    """A QR code of ``text`` as an SVG ``data:`` URI, for an ``<img>`` (CSP: ``img-src data:``)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def start_enrolment(*, user: User) -> TOTPDevice:
    """The unconfirmed device an enrolment shows; the same one until it is confirmed, so reloading
    the page does not change the secret the user has just scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=DEVICE_NAME).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _n in range(settings.OTP_RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def confirm_enrolment(*, user: User, device: TOTPDevice, code: str, remote_addr: str | None = None) -> list[str]:
    """Confirm the enrolment with a first code from the app; returns new recovery codes, which
    are shown once."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
        if device.confirmed:
            raise ServiceError(_("两步验证已启用。"))
        if not device.verify_token(_digits(code)):
            raise ServiceError(_("验证码不正确,请核对手机上的时间后重试。"), field="code")
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        log_change(
            actor=user,
            action=AUDIT_ENROL,
            obj=user,
            changes={"two_factor": [False, True], "recovery_codes": [None, len(codes)]},
            remote_addr=remote_addr,
        )
    return codes


def regenerate_recovery_codes(*, user: User, remote_addr: str | None = None) -> list[str]:
    if not is_enabled(user):
        raise ServiceError(_("尚未启用两步验证。"))
    with transaction.atomic():
        left = recovery_codes_left(user)
        codes = _new_recovery_codes(user)
        log_change(
            actor=user,
            action=AUDIT_CODES_RENEWED,
            obj=user,
            changes={"recovery_codes": [left, len(codes)]},
            remote_addr=remote_addr,
        )
    return codes


def disable(*, user: User, password: str, remote_addr: str | None = None) -> None:
    """Turn one's own two-factor login off: only where the role does not require it, and only
    with the password again."""
    if required_for(user):
        raise ServiceError(_("您的角色必须使用两步验证,不能关闭。"))
    if not user.check_password(password):
        raise ServiceError(_("密码不正确。"), field="password")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        log_change(
            actor=user,
            action=AUDIT_DISABLE,
            obj=user,
            changes={"two_factor": [True, False]},
            remote_addr=remote_addr,
        )


def may_reset(*, by: User, target: User) -> bool:
    """The security administrator resets another account's two-factor login (a lost phone with
    no recovery code left), never his own: that would let one person drop his own second factor."""
    return by.is_active and by.role == Role.SEC_ADMIN and by.pk != target.pk


def reset(*, by: User, target: User, remote_addr: str | None = None) -> None:
    """Remove ``target``'s authenticator and recovery codes: his next login enrols again (a role
    that requires two-factor login) or is by password only (one that does not)."""
    if not may_reset(by=by, target=target):
        raise ServiceError(_("只有安全管理员可以重置他人的两步验证。"))
    with transaction.atomic():
        had = TOTPDevice.objects.filter(user=target).exists() or StaticDevice.objects.filter(user=target).exists()
        if not had:
            raise ServiceError(_("该账号没有启用两步验证,无需重置。"))
        enabled = is_enabled(target)
        TOTPDevice.objects.filter(user=target).delete()
        StaticDevice.objects.filter(user=target).delete()
        log_change(
            actor=by,
            action=AUDIT_RESET,
            obj=target,
            changes={"two_factor": [enabled, False]},
            remote_addr=remote_addr,
        )


def _digits(code: str) -> str:
    return "".join(code.split())


@dataclass(frozen=True)
class Verified:
    device: TOTPDevice | StaticDevice
    recovery: bool  # a recovery code was used (and is now spent)


def verify(*, user: User, code: str, remote_addr: str | None = None) -> Verified | None:
    """The device that accepts ``code``: the TOTP app, or a recovery code (spent on use, and
    audited then, with how many are left — never the code)."""
    code = _digits(code)
    if not code or len(code) > 32:
        return None
    with transaction.atomic():
        totp = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if totp is not None and code.isdigit() and len(code) == totp.digits and totp.verify_token(code):
            return Verified(device=totp, recovery=False)
        static = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if static is not None and len(code) != 6 and static.verify_token(code.lower()):
            left = StaticToken.objects.filter(device=static).count()
            log_change(
                actor=user,
                action=AUDIT_RECOVERY_USED,
                obj=user,
                changes={"recovery_codes": [left + 1, left]},
                remote_addr=remote_addr,
            )
            return Verified(device=static, recovery=True)
    return None
