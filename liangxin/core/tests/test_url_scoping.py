"""Walks the whole URL conf: every pattern that names an object is checked for scope.

For each such pattern, a user whose scope holds the object gets a page (or file) that shows the
object, and a user whose role may use the page (``accounts/access.py``) but whose scope does not
hold the object gets 404 — never the object. A 403 or 405 is allowed only where it is decided before
any lookup (the same answer for a non-existent id), so it says nothing about the object. A new
pattern with an object in it fails this test until a case is added below, so scoping cannot be
forgotten.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse

from liangxin.accounts import access
from liangxin.audit.models import AuditRecord
from liangxin.core import crypto
from liangxin.testing.api import bearer
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
    "reconcile:batch_detail": Case("reconcile_batch_b", "carol", "bob", lambda b: b.file_name),
    "reconcile:batch_accept": Case("reconcile_batch_b", "carol", "bob", lambda b: b.file_name, method="post"),
    "reconcile:batch_revert": Case("reconcile_batch_b", "carol", "bob", lambda b: b.file_name, method="post"),
    "reconcile:batch_original_export": Case("reconcile_batch_b", "carol", "bob", lambda b: "板桥星火煤业有限公司"),
    "reconcile:row_decide": Case("reconcile_row_b", "carol", "bob", lambda r: r.name, method="post"),
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
    "campaigns:entries_confirm": Case(
        "campaign_submission_x", "dave", "clerk_of_department_y", lambda s: "县工商联", method="post"
    ),
    "formation:organization_plan": Case("org_in_b", "carol", "bob", _name),
    "formation:plan_edit": Case("org_in_b", "carol", "bob", _name),
    "formation:plan_transition": Case("org_in_b", "carol", "bob", _name, method="post"),
    "formation:verification_add": Case("org_in_b", "carol", "bob", _name, method="post"),
    "formation:member_action": Case("unrostered_member_b", "carol", "bob", _name),
    # Funding: township B's party organization, organization, member and reward.
    "funding:ledger": Case("branch_b", "carol", "bob", _name),
    "funding:ledger_export": Case("branch_b", "carol", "bob", _name),
    "funding:dues": Case("branch_b", "carol", "bob", lambda p: "李四"),
    "funding:dues_record": Case("branch_b", "carol", "bob", lambda p: "李四"),
    "funding:dues_export": Case("branch_b", "carol", "bob", lambda p: "李四"),
    "funding:reward_create": Case("branch_b", "carol", "bob", _name),
    "funding:activity_fund_record": Case("org_in_b", "carol", "bob", _name),
    "funding:reward_detail": Case("reward_b", "carol", "bob", lambda r: r.title),
    "funding:reward_evidence_export": Case("reward_b", "carol", "bob", lambda r: "activity room photo"),
    # The dues base: the county administrator (and the member's secretary); another secretary 404.
    "funding:dues_base": Case("member_b", "alice", "sam", _name),
    "funding:dues_base_reveal": Case("member_b", "alice", "sam", _name, method="post"),
    # Organization life: township B's branch, its activity and the activity's photo.
    "orglife:calendar": Case("branch_b", "carol", "bob", _name),
    "orglife:activity_create": Case("branch_b", "carol", "bob", _name),
    "orglife:activity_detail": Case("activity_b", "carol", "bob", lambda a: a.topic),
    "orglife:activity_edit": Case("activity_b", "carol", "bob", lambda a: a.topic),
    "orglife:activity_file_add": Case("activity_b", "carol", "bob", lambda a: a.topic, method="post"),
    "orglife:activity_delete": Case("activity_b", "carol", "bob", lambda a: a.party_organization.name, method="post"),
    "orglife:file_export": Case("activity_file_b", "carol", "bob", lambda f: "theme day photo"),
    # Mobile members: township B's outgoing 李四; bob (township A) and sam (a secretary in A) see none of it.
    "mobility:member_detail": Case("mobile_member_b", "carol", "bob", lambda m: m.member.name),
    "mobility:member_edit": Case("mobile_member_b", "carol", "bob", lambda m: m.member.name),
    "mobility:member_end": Case("mobile_member_b", "carol", "bob", lambda m: m.member.name, method="post"),
    "mobility:contact_add": Case("mobile_member_b", "carol", "bob", lambda m: m.member.name, method="post"),
    "mobility:letter_issue": Case("mobile_member_b", "carol", "bob", lambda m: m.member.name, method="post"),
    "mobility:help_add": Case("mobile_member_b", "carol", "bob", lambda m: m.member.name, method="post"),
    "mobility:certificate_apply": Case("mobile_member_b", "carol", "bob", lambda m: m.member.name, method="post"),
    "mobility:transfer_create": Case("mobile_member_b", "carol", "bob", lambda m: m.member.name, method="post"),
    "mobility:certificate_detail": Case("certificate_b", "carol", "sam", lambda c: c.number),
    "mobility:certificate_pdf_export": Case("certificate_b", "carol", "bob", lambda c: c.number),
    "mobility:transfer_detail": Case("transfer_b", "carol", "bob", lambda t: t.letter_number),
    "mobility:batch_detail": Case("intake_batch_b", "carol", "bob", lambda b: b.file_name),
    "mobility:batch_confirm": Case("intake_batch_b", "carol", "bob", lambda b: b.file_name, method="post"),
    "mobility:batch_revert": Case("intake_batch_b", "carol", "bob", lambda b: b.file_name, method="post"),
    "mobility:registration_detail": Case("migrant_record_b", "carol", "bob", _name),
    # Member development: the party organization's scope (a secretary his own, a township its own).
    "development:file_detail": Case("development_file_b", "carol", "bob", _name),
    "development:file_step": Case("development_file_b", "carol", "bob", _name, method="post"),
    "development:file_stage": Case("development_file_b", "carol", "bob", _name, method="post"),
    "development:file_reveal_id_number": Case(
        "development_file_b", "alice", "sam", lambda f: crypto.decrypt(f.id_number_encrypted), method="post"
    ),
    "development:recommendation_detail": Case("recommendation_b", "carol", "bob", lambda r: r.member.name),
    # The talent pool: a township's people; the reveal is the county administrator's, who sees all.
    "talent:entry_detail": Case("pool_entry_b", "carol", "bob", _name),
    "talent:entry_edit": Case("pool_entry_b", "carol", "bob", _name),
    "talent:entry_reveal_id_number": Case(
        "pool_entry_b", "alice", None, lambda e: crypto.decrypt(e.id_number_encrypted), method="post"
    ),
    "talent:instructor_assign": Case("pool_entry_b", "carol", "bob", _name),
    "talent:post_assign": Case("pool_entry_b", "carol", "bob", _name),
    "talent:instructor_end": Case("instructor_assignment_b", "carol", "bob", lambda a: a.organization.name),
    "talent:post_end": Case("post_assignment_b", "carol", "bob", lambda a: a.party_organization.name),
    # Standardization: township B's branch; bob (township A) sees none of it.
    "standards:checklist": Case("branch_b", "carol", "bob", _name),
    "standards:evidence_add": Case("branch_b", "carol", "bob", _name, method="post"),
    "standards:item_check": Case("branch_b", "carol", "bob", _name, method="post"),
    "standards:evidence_export": Case("standards_evidence_b", "carol", "bob", lambda e: "bulletin board photo"),
    "standards:assessment_edit": Case("branch_b", "carol", "bob", _name),
    # Training: township B's training and its attendee 李四; bob (township A) sees neither.
    "training:detail": Case("training_b", "carol", "bob", lambda t: "李四"),
    "training:attendee_remove": Case("attendance_b", "carol", "bob", lambda a: "板桥镇党务知识培训", method="post"),
    "training:gap_township": Case("township_b", "carol", "bob", lambda t: "板桥星火煤业有限公司"),
    "liaison:point_detail": Case("liaison_point_b", "carol", "bob", lambda p: "指导换届"),
    # The JSON API, read with a token of the user (``_sign_in``): the pages' scope, 404 outside it.
    "api:organization_detail": Case("org_in_b", "carol", "bob", _name),
    "api:party_organization_detail": Case("branch_b", "carol", "bob", _name),
    "api:member_detail": Case("member_b", "carol", "bob", _name),
    "api:formation_plan_detail": Case("formation_plan_b", "carol", "bob", lambda p: p.organization.name),
    "api:campaign_detail": Case("campaign", "alice", "clerk_of_department_y", _name),
    "api:submission_detail": Case("campaign_submission_b", "carol", "bob", lambda s: s.township.code),
    # One's own tokens only: another account's is a 404 to everyone.
    "api:token_revoke": Case("api_token_of_carol", "carol", "bob", _name, method="post"),
}


def _sign_in(client: Any, user: Any, name: str) -> dict[str, str]:
    """Sign ``user`` in for the URL ``name``: the API's data paths take a token, not the session;
    the keyword arguments for the client's requests."""
    rule = access.rule_for(name)
    if rule is not None and rule.token:
        return bearer(user)
    client.force_login(user)
    return {}


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
    headers = _sign_in(client, request.getfixturevalue(case.inside), name)
    url = reverse(name, kwargs={"pk": obj.pk})
    if case.method == "post":
        response = client.post(url, HTTP_HX_REQUEST="true", **headers)
    else:
        response = client.get(url, **headers)
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
    headers = _sign_in(client, outsider, name)
    url = reverse(name, kwargs={"pk": obj.pk})
    nowhere = reverse(name, kwargs={"pk": 987654321})
    data = {"reason": "x", "dissolution_reason": "x", "role": "leader", "new_password1": "Aa1!aaaaaaaa"}
    answers = {}
    for method in ("get", "post"):
        send = getattr(client, method)
        status = send(url, data, **headers).status_code if method == "post" else send(url, **headers).status_code
        if status in (403, 405):
            again = send(nowhere, data, **headers) if method == "post" else send(nowhere, **headers)
            assert again.status_code == status
            if status == 403:
                assert not access.may_open(outsider.role, name, method.upper())
        else:
            assert status == 404, f"{name} {method.upper()}: {status}"
        answers[method] = status
    assert 404 in answers.values()
    # Nothing happened to the object: the refused requests wrote no audit record.
    assert AuditRecord.objects.exclude(action__in=["login", "login_failed", "logout"]).count() == before


