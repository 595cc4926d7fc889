"""``plan_demo``: the whole demo county, history included, drawn from a seed without touching the
database. Same seed, same county."""

from __future__ import annotations

from collections.abc import Sequence

from liangxin.geo.loaders import DepartmentEntry, Division

from .history import plan_history
from .organizations import OrganizationPlanner
from .people import MemberPlanner
from .plan import DemoPlan


def plan_demo(*, seed: int, divisions: Sequence[Division], departments: Sequence[DepartmentEntry]) -> DemoPlan:
    planner = OrganizationPlanner(seed=seed, divisions=divisions, departments=departments)
    planner.economic()
    planner.social()
    members = MemberPlanner(planner)
    members.economic()
    members.social()
    members.finish_facts()
    members.members()
    planner.plan.people = [planner.person()[0] for _i in range(8)]
    planner.plan.history = plan_history(planner, planner.plan, seed=seed)
    return planner.plan
