"""Census import benchmark (``make bench BENCH=import``).

Generates a 1,000,000-row census CSV and a 100,000-row XLSX (``BENCH_SCALE`` shrinks both;
cached under ``var/bench/``), imports them through the real pipeline
(``census.services.import_file``: read, validate every row, plan, write in one transaction with
revert data and audit), and measures in the same run, on the same CSV rows (all of them):

(a) a bare ``csv`` + ``sqlite3.executemany`` insert in one transaction (one table, no checks);
(b) django-import-export configured for bulk loads as its documentation recommends, looking rows
    up by the indexed credit code; it writes the organizations only;
(c) Django ``bulk_create`` of what the pipeline writes for new organizations: the organizations,
    their census intervals in an import batch, their change rows, party organizations and coverage
    links (the same stale-marking triggers fire).

Each case runs in its own process on its own fresh database with the project's schema (same
indexes, same triggers), so peak memory (max RSS) is the case's own. Targets: ≥ 10,000 rows/s
from CSV and ≥ 6,000 rows/s from XLSX with every check on, peak memory < 1 GiB; the ratios to the
baselines are printed beside them.
"""

from __future__ import annotations

import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.codes import uscc

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "bench"
SCALE = float(os.environ.get("BENCH_SCALE", "1.0"))
CSV_ROWS = max(1000, int(1_000_000 * SCALE))
XLSX_ROWS = max(1000, int(100_000 * SCALE))

HEADER = [
    "统一社会信用代码", "组织名称", "组织类别", "组织类型", "所属乡镇", "所属村(社区)", "行业主管部门",
    "行业代码", "是否规模以上", "经营状况", "从业人员数", "正式党员数", "预备党员数", "业主是否党员",
    "业主对组建党组织态度", "有无合适支部书记人选", "是否已建党组织", "党组织名称", "工资总额(万元)",
    "地址", "联系人", "联系电话", "备注",
]  # fmt: skip


def _divisions() -> tuple[list[tuple[str, str]], dict[str, list[str]]]:
    townships: list[tuple[str, str]] = []
    villages: dict[str, list[str]] = {}
    with open(ROOT / "data" / "demo" / "luoping_divisions.csv", encoding="utf-8-sig") as fh:
        for code, name, _parent in list(csv.reader(fh))[1:]:
            if len(code) == 9:
                townships.append((code, name))
            elif len(code) == 12:
                villages.setdefault(code[:9], []).append(name)
    return townships, villages


def _rows(count: int, seed: int = 2009) -> Any:
    rng = random.Random(seed)
    townships, villages = _divisions()
    words = ["蜂业", "煤业", "建材", "商贸", "餐饮", "农机", "茶叶", "油料", "物流", "旅游", "电子", "种植"]
    kinds = [
        ("有限责任公司", "新经济组织", "9"),
        ("个体工商户", "新经济组织", ""),
        ("私营企业", "新经济组织", "9"),
        ("农民专业合作社", "新经济组织", "9"),
        ("行业协会", "新社会组织", "5"),
        ("民办学校", "新社会组织", "5"),
    ]
    departments = ["", "", "罗平县工商业联合会", "罗平县民政局", "罗平县教育体育局", "罗平县市场监督管理局"]
    for i in range(count):
        code, township = townships[i % len(townships)]
        org_type, category, authority = kinds[rng.randrange(len(kinds))]
        employees = int(rng.paretovariate(1.3) * 3)
        full = rng.choice([0, 0, 0, 1, 2, 3, 5]) if employees > 5 else 0
        probationary = rng.choice([0, 0, 1])
        has_po = full >= 3 and rng.random() < 0.5
        name = f"罗平县{township[:2]}{words[i % len(words)]}{i}号{org_type if org_type != '个体工商户' else '店'}"
        yield [
            uscc(i, authority, "530324") if authority else "",
            name,
            category,
            org_type,
            township,
            rng.choice([*villages.get(code, [""]), ""]),
            rng.choice(departments),
            rng.choice(["C13", "F51", "H62", "A05", "P83", ""]),
            "是" if employees > 200 else "否",
            rng.choice(["正常经营"] * 8 + ["停产", "歇业"]),
            str(employees),
            str(full),
            str(probationary),
            rng.choice(["是", "否", "否"]),
            rng.choice(["支持", "一般", "不支持", ""]),
            rng.choice(["是", "否"]),
            "是" if has_po else "否",
            f"{name}党支部" if has_po else "",
            f"{employees * 3.6:.2f}",
            f"{township}{i}号",
            "张三",
            "13900000000",
            "",
        ]


