"""The attendee form finds a member or an organization by searching (``core.forms.PickerField``
and the register's picker endpoints) instead of listing the whole scope: what the search offers,
what the form takes with and without JavaScript, and what it refuses."""

from __future__ import annotations

import pytest
from django.urls import reverse

from liangxin.audit.models import AuditRecord
from liangxin.testing.factories import MemberFactory, OrganizationFactory
from liangxin.training.models import Attendance, AttendeeKind

pytestmark = pytest.mark.django_db


def _pick(client, kind, q, **extra):
    return client.get(reverse(f"registry:{kind}_pick"), {"name": kind, f"{kind}_q": q, **extra})


def test_the_form_renders_search_boxes_not_the_scopes_lists(county_data, client, bob):
    client.force_login(bob)
    page = client.get(county_data["new_year"].get_absolute_url()).content.decode()
    assert 'name="member_q"' in page and 'name="organization_q"' in page
    assert f'hx-get="{reverse("registry:member_pick")}"' in page
    assert f'hx-get="{reverse("registry:organization_pick")}"' in page
    # Neither his members nor his organizations are written into the page until searched for.
    assert "赵专职" not in page and "城东公司" not in page


def test_the_search_finds_by_name_and_pinyin_initials_within_the_scope(county_data, client, bob, carol):
    client.force_login(bob)
    found = _pick(client, "organization", "公司").content.decode()
    assert "城东公司" in found and "板桥公司" not in found  # township B's is not his
    assert "城东公司" in _pick(client, "organization", "cdgs").content.decode()  # 城东公司's initials
    members = _pick(client, "member", "专职").content.decode()
    assert "赵专职" in members and "城东党支部" in members  # where the member is, to tell namesakes apart
    client.force_login(carol)
    found = _pick(client, "organization", "公司").content.decode()
    assert "板桥公司" in found and "城东公司" not in found
    assert "赵专职" not in _pick(client, "member", "专职").content.decode()


def test_the_search_answers_at_most_twenty_and_keeps_the_chosen_one(county_data, client, bob, township_a):
    many = [OrganizationFactory(name=f"罗雄测试商行{i:02}", township=township_a) for i in range(25)]
    client.force_login(bob)
    answer = _pick(client, "organization", "测试商行").content.decode()
    assert answer.count('type="radio"') == 20 and "只列出前 20 个" in answer
    # The chosen one stays (checked) while another name is searched for.
    answer = _pick(client, "organization", "城东", organization=many[24].pk).content.decode()
    assert f'value="{many[24].pk}" checked' in answer and "城东公司" in answer
    # An id outside the scope is not echoed back.
    answer = _pick(client, "organization", "城东", organization=county_data["b_org"].pk).content.decode()
    assert "板桥公司" not in answer and f'value="{county_data["b_org"].pk}"' not in answer


def test_the_search_needs_a_field_name(client, bob):
    client.force_login(bob)
    assert client.get(reverse("registry:member_pick"), {"member_q": "王"}).status_code == 400
    assert client.get(reverse("registry:member_pick"), {"name": "<script>", "member_q": "王"}).status_code == 400


def test_an_id_outside_the_scope_is_refused_and_nothing_is_written(county_data, client, bob, township_b):
    outsider = MemberFactory(name="李外乡", relation=county_data["new_b"])
    new_year = county_data["new_year"]
    client.force_login(bob)
    before = (Attendance.objects.count(), AuditRecord.objects.count())
    response = client.post(new_year.get_absolute_url(), {"kind": AttendeeKind.MEMBER, "member": outsider.pk})
    assert response.status_code == 200 and "不在您的管理范围内" in response.content.decode()
    assert "李外乡" not in response.content.decode()
    # Typed by name (the path without JavaScript), the outsider is not found either.
    response = client.post(new_year.get_absolute_url(), {"kind": AttendeeKind.MEMBER, "member_q": "李外乡"})
    assert "没有找到名为“李外乡”的记录" in response.content.decode()
    assert (Attendance.objects.count(), AuditRecord.objects.count()) == before


def test_without_javascript_an_exact_name_is_taken_and_a_partial_one_lists_the_matches(county_data, client, bob):
    new_year = county_data["new_year"]
    client.force_login(bob)
    response = client.post(new_year.get_absolute_url(), {"kind": AttendeeKind.MEMBER, "member_q": " 赵专职 "})
    assert response.status_code == 302
    assert new_year.attendances.filter(member=county_data["worker"], kind=AttendeeKind.MEMBER).exists()
    # A part of a name: the form answers with the matches to choose from, the text kept.
    page = client.post(new_year.get_absolute_url(), {"kind": AttendeeKind.MEMBER, "member_q": "书记"}).content.decode()
    assert "没有找到名为“书记”的记录" in page
    assert f'name="member" value="{county_data["secretary"].pk}"' in page and 'value="书记"' in page
    # The owner of an organization typed by its name (any width or spacing).
    response = client.post(new_year.get_absolute_url(), {"kind": AttendeeKind.OWNER, "organization_q": "城东 公司"})
    assert response.status_code == 302
    assert new_year.attendances.filter(organization=county_data["east_org"], kind=AttendeeKind.OWNER).exists()


def test_two_members_of_one_name_are_not_guessed_between(county_data, client, bob):
    first = MemberFactory(name="张同名", relation=county_data["east"])
    second = MemberFactory(name="张同名", relation=county_data["west"])
    new_year = county_data["new_year"]
    client.force_login(bob)
    response = client.post(new_year.get_absolute_url(), {"kind": AttendeeKind.MEMBER, "member_q": "张同名"})
    page = response.content.decode()
    assert "名为“张同名”的记录不止一条" in page
    assert f'value="{first.pk}"' in page and f'value="{second.pk}"' in page and "城西党支部" in page
    assert not new_year.attendances.filter(member__name="张同名").exists()
    # Chosen from the list, the id decides.
    response = client.post(
        new_year.get_absolute_url(), {"kind": AttendeeKind.MEMBER, "member": second.pk, "member_q": "张同名"}
    )
    assert response.status_code == 302
    assert list(new_year.attendances.filter(member__name="张同名").values_list("member", flat=True)) == [second.pk]