# The JSON API's lists name no object in their path; each is walked too: township B's object is
# in the answer to a user whose scope holds it and absent from the answer to one whose scope does
# not (their role may read the list: the scope, not the rule, keeps it out).
LIST_CASES: dict[str, tuple[Case, dict[str, str]]] = {
    "api:organization_list": (Case("org_in_b", "carol", "bob", _name), {}),
    "api:party_organization_list": (Case("branch_b", "carol", "bob", _name), {}),
    "api:member_list": (Case("member_b", "carol", "bob", _name), {}),
    "api:formation_plan_list": (Case("formation_plan_b", "carol", "bob", lambda p: p.countermeasure), {}),
    "api:campaign_list": (Case("campaign", "alice", "clerk_of_department_y", _name), {}),
    "api:submission_list": (Case("campaign_submission_b", "carol", "bob", lambda s: s.township.name), {}),
    "api:indicator_table": (Case("org_in_b", "carol", "bob", lambda o: o.township.code), {"by": "township"}),
}


def test_every_api_list_has_a_scope_case():
    lists = {name for name, rule in access.PAGE_RULES.items() if rule.token and name not in object_patterns()}
    assert lists == set(LIST_CASES)


@pytest.mark.parametrize("name", sorted(LIST_CASES))
def test_an_api_list_holds_only_the_users_scope(name, client, request):
    case, params = LIST_CASES[name]
    assert case.outside is not None
    obj = request.getfixturevalue(case.target)
    answers = {}
    for who in (case.inside, case.outside):
        response = client.get(reverse(name), params, **bearer(request.getfixturevalue(who)))
        assert response.status_code == 200, (name, who, response.status_code)
        answers[who] = json.dumps(response.json(), ensure_ascii=False)
    assert case.shows(obj) in answers[case.inside]
    assert case.shows(obj) not in answers[case.outside]


