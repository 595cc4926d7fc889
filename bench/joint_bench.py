"""Joint-branch planner benchmark (`make bench BENCH=joint`).

In one run, on one machine:

(a) The pure planner (``formation.joint.plan_joint_groups``, no time budget) on one township's
    candidates that are all compatible: one industry section (the divisions C13–C42), 25 villages,
    1 or 2 full members each, for 150, 550, 1,150, 3,650 and 4,000 candidates (the sizes at which
    the planner used to take 0.4 s, 4.1 s, 21 s and no answer in 300 s). For each: the time, the
    candidates left out beside the lower bound (those no valid group contains: none here) and the
    groups formed beside the lower bound ``ceil(covered / 5)``. Target: at most 1 % left out.
(b) The planner page ``/formation/joint/`` served through Django's test client to the clerk of a
    township with 4,000 such candidates, 1,000 organizations without members, 200 suspended and
    200 at the minimum alone, generated in the project's schema in its own database
    (``var/bench/joint-<scale>.sqlite3``, or ``DATABASE_URL`` when that is PostgreSQL: the schema
    there is dropped and rebuilt). Median of 5 warm requests, with the time budget in force
    (``LIANGXIN_JOINT_PLANNER_SECONDS``). Target: at most 2 s.

``BENCH_SCALE`` scales the page's township (not the planner sizes of (a) up to 4,000 × scale).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench.process import run_in_child

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "bench"
SCALE = float(os.environ.get("BENCH_SCALE", "1.0"))
PAGE_CANDIDATES = max(100, round(4000 * SCALE))
SIZES = [n for n in (150, 550, 1150, 3650, 4000) if n <= max(PAGE_CANDIDATES, 150)]
VILLAGES = 25
TARGET_LEFT_OUT = 0.01
TARGET_PAGE_S = 2.0
REQUESTS = 5
SEED = 2026


def candidates(n: int, seed: int = SEED) -> list[Any]:
    """``n`` pairwise compatible candidates of one township (as the register would give them)."""
    from liangxin.formation import joint

    rng = random.Random(seed)
    return [
        joint.Candidate(
            id=str(i),
            full_members=rng.choice((1, 2)),
            industry_code=f"C{rng.randrange(13, 43)}",
            category="economic",
            org_type="limited_company",
            township="530324001",
            village=f"530324001{rng.randrange(VILLAGES):03d}",
        )
        for i in range(1, n + 1)
    ]


def planner_table() -> int:
    from liangxin.formation import joint

    print("joint planner, all candidates compatible (1–2 full members, 25 villages, one section), no budget")
    print(f"{'candidates':>10} {'time':>8} {'left out':>9} {'bound':>6} {'groups':>7} {'bound':>6} {'dissim.':>8}")
    status = 0
    for n in SIZES:
        cands = candidates(n)
        started = time.perf_counter()
        plan = joint.plan_joint_groups(cands, min_full_members=3, max_group_size=5)
        elapsed = time.perf_counter() - started
        hopeless, fewest = joint.lower_bounds(plan, cands, min_full_members=3, max_group_size=5)
        left = len(plan.uncovered)
        ok = left <= TARGET_LEFT_OUT * n
        status |= 0 if ok else 1
        verdict = "met" if ok else "NOT met"
        print(
            f"{n:>10,} {elapsed:>7.2f}s {left:>9} {hopeless:>6} {len(plan.groups):>7} {fewest:>6} "
            f"{plan.score[2]:>8}  left out {left / n:.1%} (target ≤ {TARGET_LEFT_OUT:.0%}: {verdict})"
        )
    return status


# --- The page ------------------------------------------------------------------------------------


def _setup_django() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        CACHE.mkdir(parents=True, exist_ok=True)
        db = CACHE / f"joint-{SCALE:g}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("LIANGXIN_DEBUG", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "liangxin.settings"
    os.environ["LIANGXIN_VAR_DIR"] = str(CACHE / "var_joint")
    import django
    from django.core.management import call_command

    django.setup()
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    call_command("migrate", verbosity=0)


def _build() -> Any:
    """The township, its organizations and census facts, and its clerk; bulk inserts."""
    from django.utils import timezone

    from liangxin.accounts.models import User
    from liangxin.core.text import normalize_name, pinyin_keys
    from liangxin.geo.models import AdministrativeUnit, UnitLevel
    from liangxin.registry.models import Organization, OrganizationFacts

    county = AdministrativeUnit.objects.create(code="530324", name="罗平县", level=UnitLevel.COUNTY, path="530324")
    township = AdministrativeUnit.objects.create(
        code="530324001", name="罗雄街道", level=UnitLevel.TOWNSHIP, parent=county, path="530324/530324001"
    )
    villages = AdministrativeUnit.objects.bulk_create(
        AdministrativeUnit(
            code=f"530324001{i:03d}",
            name=f"第{i}社区",
            level=UnitLevel.VILLAGE,
            parent=township,
            path=f"530324/530324001/530324001{i:03d}",
        )
        for i in range(VILLAGES)
    )
    rng = random.Random(SEED)
    specs: list[tuple[int, str]] = (
        [(rng.choice((1, 2)), "operating") for _ in range(PAGE_CANDIDATES)]
        + [(0, "operating")] * (PAGE_CANDIDATES // 4)
        + [(rng.choice((1, 2)), "suspended")] * (PAGE_CANDIDATES // 20)
        + [(3 + rng.randrange(5), "operating")] * (PAGE_CANDIDATES // 20)
    )
    orgs = []
    for i, _spec in enumerate(specs):
        name = f"罗平县第{i}号商贸有限公司"
        initials, full = pinyin_keys(name)
        orgs.append(
            Organization(
                name=name,
                name_normalized=normalize_name(name),
                name_initials=initials,
                name_pinyin=full,
                category="economic",
                org_type="limited_company",
                industry_code=f"C{rng.randrange(13, 43)}",
                township=township,
                village=rng.choice(villages),
            )
        )
    orgs = Organization.objects.bulk_create(orgs, batch_size=1000)
    OrganizationFacts.objects.bulk_create(
        (
            OrganizationFacts(
                organization=org,
                valid_from=dt.date(2026, 1, 1),
                operating_status=status,
                employees=10 + rng.randrange(200),
                full_members=full,
                source="edit",
            )
            for org, (full, status) in zip(orgs, specs, strict=True)
        ),
        batch_size=1000,
    )
    clerk, _ = User.objects.update_or_create(
        username="bench-joint-clerk",
        defaults={
            "role": "township_clerk",
            "township": township,
            "full_name": "基准乡镇工作人员",
            "password_changed_at": timezone.now(),
        },
    )
    return clerk


def page(clerk: Any) -> tuple[float, str]:
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    client = Client(HTTP_HOST="localhost")
    client.force_login(clerk)
    url = reverse("formation:joint_planner")
    times = []
    body = ""
    for _ in range(REQUESTS + 1):  # the first warms the caches
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code} for {url}")
        body = response.content.decode()
    note = "not proven best" if "未证明为最优" in body else "proven best"
    if "计算已达时间上限" in body:
        note += f", time budget of {settings.JOINT_PLANNER_SECONDS:g} s reached"
    return statistics.median(times[1:]), note


def run() -> int:
    status = planner_table()
    _setup_django()
    started = time.perf_counter()
    clerk = _build()
    print(f"\nplanner page: township of {PAGE_CANDIDATES:,} candidates built in {time.perf_counter() - started:.1f} s")
    seconds, note = page(clerk)
    ok = seconds <= TARGET_PAGE_S
    status |= 0 if ok else 1
    from django.db import connection

    print(
        f"/formation/joint/ median of {REQUESTS}: {seconds:.2f} s, target ≤ {TARGET_PAGE_S:g} s "
        f"{'met' if ok else 'NOT met'} ({note}; {connection.vendor})"
    )
    print(f"groups needed at least: {math.ceil(PAGE_CANDIDATES / 5):,}")
    return status


def main() -> int:
    return run_in_child("bench.joint_bench")


if __name__ == "__main__":
    sys.exit(run() if sys.argv[1:] == ["run"] else main())
