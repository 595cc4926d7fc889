"""The kind a party organization's name says: one reader (``policy/names.py``) for the census import
and the rules engine, over the naming variants in use."""

import subprocess
import sys
from pathlib import Path

import pytest

from liangxin.policy.names import NamedKind, read_party_organization_name
from liangxin.policy.table import read_facts

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("name", "kind", "joint"),
    [
        # Branches: the short name, the formal name (its committee), and without 党.
        ("罗平县蜂产业协会党支部", "branch", False),
        ("中共罗平县万兴隆实业有限公司支部委员会", "branch", False),
        ("中共罗平县万兴隆实业有限公司党支部委员会", "branch", False),
        ("中共罗平县万兴隆实业有限公司支部", "branch", False),
        # General branches.
        ("罗平县扎塘煤矿党总支", "general_branch", False),
        ("罗平县扎塘煤矿党总支部", "general_branch", False),
        ("中共罗平县扎塘煤矿有限公司总支部委员会", "general_branch", False),
        ("中共罗平县扎塘煤矿有限公司党总支部委员会", "general_branch", False),
        # Grassroots committees.
        ("中共罗平县星火公司委员会", "committee", False),
        ("罗平县星火公司党委", "committee", False),
        ("罗雄街道非公有制经济组织党工委", "committee", False),
        # Joint organizations, at every level.
        ("九龙社区非公企业联合党支部", "joint_branch", True),
        ("九龙社区非公企业联合支部", "joint_branch", True),
        ("中共九龙社区非公企业联合支部委员会", "joint_branch", True),
        ("罗雄街道个体私营企业联合党总支", "general_branch", True),
        ("中共罗雄街道个体私营企业联合总支部委员会", "general_branch", True),
        ("罗雄街道非公企业联合党委", "committee", True),
        # Other qualified branches; a building branch of several organizations is still one.
        ("罗雄街道商务楼宇党支部", "building_branch", False),
        ("罗雄街道商务楼宇联合党支部", "building_branch", True),
        ("罗平县建筑业临时党支部", "temporary_branch", False),
        ("罗平县外出务工流动党员党支部", "mobile_members_branch", False),
        ("罗平县外出务工流动党员支部", "mobile_members_branch", False),
        # 联合 inside an organization's own name is not a joint organization.
        ("罗平县联合建材有限公司党支部", "branch", False),
        ("中共罗平县联合建材有限公司委员会", "committee", False),
        # Full-width letters and spaces are read as written by hand.
        ("罗平县ＡＢＣ公司 党支部", "branch", False),
        # Names that name no kind: an association, a residents' committee.
        ("罗平县蜂产业协会", "", False),
        ("九龙社区居民委员会", "", False),
        ("", "", False),
    ],
)
def test_the_name_says_the_kind(name, kind, joint):
    assert read_party_organization_name(name) == NamedKind(kind, joint)


def test_the_reader_imports_no_django():
    code = "import sys, liangxin.policy.names; print(sorted(m for m in sys.modules if m.startswith('django')))"
    done = subprocess.run(  # noqa: S603 (our own interpreter and a constant program)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip() == "[]"


def test_the_engine_reads_a_table_with_the_same_reader():
    csv = (
        "组织名称,所属乡镇,正式党员数,预备党员数,是否已建党组织,党组织名称\n"
        "甲公司,罗雄街道,60,0,是,中共甲公司支部委员会\n"
        "乙公司,罗雄街道,5,0,是,中共乙公司总支部委员会\n"
    ).encode()
    rows = {r.name: r.facts for r in read_facts(csv, "facts.csv")}
    assert rows["甲公司"] is not None and rows["甲公司"].party_organization_kind == "branch"
    assert rows["乙公司"] is not None and rows["乙公司"].party_organization_kind == "general_branch"