def _csv_path(rows: int) -> Path:
    path = CACHE / f"census_{rows}.csv"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADER)
            writer.writerows(_rows(rows))
        tmp.rename(path)
    return path


def _xlsx_path(rows: int) -> Path:
    path = CACHE / f"census_{rows}.xlsx"
    if not path.exists():
        from openpyxl import Workbook

        CACHE.mkdir(parents=True, exist_ok=True)
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("摸底表")
        ws.append(HEADER)
        for row in _rows(rows, seed=4754):
            ws.append([int(v) if v.isdigit() else v for v in row])
        tmp = path.with_suffix(".tmp.xlsx")
        wb.save(tmp)
        tmp.rename(path)
    return path


_CATEGORIES = {"新经济组织": "economic", "新社会组织": "social"}
_TYPES = {
    "有限责任公司": "limited_company",
    "个体工商户": "individual_business",
    "私营企业": "private_enterprise",
    "农民专业合作社": "farmers_cooperative",
    "行业协会": "industry_association",
    "民办学校": "private_school",
}

# --- Cases (each runs in a child process: python -m bench.import_bench CASE ROWS) -------------


def _setup_django(case: str) -> None:
    db = CACHE / f"import_{case}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{db}")
    os.environ.setdefault("LIANGXIN_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liangxin.settings")
    var = CACHE / f"var_{case}"
    # The audit anchor and kept files belong to the database just deleted.
    shutil.rmtree(var, ignore_errors=True)
    os.environ.setdefault("LIANGXIN_VAR_DIR", str(var))
    import django
    from django.core.management import call_command

    django.setup()
    if not os.environ["DATABASE_URL"].startswith("sqlite"):
        # An empty schema, not ``flush``: the audit log refuses deleting its records (a trigger).
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    call_command("migrate", verbosity=0)
    from liangxin.geo.loaders import load_departments, load_divisions
    from liangxin.geo.services import setup_county

    divisions, _ = load_divisions(ROOT / "data" / "demo" / "luoping_divisions.csv")
    departments, _ = load_departments(ROOT / "data" / "demo" / "departments.csv")
    setup_county(by=None, divisions=divisions, departments=departments)


def _case_pipeline(path: Path) -> int:
    from liangxin.census.services import import_file
    from liangxin.geo.models import AdministrativeUnit, UnitLevel

    county = AdministrativeUnit.objects.get(level=UnitLevel.COUNTY)
    outcome = import_file(by=None, unit=county, data=path.read_bytes(), file_name=path.name, mode="accept_valid")
    if outcome.batch.status != "applied":
        raise SystemExit(f"pipeline did not import: {outcome.batch.status} {outcome.batch.failure_reason}")
    return outcome.batch.new_count


def _parsed(path: Path, rows: int) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        return [r for _, r in zip(range(rows), reader, strict=False)]


def _case_bare(path: Path, db: Path) -> int:
    import sqlite3

    db.unlink(missing_ok=True)
    conn = sqlite3.connect(db)
    columns = ", ".join(f"c{i} TEXT" for i in range(len(HEADER)))
    conn.execute(f"CREATE TABLE bare (id INTEGER PRIMARY KEY, {columns})")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        placeholders = ", ".join("?" for _ in HEADER)
        with conn:
            conn.executemany(f"INSERT INTO bare VALUES (NULL, {placeholders})", reader)
    count = int(conn.execute("SELECT count(*) FROM bare").fetchone()[0])
    conn.close()
    return count


def _baseline_batch() -> Any:
    """An import batch for a baseline's rows, as the pipeline's census intervals have."""
    from django.utils import timezone

    from liangxin.census.models import BatchStatus, ImportBatch
    from liangxin.geo.models import AdministrativeUnit, UnitLevel

    return ImportBatch.objects.create(
        unit=AdministrativeUnit.objects.get(level=UnitLevel.COUNTY),
        file_name="baseline.csv",
        as_of=timezone.localdate(),
        status=BatchStatus.APPLIED,
        applied_at=timezone.now(),
    )


