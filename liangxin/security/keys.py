"""Rotating the field key (``LIANGXIN_FIELD_KEY``), which encrypts ID numbers at rest.

Every encrypted value is re-encrypted, and its keyed hash recomputed, from the old key
(``LIANGXIN_FIELD_KEY_OLD``) to the new one (``LIANGXIN_FIELD_KEY``) in one transaction: a failure
leaves every value under the old key. The values are found by the convention every model follows:
a field ``<name>_encrypted`` (``core.crypto.encrypt``) beside ``<name>_hash``
(``core.crypto.keyed_hash``), so a new app's encrypted field is rotated too.

The audit chain's key and the backup key are derived from the field key unless set themselves;
rotating the field key would change them, making the audit chain unverifiable and every backup
unreadable. So the rotation refuses until both are set, and says which values keep them as they
are (the ones derived from the old key). The steps: deploy/README.md, "Rotating the keys".
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext as _

from liangxin.audit import chain
from liangxin.audit.models import AuditAction
from liangxin.audit.services import log_change
from liangxin.core import crypto
from liangxin.core.errors import ServiceError

from . import backup

BATCH = 2000


@dataclass(frozen=True)
class EncryptedField:
    model: type[models.Model]
    encrypted: str
    hashed: str | None


def encrypted_fields() -> list[EncryptedField]:
    found = []
    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields}
        for name in sorted(names):
            if name.endswith("_encrypted"):
                hashed = name.removesuffix("_encrypted") + "_hash"
                found.append(EncryptedField(model, name, hashed if hashed in names else None))
    return found


def pinned_keys(old_field_key: str) -> dict[str, str]:
    """The variables that keep the audit and backup keys as the old field key derives them."""
    return {
        variable: base64.b64encode(crypto.derived_key(old_field_key, info)).decode()
        for variable, info in (("LIANGXIN_AUDIT_KEY", chain.KEY_INFO), ("LIANGXIN_BACKUP_KEY", backup.KEY_INFO))
    }


def unpinned_keys() -> list[str]:
    return [
        name
        for name, value in (("LIANGXIN_AUDIT_KEY", settings.AUDIT_KEY), ("LIANGXIN_BACKUP_KEY", settings.BACKUP_KEY))
        if not value
    ]


def rotate_field_key(*, old_key: str) -> dict[str, int]:
    """Re-encrypt every encrypted value from ``old_key`` to the configured field key (audited).
    Returns how many values of each model were rotated."""
    new_key = settings.FIELD_ENCRYPTION_KEY
    if not old_key or old_key == new_key:
        raise ServiceError(_("旧密钥(LIANGXIN_FIELD_KEY_OLD)未设置,或与新密钥(LIANGXIN_FIELD_KEY)相同。"))
    crypto.encrypt("check", master=old_key)  # a malformed key is refused before anything is read
    if unpinned_keys():
        raise ServiceError(
            _("审计密钥和备份密钥目前由字段密钥派生,轮换前须先在环境文件中固定:%(names)s。")
            % {"names": ", ".join(unpinned_keys())}
        )
    counts: dict[str, int] = {}
    with transaction.atomic():
        for field in encrypted_fields():
            manager = field.model._default_manager
            rows = manager.exclude(**{field.encrypted: ""}).order_by("pk")
            changed = []
            for obj in rows.iterator(chunk_size=BATCH):
                token = getattr(obj, field.encrypted)
                try:
                    plain = crypto.decrypt(token, master=old_key)
                except Exception as exc:
                    raise ServiceError(
                        _("%(model)s #%(pk)s 的加密值不能用旧密钥解密,没有改动任何数据。")
                        % {"model": field.model._meta.label, "pk": obj.pk}
                    ) from exc
                setattr(obj, field.encrypted, crypto.encrypt(plain))
                if field.hashed:
                    setattr(obj, field.hashed, crypto.keyed_hash(plain))
                changed.append(obj)
            update = [field.encrypted, *([field.hashed] if field.hashed else [])]
            manager.bulk_update(changed, update, batch_size=BATCH)
            counts[f"{field.model._meta.label}.{field.encrypted}"] = len(changed)
        log_change(
            actor=None,
            action=AuditAction.UPDATE,
            object_type="security.field_key",
            object_repr="LIANGXIN_FIELD_KEY",
            changes={"field_key": ["old", "new"], "rotated": counts},
        )
    return counts
