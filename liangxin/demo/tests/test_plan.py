"""The demo's plan, drawn without the database: the same seed draws the same county and the same
history, every seed meets the published figures on the latest census date."""

import datetime as dt
import functools

from liangxin.demo import county, draw
from liangxin.demo.plan import category_totals
from liangxin.geo.loaders import load_departments, load_divisions
from liangxin.registry.choices import Category


@functools.cache
def plan_of(seed):
    divisions, _ = load_divisions(county.DEMO_DATA_DIR / "luoping_divisions.csv")
    departments, _ = load_departments(county.DEMO_DATA_DIR / "departments.csv")
    return draw.plan_demo(seed=seed, divisions=divisions, departments=departments)


def test_same_seed_same_county_and_history():
    first, again = plan_of.__wrapped__(county.DEFAULT_SEED), plan_of.__wrapped__(county.DEFAULT_SEED)
    assert first == again  # organizations, party organizations, members and the whole history
    assert first.history is not None and first.history.figures[dt.date(2023, 1, 1)]


def test_every_seed_meets_the_published_figures_on_the_latest_date():
    for seed in (county.DEFAULT_SEED, county.DEFAULT_SEED + 1):
        plan = plan_of(seed)
        totals = category_totals(plan)
        assert totals[Category.ECONOMIC] == {"organizations": 995, "employees": 31_300, "members": 510}
        assert totals[Category.SOCIAL] == {"organizations": 93, "employees": 1_064, "members": 158}
        on = county.AS_OF
        assert sum(1 for p in plan.party_organizations if p.founded_on <= on and p.dissolved_on is None) == 42
        assert plan.history is not None
        latest = plan.history.figures[county.AS_OF]
        live = [i for i, o in enumerate(plan.organizations) if o.deregistered_in is None]
        assert sum(latest[i].employees for i in live) == 32_400 - 36  # 31,300 + 1,064
        # Earlier census dates: fewer organizations, and a different count every year.
        counts = [len(plan.history.figures[on]) for on in county.CENSUS_DATES]
        assert counts == sorted(counts) and len(set(counts)) == len(counts)


def test_other_seed_other_county():
    first, other = plan_of(county.DEFAULT_SEED), plan_of(county.DEFAULT_SEED + 1)
    assert [o.name for o in first.organizations[100:120]] != [o.name for o in other.organizations[100:120]]