def _case_bulk_create(path: Path, rows: int) -> int:
    """The rows the pipeline writes for new organizations, by ``bulk_create``: the organizations, their
    census intervals (in an import batch), their change rows, and a party organization with its
    coverage link for each row naming one; the same triggers fire as for the pipeline."""
    from django.db import transaction

    from liangxin.census.models import ImportChange
    from liangxin.core.text import normalize_name, pinyin_keys
    from liangxin.geo.models import AdministrativeUnit
    from liangxin.registry.models import Organization, OrganizationFacts, PartyOrganization, PartyOrganizationCoverage

    township_ids = dict(AdministrativeUnit.objects.filter(level=2).values_list("name", "pk"))
    categories = _CATEGORIES
    types = _TYPES
    created = 0
    with transaction.atomic():
        batch = _baseline_batch()
        today = batch.as_of
        chunk: list[list[str]] = []

        def flush() -> int:
            orgs = []
            for r in chunk:
                initials, full = pinyin_keys(r[1])
                orgs.append(
                    Organization(
                        uscc=r[0] or None, name=r[1], name_normalized=normalize_name(r[1]), name_initials=initials,
                        name_pinyin=full, category=categories[r[2]], org_type=types[r[3]],
                        township_id=township_ids[r[4]], industry_code=r[7], address=r[19],
                        contact_person=r[20], contact_phone=r[21],
                    )
                )  # fmt: skip
            Organization.objects.bulk_create(orgs, batch_size=2000)
            OrganizationFacts.objects.bulk_create(
                [
                    OrganizationFacts(
                        organization_id=o.pk, valid_from=today, source="import", employees=int(r[10]),
                        full_members=int(r[11]), probationary_members=int(r[12]), import_batch=batch,
                    )
                    for o, r in zip(orgs, chunk, strict=True)
                ],
                batch_size=2000,
            )  # fmt: skip
            ImportChange.objects.bulk_create(
                [ImportChange(batch=batch, organization_id=o.pk, kind="new", row=o.pk + 1, after={}) for o in orgs],
                batch_size=2000,
            )
            named = [(o, r[17]) for o, r in zip(orgs, chunk, strict=True) if r[17]]
            party_orgs = PartyOrganization.objects.bulk_create(
                [
                    PartyOrganization(
                        name=name, name_normalized=normalize_name(name), kind="branch",
                        formation_method="independent", township_id=o.township_id, founded_on=today,
                    )
                    for o, name in named
                ],
                batch_size=2000,
            )  # fmt: skip
            PartyOrganizationCoverage.objects.bulk_create(
                [
                    PartyOrganizationCoverage(party_organization=p, organization=o, valid_from=today)
                    for p, (o, _name) in zip(party_orgs, named, strict=True)
                ],
                batch_size=2000,
            )
            return len(orgs)

        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            next(reader)
            for _, row in zip(range(rows), reader, strict=False):
                chunk.append(row)
                if len(chunk) == 2000:
                    created += flush()
                    chunk = []
        if chunk:
            created += flush()
    return created


IMPORT_EXPORT_BATCH = 20_000


def _case_import_export(path: Path, rows: int) -> int:
    """django-import-export configured as its documentation recommends for large imports ("Bulk
    imports", "Performance tuning"): bulk mode, no diff, existing rows looked up by an indexed key
    (the unique credit code) in an instance cache, the township widget caching its lookups. It
    writes the organizations only (the pipeline writes their census intervals, change rows and
    party organizations too)."""
    import tablib
    from import_export import fields, instance_loaders, resources, widgets

    from liangxin.core.text import normalize_name, pinyin_keys
    from liangxin.geo.models import AdministrativeUnit
    from liangxin.registry.models import Organization

    categories = _CATEGORIES
    types = _TYPES

    class CachedTownshipWidget(widgets.ForeignKeyWidget):
        """A ForeignKeyWidget reading the townships once, as the bulk-import caveats advise."""

        def __init__(self) -> None:
            super().__init__(AdministrativeUnit, "name")
            self.by_name = {u.name: u for u in AdministrativeUnit.objects.filter(level=2)}

        def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
            return self.by_name[value]

    class OrganizationResource(resources.ModelResource):
        township = fields.Field(attribute="township", column_name="所属乡镇", widget=CachedTownshipWidget())
        uscc = fields.Field(attribute="uscc", column_name="统一社会信用代码")
        name = fields.Field(attribute="name", column_name="组织名称")
        category = fields.Field(attribute="category", column_name="组织类别")
        org_type = fields.Field(attribute="org_type", column_name="组织类型")

        class Meta:
            model = Organization
            import_id_fields = ("uscc",)  # unique, indexed (the pipeline's first key too)
            fields = ("uscc", "name", "category", "org_type", "township")
            use_bulk = True
            skip_diff = True
            instance_loader_class = instance_loaders.CachedInstanceLoader

        def before_import_row(self, row: Any, **kwargs: Any) -> None:
            row["组织类别"] = categories[row["组织类别"]]
            row["组织类型"] = types[row["组织类型"]]
            row["统一社会信用代码"] = row["统一社会信用代码"] or None

        def before_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
            instance.name_normalized = normalize_name(instance.name)
            instance.name_initials, instance.name_pinyin = pinyin_keys(instance.name)

    # In batches, as a large file is imported with it: the cached instance loader asks for every
    # row's key in one query, which SQLite allows up to 32,766 of.
    importer, new, parsed = OrganizationResource(), 0, _parsed(path, rows)
    for start in range(0, len(parsed), IMPORT_EXPORT_BATCH):
        data = tablib.Dataset(*parsed[start : start + IMPORT_EXPORT_BATCH], headers=HEADER)
        result = importer.import_data(data, dry_run=False, raise_errors=True, use_transactions=True)
        new += int(result.totals["new"])
    return new


