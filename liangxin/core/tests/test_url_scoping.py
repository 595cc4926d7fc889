"""Walks the whole URL conf: every pattern that names an object is checked for scope.

For each such pattern, a user whose scope holds the object gets a page (or file) that shows the
object, and a user whose role may use the page (``accounts/access.py``) but whose scope does not
hold the object gets 404 — never the object. A 403 or 405 is allowed only where it is decided before
any lookup (the same answer for a non-existent id), so it says nothing about the object. A new
pattern with an object in it fails this test until a case is added below, so scoping cannot be
forgotten.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse

from liangxin.accounts import access
from liangxin.audit.models import AuditRecord
from liangxin.core import crypto
from liangxin.testing.responses import body_text
from liangxin.testing.urls import url_patterns


def object_patterns() -> dict[str, str]:
    return {name: route for name, (route, _pattern) in url_patterns().items() if "<" in route}


@dataclass(frozen=True)
class Case:
    target: str  # fixture giving the object (lies in township B / is a business account)
    inside: str  # fixture of a user whose scope holds it
    # Fixture of a user whose role may use the page but whose scope does not hold the object;
    # None where every role the page's rule lets in sees every such object (county-wide pages,
    # the administrators' pages): there the rule's 403 is the whole protection.
    outside: str | None
    shows: Callable[[Any], str]  # text the in-scope answer must contain
    method: str = "get"


def _name(obj: Any) -> str:
    return str(obj.name)


CASES: dict[str, Case] = {
    "registry:organization_detail": Case("org_in_b", "carol", "bob", _name),
    "registry:organization_edit": Case("org_in_b", "carol", "bob", _name),
    "registry:organization_facts": Case("org_in_b", "carol", "bob", _name),
    "registry:organization_merge": Case("org_in_b", "carol", "bob", _name),
    "registry:organization_deregister": Case("org_in_b", "carol", "bob", _name),
    "registry:organization_member_export": Case("org_in_b", "carol", "bob", lambda o: "李四"),
    "registry:party_organization_detail": Case("branch_b", "carol", "bob", _name),
    "registry:party_organization_dissolve": Case("branch_b", "carol", "bob", _name, method="post"),
    "registry:party_organization_member_export": Case("branch_b", "carol", "bob", lambda o: "李四"),
    "registry:member_detail": Case("member_b", "carol", "bob", _name),
    "registry:member_reveal_id_number": Case(
        "member_b", "alice", "sam", lambda m: crypto.decrypt(m.id_number_encrypted), method="post"
    ),
    # The system and security administrators see every account, the audit administrator every record.
    "accounts:user_detail": Case("carol", "sysadm", None, lambda u: u.username),
    "accounts:user_disable": Case("carol", "sysadm", None, lambda u: u.username, method="post"),
    "accounts:user_enable": Case("carol", "sysadm", None, lambda u: u.username, method="post"),
    "accounts:user_reset_password": Case("carol", "sysadm", None, lambda u: u.username, method="post"),
    "accounts:user_assign_role": Case("carol", "secadm", None, lambda u: u.username, method="post"),
    "audit:record_detail": Case("audit_record", "auditor", None, lambda r: r.object_repr),
    "census:batch_detail": Case("import_batch_b", "carol", "bob", lambda b: b.file_name),
    "census:batch_mapping": Case("import_batch_b", "carol", "bob", lambda b: b.file_name, method="post"),
    "census:batch_confirm": Case("import_batch_b", "carol", "bob", lambda b: b.file_name, method="post"),
    "census:batch_new_organizations": Case("import_batch_b", "carol", "bob", lambda b: b.file_name, method="post"),
    "census:batch_revert": Case("import_batch_b", "carol", "bob", lambda b: b.file_name, method="post"),
    "census:batch_original_export": Case("import_batch_b", "carol", "bob", lambda b: "板桥镇小李餐馆"),
    "census:batch_annotated_export": Case("import_batch_b", "carol", "bob", lambda b: "板桥镇老张修车铺"),
    "census:batch_rejected_export": Case("import_batch_b", "carol", "bob", lambda b: "板桥镇老张修车铺"),
    "census:job_detail": Case("import_job_b", "carol", "bob", lambda j: j.file_name),
    # The county's campaign pages: its administrator and leader see every campaign.
    "campaigns:board": Case("campaign", "alice", None, _name),
    "campaigns:campaign_open": Case("campaign", "alice", None, _name, method="post"),
    "campaigns:campaign_close": Case("campaign", "alice", None, _name, method="post"),
    "campaigns:reminder_export": Case("campaign", "alice", None, lambda c: "罗雄街道"),
    "campaigns:submission_detail": Case("campaign_submission_b", "carol", "bob", lambda s: "板桥镇"),
    "campaigns:submission_template_export": Case(
        "campaign_submission_b", "carol", "bob", lambda s: "板桥星火煤业有限公司"
    ),
    "campaigns:submission_prefill": Case("campaign_submission_b", "carol", "bob", lambda s: "板桥镇", method="post"),
    "campaigns:submission_import": Case("campaign_submission_b", "carol", "bob", lambda s: "板桥镇", method="post"),
    "campaigns:submission_import_confirm": Case(
        "campaign_submission_b", "carol", "bob", lambda s: "板桥镇", method="post"
    ),
    "campaigns:submission_new_organizations": Case(
        "campaign_submission_b", "carol", "bob", lambda s: "板桥镇", method="post"
    ),
    "campaigns:submission_import_cancel": Case(
        "campaign_submission_b", "carol", "bob", lambda s: "板桥镇", method="post"
    ),
    "campaigns:submission_transition": Case(
        "campaign_submission_b", "carol", "dave", lambda s: "板桥镇", method="post"
    ),
    "campaigns:entry_edit": Case("campaign_entry_b", "carol", "bob", _name),
    "campaigns:entry_confirm": Case("campaign_entry_b", "dave", "clerk_of_department_y", _name, method="post"),
    "formation:organization_plan": Case("org_in_b", "carol", "bob", _name),
    "formation:plan_edit": Case("org_in_b", "carol", "bob", _name),
    "formation:plan_transition": Case("org_in_b", "carol", "bob", _name, method="post"),
    "formation:verification_add": Case("org_in_b", "carol", "bob", _name, method="post"),
    "formation:member_action": Case("unrostered_member_b", "carol", "bob", _name),
}


@pytest.fixture(autouse=True)
def township_b_has_a_member(member_b):
    """Rosters and exports of township B's objects then have someone to show."""
    return member_b


