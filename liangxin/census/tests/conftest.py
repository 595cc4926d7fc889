"""A county with the townships, villages and departments the reader's fixtures name."""

from pathlib import Path

import pytest

from liangxin.testing.factories import DepartmentFactory, TownshipFactory, VillageFactory

FIXTURES = Path(__file__).resolve().parent.parent / "tabular" / "tests" / "fixtures"


@pytest.fixture
def census_county(county, township_a, township_b):
    """township_a is 罗雄街道 (530324001), township_b 板桥镇 (530324102)."""
    majie = TownshipFactory(parent=county, code="530324103", name="马街镇")
    VillageFactory(parent=township_a, code="530324001001", name="九龙社区居民委员会")
    VillageFactory(parent=township_a, code="530324001002", name="红星社区居民委员会")
    VillageFactory(parent=township_b, code="530324102001", name="东胜社区居民委员会")
    for code, name in [("GSL", "县工商联"), ("SCJG", "县市场监督管理局"), ("MZJ", "县民政局")]:
        DepartmentFactory(code=code, name=name)
    return {"county": county, "luoxiong": township_a, "banqiao": township_b, "majie": majie}


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()