# The pickers (a form's search for one organization or member, ``core.forms.PickerField``) name no
# object in their path either: township B's object is offered to a user whose scope holds it, for
# its name typed and for its id already chosen, and never to one whose scope does not.
PICKER_CASES: dict[str, tuple[Case, str]] = {
    "registry:organization_pick": (Case("org_in_b", "carol", "bob", _name), "organization"),
    "registry:member_pick": (Case("member_b", "carol", "bob", _name), "member"),
    # The members an outflow may be registered for: those whose relation the user's scope holds.
    "mobility:outflow_member_pick": (Case("member_b", "carol", "bob", _name), "member"),
}


def test_every_picker_has_a_scope_case():
    assert {name for name in url_patterns() if name.endswith("_pick")} == set(PICKER_CASES)


@pytest.mark.parametrize("name", sorted(PICKER_CASES))
def test_a_picker_offers_only_the_users_scope(name, client, request):
    case, field = PICKER_CASES[name]
    assert case.outside is not None
    obj = request.getfixturevalue(case.target)
    for who in (case.inside, case.outside):
        client.force_login(request.getfixturevalue(who))
        by_name = client.get(reverse(name), {"name": field, f"{field}_q": case.shows(obj)})
        by_id = client.get(reverse(name), {"name": field, field: obj.pk})
        for response in (by_name, by_id):
            assert response.status_code == 200, (name, who, response.status_code)
            offered = f'name="{field}" value="{obj.pk}"' in response.content.decode()
            assert offered is (who == case.inside), (name, who)
        if who == case.inside:
            assert case.shows(obj) in body_text(by_name)


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
