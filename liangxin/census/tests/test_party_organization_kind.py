"""A census import creates each party organization it names with the kind its name says, read by
the one reader the rules engine uses too (``liangxin/policy/names.py``)."""

import datetime as dt

from liangxin.census import services
from liangxin.registry.models import PartyOrganization


def test_imported_party_organizations_take_their_kind_from_the_name(alice, census_county):
    township = census_county["luoxiong"].name
    rows = [
        ("甲公司", "中共罗平县甲公司支部委员会"),
        ("乙公司", "中共罗平县乙公司总支部委员会"),
        ("丙公司", "中共罗平县丙公司委员会"),
        ("丁公司", "九龙社区非公企业联合党支部"),
        ("联合建材公司", "罗平县联合建材有限公司党支部"),
        ("戊公司", "罗平县戊公司"),
    ]
    csv = "组织名称,组织类别,组织类型,所属乡镇,正式党员数,是否已建党组织,党组织名称\n" + "".join(
        f"{org},新经济组织,个体工商户,{township},3,是,{party}\n" for org, party in rows
    )
    outcome = services.import_file(
        by=alice, unit=census_county["county"], data=csv.encode(), file_name="党组织.csv", as_of=dt.date(2026, 11, 30)
    )
    assert outcome.error_count == 0, [p.message for p in outcome.problems]
    created = {p.name: (p.kind, p.formation_method) for p in PartyOrganization.objects.all()}
    assert created == {
        "中共罗平县甲公司支部委员会": ("branch", "independent"),
        "中共罗平县乙公司总支部委员会": ("general_branch", "independent"),
        "中共罗平县丙公司委员会": ("committee", "independent"),
        "九龙社区非公企业联合党支部": ("joint_branch", "joint"),
        "罗平县联合建材有限公司党支部": ("branch", "independent"),
        "罗平县戊公司": ("branch", "independent"),  # a name that says no kind: a branch
    }
