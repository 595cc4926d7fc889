"""The plan form as a clerk uses it: partners picked with a search among the compatible
organizations (with their members), the fields of each branch grouped for the branch script, and
a search that works without JavaScript."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from liangxin.formation import selectors
from liangxin.formation.models import FormationPlan
from liangxin.testing.factories import OrganizationFactory


@pytest.fixture
def tea(township_a):
    """A lead with 2 full members in tea (C15), two compatible candidates, one of another industry
    section, one without full members, and one at the minimum alone."""

    def org(name: str, code: str, full: int, probationary: int = 0):
        facts = {"full_members": full, "probationary_members": probationary}
        return OrganizationFactory(name=name, township=township_a, industry_code=code, facts=facts)

    return {
        "lead": org("九龙茶叶公司", "C15", 2),
        "tea": org("九龙茶厂", "C15", 1, 2),
        "food": org("罗雄食品厂", "C14", 1),
        "shop": org("九龙百货商店", "F52", 1),
        "none": org("九龙茶馆", "C15", 0),
        "big": org("九龙茶业集团", "C15", 4),
    }


def _names(options):
    return {o.name for o in options}


def test_partner_options_are_the_compatible_candidates_least_dissimilar_first(bob, tea):
    options = selectors.partner_options(user=bob, organization=tea["lead"])
    # Another industry section (F) is not similar business; no full members or the minimum alone:
    # no joint candidates (policy/partners.py).
    assert _names(options) == {"九龙茶厂", "罗雄食品厂"}
    assert [o.name for o in options] == ["九龙茶厂", "罗雄食品厂"]  # same division before same section
    tea_option = options[0]
    assert (tea_option.facts.full_members, tea_option.facts.probationary_members) == (1, 2)
    assert "同一行业大类" in tea_option.reasons and "同一行业门类" in options[1].reasons
    # A partner the plan already names stays offered, whatever it has become.
    kept = selectors.partner_options(user=bob, organization=tea["lead"], include=[tea["shop"].pk])
    assert "九龙百货商店" in _names(kept)


def test_the_form_lists_compatible_partners_with_their_members_not_the_whole_township(client, bob, tea):
    client.force_login(bob)
    body = client.get(reverse("formation:plan_edit", args=[tea["lead"].pk])).content.decode()
    assert 'id="partner-search"' in body
    offered = set(re.findall(r'name="partners" value="(\d+)"', body))
    assert offered == {str(tea["tea"].pk), str(tea["food"].pk)}
    assert "正式党员 1 名、预备党员 2 名" in body and "同一行业大类" in body


def test_the_partner_search_finds_by_pinyin_initials_and_keeps_the_chosen(client, bob, tea):
    client.force_login(bob)
    url = reverse("formation:plan_edit", args=[tea["lead"].pk])
    headers = {"HX-Request": "true", "HX-Target": "partner-options"}
    # 罗雄食品厂 → lxspc; the chosen 九龙茶厂 stays listed, ticked, above the results.
    body = client.get(url, {"partner_q": "lxsp", "partners": [tea["tea"].pk]}, headers=headers).content.decode()
    assert "<form" not in body and "<html" not in body  # the list alone
    assert re.search(rf'value="{tea["tea"].pk}"[^>]*checked', body)
    assert re.search(rf'value="{tea["food"].pk}"(?![^>]*checked)', body)
    assert body.index("九龙茶厂") < body.index("罗雄食品厂")
    body = client.get(url, {"partner_q": "百货"}, headers=headers).content.decode()
    assert "没有找到与“百货”相符的候选组织" in body and "九龙百货商店" not in body


def test_many_candidates_are_cut_with_a_hint_to_search(client, bob, tea, township_a):
    for n in range(25):
        OrganizationFactory(name=f"九龙第{n}茶厂", township=township_a, industry_code="C15", facts={"full_members": 1})
    client.force_login(bob)
    body = client.get(reverse("formation:plan_edit", args=[tea["lead"].pk])).content.decode()
    # The engine's suggested partner (one: 2 + 1 full members reach 3) is ticked, then the 20
    # least dissimilar of the 26 others.
    assert len(re.findall(r'name="partners" value="\d+" id="partner-\d+" checked', body)) == 1
    assert len(re.findall(r'name="partners"', body)) == 21
    assert "另有 6 个,请输入名称或拼音首字母查找" in body


def test_searching_without_javascript_keeps_what_was_typed_and_saves_nothing(client, bob, tea):
    client.force_login(bob)
    url = reverse("formation:plan_edit", args=[tea["lead"].pk])
    data = {
        "ready": "yes",
        "responsible_person": "王书记",
        "method": "joint",
        "target_kind": "joint_branch",
        "planned_date": "2026-12-31",
        "partners": [tea["tea"].pk],
        "partner_q": "罗雄",
        "partner_search": "1",
    }
    response = client.post(url, data)
    body = response.content.decode()
    assert response.status_code == 200 and not FormationPlan.objects.exists()
    assert 'value="王书记"' in body and 'value="2026-12-31"' in body and 'value="罗雄"' in body
    assert re.search(rf'value="{tea["tea"].pk}"[^>]*checked', body) and "罗雄食品厂" in body
    assert "errorlist" not in body
    # Saving the same form writes the plan with its partner.
    del data["partner_search"]
    assert client.post(url, data).status_code == 302
    assert list(FormationPlan.objects.get().partners.all()) == [tea["tea"]]


def test_the_fields_of_each_branch_are_grouped_for_the_branch_script(client, bob, tea):
    client.force_login(bob)
    body = client.get(reverse("formation:plan_edit", args=[tea["lead"].pk])).content.decode()
    yes = body[body.index('data-branch="yes"') : body.index('data-branch="no"')]
    no = body[body.index('data-branch="no"') : body.index('name="save"')]
    for name in ("method", "target_kind", "planned_date", "partners"):
        assert f'name="{name}"' in yes and f'name="{name}"' not in no
    for name in ("reason", "reason_text", "countermeasure"):
        assert f'name="{name}"' in no and f'name="{name}"' not in yes
    assert 'name="responsible_person"' not in yes + no  # both branches need it
    assert "data-joint" in yes
    # The branch script is a static file (the CSP allows no inline script).
    assert re.search(r'<script src="/static/js/plan-form\.js"', body)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)
