"""Every step of the certificate's and the transfer's life, from every state: allowed exactly where
the documented lifecycle allows it (docs/mobile-members.md), refused everywhere else with a reason
that names the step."""

import itertools

import pytest

from liangxin.mobility import transitions as t

CERTIFICATE_ALLOWED = {
    ("approve", "applied"): "approved",
    ("reject", "applied"): "rejected",
    ("issue", "approved"): "issued",
    ("check", "issued"): "issued",
    ("reissue", "issued"): "voided",
    ("revoke", "issued"): "revoked",
}
CERTIFICATE_STATES = ["applied", "approved", "rejected", "issued", "voided", "revoked"]
CERTIFICATE_ACTIONS = {"approve": "审核", "reject": "审核", "issue": "发放", "check": "年度查验",
                       "reissue": "补发", "revoke": "收回注销"}  # fmt: skip

TRANSFER_ALLOWED = {
    ("receive", "issued"): "received",
    ("complete", "received"): "completed",
    ("return", "issued"): "returned",
    ("return", "received"): "returned",
}
TRANSFER_STATES = ["issued", "received", "completed", "returned"]
TRANSFER_ACTIONS = {"receive": "接收", "complete": "办结", "return": "退回"}


@pytest.mark.parametrize(("action", "state"), list(itertools.product(CERTIFICATE_ACTIONS, CERTIFICATE_STATES)))
def test_certificate_steps(action, state):
    if (action, state) in CERTIFICATE_ALLOWED:
        assert t.certificate_step(action, state) == CERTIFICATE_ALLOWED[action, state]
        assert action in t.certificate_actions(state)
    else:
        with pytest.raises(t.TransitionRefused, match=f"不能{CERTIFICATE_ACTIONS[action]}。$"):
            t.certificate_step(action, state)
        assert action not in t.certificate_actions(state)


@pytest.mark.parametrize(("action", "state"), list(itertools.product(TRANSFER_ACTIONS, TRANSFER_STATES)))
def test_transfer_steps(action, state):
    if (action, state) in TRANSFER_ALLOWED:
        assert t.transfer_step(action, state) == TRANSFER_ALLOWED[action, state]
        assert action in t.transfer_actions(state)
    else:
        with pytest.raises(t.TransitionRefused, match=f"不能{TRANSFER_ACTIONS[action]}。$"):
            t.transfer_step(action, state)
        assert action not in t.transfer_actions(state)


def test_the_live_and_pending_states():
    # A member has one live certificate and one pending transfer at most: these are the states counted.
    assert set(t.LIVE_CERTIFICATE) == {"applied", "approved", "issued"}
    assert set(t.PENDING_TRANSFER) == {"issued", "received"}
    with pytest.raises(t.TransitionRefused, match="未知的操作"):
        t.certificate_step("delete", "issued")
