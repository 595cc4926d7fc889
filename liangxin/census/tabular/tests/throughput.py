"""Throughput of the pure reading layer (read + header + parse + validate). Not run by the tests.

    .venv/bin/python -m liangxin.census.tabular.tests.throughput [ROWS] [--profile]

Generates a census table of ROWS rows (default 100,000) in the canonical template as CSV (GBK, like
a township's Excel export) and as XLSX, cached under var/bench/tabular/, and prints rows/s of
:func:`read_census` on each, with a register of 1,000 organizations per township for the
near-duplicate check.
"""

from __future__ import annotations

import cProfile
import csv
import dataclasses
import io
import pstats
import random
import sys
import time
from pathlib import Path

from openpyxl import Workbook

from liangxin.census.tabular import Place, Reference, read_census
from liangxin.census.tabular.columns import COLUMNS, LABELS
from liangxin.census.tabular.vocab import CATEGORY, OPERATING_STATUS, ORGANIZATION_TYPE, OWNER_ATTITUDE

CACHE = Path(__file__).resolve().parents[4] / "var" / "bench" / "tabular"
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
HANZI = "罗平县鑫源建材有限公司蜂业协会商贸物流农机合作社酒店餐饮科技兴隆板桥马街东胜九龙大道红星富乐阿岗钟山老厂"
TOWNSHIPS = [Place(f"530324{100 + i:03d}", f"第{i}镇") for i in range(13)]


def uscc(number: int) -> str:
    body = "91530324" + "".join(ALPHABET[(number // 31**i) % 31] for i in range(9))
    total = sum(ALPHABET.index(c) * w for c, w in zip(body, WEIGHTS, strict=True))
    return body + ALPHABET[(31 - total) % 31]


def row(i: int, rng: random.Random) -> list[str]:
    category = "economic" if rng.random() < 0.9 else "social"
    org_type = rng.choice(
        ["private_enterprise", "limited_company", "individual_business"]
        if category == "economic"
        else ["industry_association", "private_non_enterprise"]
    )
    employees = rng.randint(1, 300)
    full = rng.randint(0, 5)
    values = {
        "uscc": "" if org_type == "individual_business" and rng.random() < 0.3 else uscc(i),
        "name": "".join(rng.choice(HANZI) for _ in range(rng.randint(6, 14))) + f"{i}号有限公司",
        "category": CATEGORY[category],
        "org_type": ORGANIZATION_TYPE[org_type],
        "township": rng.choice(TOWNSHIPS).name,
        "village": "",
        "department": rng.choice(["县工商联", "县民政局", ""]),
        "industry_code": rng.choice(["C13", "F51", "H62", ""]),
        "above_designated_size": rng.choice(["是", "否"]),
        "operating_status": OPERATING_STATUS["operating"],
        "employees": str(employees),
        "full_members": str(full),
        "probationary_members": str(rng.randint(0, 1)),
        "owner_is_member": rng.choice(["是", "否"]),
        "owner_attitude": rng.choice(list(OWNER_ATTITUDE.values())),
        "secretary_candidate_available": rng.choice(["有", "无"]),
        "has_party_organization": "否",
        "party_organization_name": "",
        "payroll": f"{rng.randint(1, 100000) / 100:.2f}",
        "address": f"罗平县{rng.choice(HANZI)}{rng.choice(HANZI)}路{rng.randint(1, 999)}号",
        "contact_person": rng.choice(HANZI) + rng.choice(HANZI),
        "contact_phone": f"139{rng.randint(0, 99999999):08d}",
        "remarks": "",
        "has_union": rng.choice(["是", "否", ""]),
        "has_youth_league": rng.choice(["是", "否", ""]),
        "has_womens_federation": rng.choice(["是", "否", ""]),
        "instructor": "",
    }
    return [values[c.key] for c in COLUMNS]


def generate(rows: int) -> tuple[Path, Path]:
    CACHE.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = CACHE / f"census_{rows}.csv", CACHE / f"census_{rows}.xlsx"
    if not csv_path.exists() or not xlsx_path.exists():
        rng = random.Random(1)
        table = [row(i, rng) for i in range(rows)]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(LABELS)
        writer.writerows(table)
        csv_path.write_bytes(out.getvalue().encode("gb18030"))
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("摸底表")
        ws.append(list(LABELS))
        numeric = {i for i, c in enumerate(COLUMNS) if c.kind in ("int", "decimal")}
        for values in table:
            ws.append([float(v) if i in numeric and v else v for i, v in enumerate(values)])
        wb.save(xlsx_path)
    return csv_path, xlsx_path


def reference() -> Reference:
    rng = random.Random(2)
    existing = {
        t.code: {"".join(rng.choice(HANZI) for _ in range(rng.randint(6, 14))) + "有限公司": None for _ in range(1000)}
        for t in TOWNSHIPS
    }
    return Reference(
        townships=tuple(TOWNSHIPS),
        departments=(Place("GSL", "县工商联"), Place("MZJ", "县民政局")),
        existing_organizations=existing,
    )


def measure(path: Path, ref: Reference, profile: bool) -> None:
    data = path.read_bytes()
    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    result = read_census(data, path.name, ref)
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - start
    rows = len(result.rows)
    print(f"{path.name}: {rows} rows, {len(result.problems)} problems, {elapsed:.2f} s, {rows / elapsed:,.0f} rows/s")
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


def baseline(path: Path) -> None:
    """The floor on this machine: decode, csv.reader, one dict per row, nothing checked."""
    start = time.perf_counter()
    reader = csv.reader(io.StringIO(path.read_bytes().decode("gb18030"), newline=""))
    keys = next(reader)
    rows = [dict(zip(keys, record, strict=False)) for record in reader]
    elapsed = time.perf_counter() - start
    print(f"baseline csv.reader + dict per row: {len(rows) / elapsed:,.0f} rows/s")


def main() -> None:
    rows = int(next((a for a in sys.argv[1:] if a.isdigit()), "100000"))
    profile = "--profile" in sys.argv
    csv_path, xlsx_path = generate(rows)
    baseline(csv_path)
    measure(csv_path, dataclasses.replace(reference(), existing_organizations={}), profile)
    ref = reference()
    print("with a register of 1,000 organizations per township (near-duplicate check on every row):")
    measure(csv_path, ref, profile)
    measure(xlsx_path, ref, profile)


if __name__ == "__main__":
    main()
