"""Registration-list reconciliation benchmark (`make bench BENCH=reconcile`).

A province-size register (1,000,000 organizations × ``BENCH_SCALE`` in 1,500 townships of 10 villages)
and a market-regulation list of the same size, generated with known planted differences: entries the
register lacks (with the township in the address), entries deregistered in the list, companies renamed
(same USCC), names written another way (brackets, the county prefix dropped, 有限公司 for 有限责任公司)
on rows without a USCC, individual businesses whose USCC the register lacks, organizations the list
lacks, state enterprises out of scope, and a few exact duplicates in the register.

Timed: reading the list from a UTF-8 CSV through the census's spreadsheet reader, then the
reconciliation rules (``liangxin.reconcile.engine.reconcile``) against the register as plain records —
the work ``manage.py reconcile`` does after its one read of the register (a ``values_list`` over the
organizations, not part of this figure). Printed: the time, peak memory (max RSS of the process), and
recall and precision of each list against the planted answers. Target: ≤ 120 s and < 2 GiB at full
scale on the 2-core CI machine.
"""

from __future__ import annotations

import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCALE = float(os.environ.get("BENCH_SCALE", "1.0"))
ORGANIZATIONS = max(2000, int(1_000_000 * SCALE))
TOWNSHIPS = max(4, int(1500 * SCALE))
VILLAGES = 10
TARGET_S = 120.0
TARGET_RSS_GIB = 2.0
SEED = 2026
_CHARS = (
    "安宝昌诚达鼎丰福富广国海瀚浩和恒弘华辉佳嘉金锦晋俊凯康乐力利隆"
    "茂美明鹏品启谦荣瑞润森盛顺泰天通万伟文祥鑫兴旭雅怡益永友裕元源远悦云泽振正志中卓"
)
_TRADES = ("建材", "商贸", "餐饮", "物流", "农业科技", "茶业", "养殖", "电子", "汽车维修", "五金", "服装", "印务")