def test_every_object_pattern_has_a_scope_case():
    missing = sorted(set(object_patterns()) - set(CASES))
    assert not missing, f"URL patterns with an object but no scoping case: {missing}"
    stale = sorted(set(CASES) - set(object_patterns()))
    assert not stale, f"Scoping cases for patterns that no longer exist: {stale}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_in_scope_user_sees_the_object(name, client, request):
    case = CASES[name]
    obj = request.getfixturevalue(case.target)
    client.force_login(request.getfixturevalue(case.inside))
    url = reverse(name, kwargs={"pk": obj.pk})
    response = getattr(client, case.method)(url, HTTP_HX_REQUEST="true") if case.method == "post" else client.get(url)
    if response.status_code in (301, 302):
        response = client.get(response["Location"])
    assert response.status_code == 200, f"{name}: {response.status_code}"
    assert case.shows(obj) in body_text(response)


@pytest.mark.parametrize("name", sorted(name for name, case in CASES.items() if case.outside is not None))
def test_out_of_scope_user_gets_404_for_get_and_post(name, client, request):
    """404 for every method the page's rule lets the user use. A 403 (a method the rule refuses
    to the role) or a 405 is allowed only where it is decided before any lookup — the same
    answer for a non-existent id — so it says nothing about the object."""
    case = CASES[name]
    assert case.outside is not None
    obj = request.getfixturevalue(case.target)
    before = AuditRecord.objects.exclude(action__in=["login", "login_failed", "logout"]).count()
    outsider = request.getfixturevalue(case.outside)
    client.force_login(outsider)
    url = reverse(name, kwargs={"pk": obj.pk})
    nowhere = reverse(name, kwargs={"pk": 987654321})
    data = {"reason": "x", "dissolution_reason": "x", "role": "leader", "new_password1": "Aa1!aaaaaaaa"}
    answers = {}
    for method in ("get", "post"):
        send = getattr(client, method)
        status = send(url, data).status_code if method == "post" else send(url).status_code
        if status in (403, 405):
            assert (send(nowhere, data) if method == "post" else send(nowhere)).status_code == status
            if status == 403:
                assert not access.may_open(outsider.role, name, method.upper())
        else:
            assert status == 404, f"{name} {method.upper()}: {status}"
        answers[method] = status
    assert 404 in answers.values()
    # Nothing happened to the object: the refused requests wrote no audit record.
    assert AuditRecord.objects.exclude(action__in=["login", "login_failed", "logout"]).count() == before


def test_unknown_object_is_404_too(client, carol):
    client.force_login(carol)
    assert client.get(reverse("registry:organization_detail", kwargs={"pk": 999999})).status_code == 404


def test_joint_planner_takes_its_township_from_a_scoped_list(client, bob, carol, township_a, township_b):
    """The joint planner names its township in the query string, not the path: a township outside
    the user's scope is 404 on the planner and on the review page, like an object URL."""
    client.force_login(bob)
    for name in ("formation:joint_planner", "formation:joint_review"):
        assert client.get(reverse(name), {"township": township_b.pk}).status_code == 404
        assert client.get(reverse(name), {"township": 987654321}).status_code == 404
    client.force_login(carol)
    assert "板桥镇" in client.get(reverse("formation:joint_planner"), {"township": township_b.pk}).content.decode()
