"""The life of an activity certificate and of a relation transfer, as tables. Pure: no Django
models; the services (one function per transition) ask here whether a step is allowed and get the
reason in plain Chinese when it is not.

Certificate (《流动党员活动证》)::

    申请 applied ──审核 approve──▶ approved ──发放 issue──▶ issued ──年度查验 check──▶ issued
        └──审核不通过 reject──▶ rejected           ├──补发 reissue──▶ voided (+ a new issued one)
                                                  └──收回/注销 revoke──▶ revoked

Transfer (组织关系转接)::

    开出 issued ──接收 receive──▶ received ──完成 complete──▶ completed
        └─────────────退回 return (with a reason)─────────────▶ returned   (from issued or received)
"""

from __future__ import annotations

from typing import Final


class TransitionRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Certificate states (the model's choices use the same codes).
APPLIED: Final = "applied"
APPROVED: Final = "approved"
REJECTED: Final = "rejected"
ISSUED: Final = "issued"
VOIDED: Final = "voided"
REVOKED: Final = "revoked"
LIVE_CERTIFICATE: Final = (APPLIED, APPROVED, ISSUED)

CERTIFICATE_STEPS: Final[dict[str, tuple[tuple[str, ...], str | None]]] = {
    # action: (states it may start from, state it leads to; None: stays)
    "approve": ((APPLIED,), APPROVED),
    "reject": ((APPLIED,), REJECTED),
    "issue": ((APPROVED,), ISSUED),
    "check": ((ISSUED,), None),
    "reissue": ((ISSUED,), VOIDED),
    "revoke": ((ISSUED,), REVOKED),
}

_CERTIFICATE_REFUSALS: Final = {
    APPLIED: "该活动证尚未审核",
    APPROVED: "该活动证已审核、尚未发放",
    REJECTED: "该活动证申请未通过审核",
    ISSUED: "该活动证已发放",
    VOIDED: "该活动证已作废(已补发新证)",
    REVOKED: "该活动证已收回注销",
}
_ACTION_NAMES: Final = {
    "approve": "审核",
    "reject": "审核",
    "issue": "发放",
    "check": "年度查验",
    "reissue": "补发",
    "revoke": "收回注销",
    "receive": "接收",
    "complete": "办结",
    "return": "退回",
}


def certificate_step(action: str, state: str) -> str:
    """The state ``action`` leads to from ``state``; raises with the reason when it may not."""
    if action not in CERTIFICATE_STEPS:
        raise TransitionRefused("未知的操作。")
    sources, target = CERTIFICATE_STEPS[action]
    if state not in sources:
        raise TransitionRefused(f"{_CERTIFICATE_REFUSALS.get(state, '状态不符')},不能{_ACTION_NAMES[action]}。")
    return target or state


def certificate_actions(state: str) -> list[str]:
    return [action for action, (sources, _target) in CERTIFICATE_STEPS.items() if state in sources]


# Transfer states.
T_ISSUED: Final = "issued"
T_RECEIVED: Final = "received"
T_COMPLETED: Final = "completed"
T_RETURNED: Final = "returned"
PENDING_TRANSFER: Final = (T_ISSUED, T_RECEIVED)

TRANSFER_STEPS: Final[dict[str, tuple[tuple[str, ...], str]]] = {
    "receive": ((T_ISSUED,), T_RECEIVED),
    "complete": ((T_RECEIVED,), T_COMPLETED),
    "return": ((T_ISSUED, T_RECEIVED), T_RETURNED),
}
_TRANSFER_REFUSALS: Final = {
    T_ISSUED: "介绍信已开出、尚未接收",
    T_RECEIVED: "已接收",
    T_COMPLETED: "该转接已办结",
    T_RETURNED: "该转接已退回",
}


def transfer_step(action: str, state: str) -> str:
    if action not in TRANSFER_STEPS:
        raise TransitionRefused("未知的操作。")
    sources, target = TRANSFER_STEPS[action]
    if state not in sources:
        raise TransitionRefused(f"{_TRANSFER_REFUSALS.get(state, '状态不符')},不能{_ACTION_NAMES[action]}。")
    return target


def transfer_actions(state: str) -> list[str]:
    return [action for action, (sources, _target) in TRANSFER_STEPS.items() if state in sources]