def run_case(case: str, rows: int) -> dict[str, Any]:
    start_setup = time.perf_counter()
    if case != "bare":
        _setup_django(case)
    setup = time.perf_counter() - start_setup
    csv_path = CACHE / f"census_{CSV_ROWS}.csv"
    started = time.perf_counter()
    # CPU time of the case (SQLite writes in this process): what a shared machine distorts least.
    started_cpu = time.process_time()
    if case == "pipeline_csv":
        count = _case_pipeline(csv_path)
    elif case == "pipeline_xlsx":
        count = _case_pipeline(CACHE / f"census_{XLSX_ROWS}.xlsx")
    elif case == "bare":
        count = _case_bare(csv_path, CACHE / "import_bare.sqlite3")
    elif case == "bulk_create":
        count = _case_bulk_create(csv_path, rows)
    elif case == "import_export":
        count = _case_import_export(csv_path, rows)
    else:
        raise SystemExit(f"unknown case {case}")
    seconds = time.perf_counter() - started
    cpu = time.process_time() - started_cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"case": case, "rows": count, "seconds": seconds, "cpu_s": cpu, "peak_mb": peak_mb, "setup_s": setup}


def _child(case: str, rows: int) -> dict[str, Any]:
    env = dict(os.environ)
    proc = subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "bench.import_bench", case, str(rows)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"benchmark case {case} failed:\n{proc.stderr[-4000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def main() -> int:
    print(f"== census import benchmark (BENCH_SCALE={SCALE}: {CSV_ROWS:,} CSV rows, {XLSX_ROWS:,} XLSX rows) ==")
    t = time.perf_counter()
    _csv_path(CSV_ROWS)
    _xlsx_path(XLSX_ROWS)
    print(f"inputs ready in {time.perf_counter() - t:.1f} s (cached in {CACHE.relative_to(ROOT)})")
    results = {
        "bare": _child("bare", CSV_ROWS),
        "bulk_create": _child("bulk_create", CSV_ROWS),
        "import_export": _child("import_export", CSV_ROWS),
        "pipeline_csv": _child("pipeline_csv", CSV_ROWS),
        "pipeline_xlsx": _child("pipeline_xlsx", XLSX_ROWS),
    }
    rate = {k: v["rows"] / v["seconds"] for k, v in results.items()}
    print(f"{'case':<16}{'rows':>11}{'seconds':>10}{'CPU s':>9}{'rows/s':>11}{'rows/CPU s':>12}{'peak MiB':>10}")
    for key, r in results.items():
        print(
            f"{key:<16}{r['rows']:>11,}{r['seconds']:>10.1f}{r['cpu_s']:>9.1f}{rate[key]:>11,.0f}"
            f"{r['rows'] / r['cpu_s']:>12,.0f}{r['peak_mb']:>10,.0f}"
        )
    pipeline = rate["pipeline_csv"]
    targets = [("pipeline CSV", pipeline, 10_000), ("pipeline XLSX", rate["pipeline_xlsx"], 6_000)]
    for label, value, target in targets:
        print(f"{label:<34}{value:>8,.0f} rows/s target >= {target:,}   {'met' if value >= target else 'NOT met'}")
    peak = max(results["pipeline_csv"]["peak_mb"], results["pipeline_xlsx"]["peak_mb"])
    print(f"{'pipeline peak memory':<34}{peak:>8,.0f} MiB   target < 1024 MiB {'met' if peak < 1024 else 'NOT met'}")
    for label, baseline in (
        ("pipeline / bulk_create", "bulk_create"),
        ("pipeline / django-import-export", "import_export"),
        ("pipeline / bare sqlite3 insert", "bare"),
    ):
        print(f"{label:<34}{pipeline / rate[baseline]:>8.2f}x")
    print(f"load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3:
        print(json.dumps(run_case(sys.argv[1], int(sys.argv[2]))))
    else:
        sys.exit(main())
