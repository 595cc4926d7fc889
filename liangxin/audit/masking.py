"""Personal values that audit records hold only masked, as pages show them.

The writer masks them before a record is hashed (``audit.services``), so the audit administrator
never sees them; the pages mask them again when they show a record, which covers records written
before this rule (a record cannot be changed without breaking the chain). The masks are
idempotent, so masking twice shows the same. ID numbers never reach a record at all
(``audit.services._NEVER_LOGGED``; their masked form is logged instead).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from liangxin.core.masking import birth_year, mask_phone

MASKED_FIELDS: dict[str, dict[str, Callable[[str], str]]] = {
    "registry.member": {"phone": mask_phone, "birth_date": birth_year},
    "mobility.mobilemember": {"phone": mask_phone},
}


def _mask(value: Any, mask: Callable[[str], str]) -> Any:
    if isinstance(value, str) and value:
        return mask(value)
    return value


def mask_changes(object_type: str, changes: Any) -> Any:
    """``changes`` with the sensitive fields of ``object_type`` masked, in either shape a record
    holds (``{field: [old, new]}`` or ``{field: value}``)."""
    masks = MASKED_FIELDS.get(object_type)
    if not masks or not isinstance(changes, dict):
        return changes
    masked = dict(changes)
    for name, mask in masks.items():
        if name not in masked:
            continue
        value = masked[name]
        if isinstance(value, list):
            masked[name] = [_mask(v, mask) for v in value]
        else:
            masked[name] = _mask(value, mask)
    return masked