def _place(n: int, word: str) -> str:
    return _CHARS[n % len(_CHARS)] + _CHARS[(n // len(_CHARS)) % len(_CHARS)] + _CHARS[n // 3600 % len(_CHARS)] + word


def generate(rng: random.Random) -> tuple[list[Any], list[Any], list[str], dict[str, set[Any]]]:
    from liangxin.reconcile.engine import RegisterRecord, Township
    from liangxin.testing.factories import valid_uscc

    townships = [
        Township(
            f"{100000000 + t:09d}",
            _place(t, "镇"),
            tuple(_place(t * VILLAGES + v + 7919, "村委会") for v in range(VILLAGES)),
        )
        for t in range(TOWNSHIPS)
    ]
    register: list[Any] = []
    lines: list[str] = ["名称,统一社会信用代码,类型,登记状态,住所"]
    expected: dict[str, set[Any]] = {
        k: set() for k in ("missing", "deregistered", "changed", "unregistered", "duplicates")
    }
    alphabet = len(_CHARS)
    for pk in range(1, ORGANIZATIONS + 1):
        township = townships[pk % TOWNSHIPS]
        brand = "".join(_CHARS[(pk // alphabet**i) % alphabet] for i in range(4))
        trade = _TRADES[pk % len(_TRADES)]
        individual = pk % 10 == 0
        name = f"罗平县{brand}{trade}" + ("店" if individual else "有限责任公司")
        uscc = "" if individual else valid_uscc(pk)
        register.append(
            RegisterRecord(pk, name, township.code, uscc, "individual_business" if individual else "limited_company")
        )
        kind = "个体工商户" if individual else "有限责任公司"
        address = f"{township.name}{township.villages[pk % VILLAGES]}"
        roll = rng.random()
        if roll < 0.005:  # absent from the list
            expected["unregistered"].add(pk)
            continue
        if roll < 0.010:
            expected["deregistered"].add(pk)
            lines.append(f"{name},{uscc},{kind},注销,{address}")
        elif roll < 0.015 and uscc:  # renamed
            expected["changed"].add(pk)
            lines.append(f"罗平县{brand}新{trade}有限责任公司,{uscc},{kind},存续,{address}")
        elif roll < 0.020 and individual:  # the register lacks its USCC
            expected["changed"].add(pk)
            lines.append(f"{name},{valid_uscc(ORGANIZATIONS + pk)},{kind},存续,{address}")
        elif roll < 0.030 and individual:  # written another way: no county prefix, brackets
            lines.append(f"（罗平）{brand}{trade}店,,{kind},在业,{address}")
        else:
            lines.append(f"{name},{uscc},{kind},存续,{address}")
    for n in range(ORGANIZATIONS // 100):  # the register lacks these
        township = townships[n % TOWNSHIPS]
        name = f"罗平县{_CHARS[n % alphabet]}{_CHARS[(n // alphabet) % alphabet]}新开{_TRADES[n % 12]}有限公司"
        lines.append(f"{name},{valid_uscc(3 * ORGANIZATIONS + n)},有限责任公司,存续,{township.name}某路{n}号")
        expected["missing"].add(name)
    for n in range(ORGANIZATIONS // 500):
        lines.append(f"罗平县某国有{n}公司,{valid_uscc(4 * ORGANIZATIONS + n)},有限责任公司(国有独资),存续,")
    for n in range(ORGANIZATIONS // 1000):  # a same-named record kept twice in one township
        original = register[n * 7]
        register.append(RegisterRecord(len(register) + 1, original.name, original.township, "", original.org_type))
        expected["duplicates"].add(frozenset({original.pk, len(register)}))
        expected["unregistered"].add(len(register))  # the list names the organization once
    return townships, register, lines, expected


def run() -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liangxin.settings")
    django.setup()
    from liangxin.reconcile.engine import reconcile
    from liangxin.reconcile.keys import prefixes_of
    from liangxin.reconcile.listfile import read_list

    rng = random.Random(SEED)
    started = time.perf_counter()
    townships, register, lines, expected = generate(rng)
    data = ("\n".join(lines) + "\n").encode()
    print(
        f"== reconciliation benchmark (BENCH_SCALE={SCALE:g}): register {len(register):,} organizations in "
        f"{len(townships):,} townships, list {len(lines) - 1:,} entries; "
        f"generated in {time.perf_counter() - started:.0f} s"
    )
    del lines
    started = time.perf_counter()
    cpu_started = time.process_time()
    listing = read_list(data, "market.csv")
    read_s = time.perf_counter() - started
    result = reconcile(
        listing.entries, register, source="market", townships=townships, prefixes=prefixes_of(["罗平县"])
    )
    total = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    rss_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    found: dict[str, set[Any]] = {
        "missing": {m["name"] for m in result.missing},
        "deregistered": {d["organization"] for d in result.deregistered},
        "changed": {c["organization"] for c in result.changed},
        "unregistered": {u["organization"] for u in result.unregistered},
        "duplicates": {frozenset(d["organizations"]) for d in result.duplicates},
    }
    print(f"read {read_s:.1f} s, reconciled in {total - read_s:.1f} s; problems in the file: {len(listing.problems)}")
    print(f"{'list':<14}{'planted':>9}{'found':>9}{'recall':>9}{'precision':>11}")
    for key, want in expected.items():
        got = found[key]
        hit = len(want & got)
        recall = hit / len(want) if want else 1.0
        precision = hit / len(got) if got else 1.0
        print(f"{key:<14}{len(want):>9,}{len(got):>9,}{recall:>9.1%}{precision:>11.1%}")
    print(f"matched {result.matched:,}, out of scope {result.out_of_scope:,}")
    ok = total <= TARGET_S and rss_gib < TARGET_RSS_GIB
    print(
        f"total {total:.1f} s wall, {cpu:.1f} s CPU of this process (target ≤ {TARGET_S:g} s at full scale; "
        "on a busy machine the CPU figure is the fairer one), "
        f"peak memory {rss_gib:.2f} GiB "
        f"(target < {TARGET_RSS_GIB:g} GiB): {'met' if ok else 'NOT met'}"
    )
    return 0 if ok else 1


COUNTY_ENTRIES = 5000
COUNTY_TARGET_S = 30.0


def county() -> int:
    """A county-size list (5,000 entries: the demo county's register as market regulation lists it,
    and new registrations) run in the browser as a clerk runs it: the upload (the file read and
    checked in the request), the comparison job (here in this process, as the worker runs it: the
    same function), and the batch page. Target: ≤ 30 s from upload to the page with the rows."""
    import shutil

    from bench.pages_bench import CACHE, fresh_database

    os.environ["DATABASE_URL"] = fresh_database("reconcile_county")
    os.environ.setdefault("LIANGXIN_DEBUG", "1")
    os.environ["LIANGXIN_DEMO"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "liangxin.settings"
    shutil.rmtree(CACHE / "var_reconcile_county", ignore_errors=True)
    os.environ["LIANGXIN_VAR_DIR"] = str(CACHE / "var_reconcile_county")
    (CACHE / "var_reconcile_county" / "staticfiles").mkdir(parents=True, exist_ok=True)
    import django
    from django.core.management import call_command

    django.setup()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.utils import timezone

    from liangxin.accounts.models import User
    from liangxin.census import jobs
    from liangxin.geo.models import AdministrativeUnit, UnitLevel
    from liangxin.reconcile.models import ReconcileBatch
    from liangxin.registry.models import Organization
    from liangxin.testing.factories import valid_uscc

    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115 (closed at exit)
    rng = random.Random(SEED)
    lines = ["统一社会信用代码,名称,类型,登记状态,住所,登记机关"]
    for org in Organization.objects.select_related("township").order_by("pk"):
        status = "注销" if rng.random() < 0.02 else "存续"
        place = f"罗平县{org.township.name}"
        lines.append(f"{org.uscc or ''},{org.name},有限责任公司,{status},{place},罗平县市场监督管理局")
    places = list(AdministrativeUnit.objects.filter(level=UnitLevel.VILLAGE).values_list("parent__name", "name"))
    n = 0
    while len(lines) <= COUNTY_ENTRIES:
        township, village = rng.choice(places)
        n += 1
        lines.append(
            f"{valid_uscc(900_000 + n)},罗平{_place(n, rng.choice(_TRADES))}有限公司,有限责任公司,存续,"
            f"罗平县{township}{village}{n}号,罗平县市场监督管理局"
        )
    data = ("\n".join(lines) + "\n").encode()
    admin = User.objects.get(username="county_admin")
    User.objects.filter(pk=admin.pk).update(must_change_password=False, password_changed_at=timezone.now())
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin)
    county_unit = AdministrativeUnit.objects.get(level=UnitLevel.COUNTY)
    print(f"== reconciliation in the browser: the demo county ({Organization.objects.count():,} organizations), "
          f"a list of {len(lines) - 1:,} entries; load average {os.getloadavg()[0]:.1f} ==")  # fmt: skip
    started = time.perf_counter()
    upload = client.post(
        "/reconcile/",
        {"unit": county_unit.pk, "source": "market", "file": SimpleUploadedFile("市场主体名单.csv", data)},
    )
    uploaded = time.perf_counter()
    assert upload.status_code == 302, upload.status_code
    job = jobs.run_next("bench")
    compared = time.perf_counter()
    batch = ReconcileBatch.objects.latest("pk")
    page = client.get(batch.get_absolute_url())
    shown = time.perf_counter()
    assert job is not None and page.status_code == 200
    total = shown - started
    print(
        f"upload {uploaded - started:.1f} s, comparison job {compared - uploaded:.1f} s, batch page "
        f"{shown - compared:.2f} s: {total:.1f} s (target ≤ {COUNTY_TARGET_S:g} s): "
        f"{'met' if total <= COUNTY_TARGET_S else 'NOT met'}; rows {batch.rows.count():,} "
        f"(missing {batch.missing_count:,}, closed {batch.deregistered_count:,}, "
        f"unregistered {batch.unregistered_count:,}), status {batch.status}"
    )
    return 0 if total <= COUNTY_TARGET_S else 1


def main() -> int:
    """Each part in a child process, so that peak memory is that part's own."""
    status = 0
    for part in ("run", "county"):
        command = [sys.executable, "-m", "bench.reconcile_bench", part]
        proc = subprocess.run(command, cwd=ROOT, env=dict(os.environ), check=False)  # noqa: S603 (our own module)
        status |= proc.returncode
    return status


if __name__ == "__main__":
    parts = {"run": run, "county": county}
    sys.exit(parts[sys.argv[1]]() if sys.argv[1:2] and sys.argv[1] in parts else main())
