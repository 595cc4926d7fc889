"""Throughput and peak memory of the pure reading layer (read + header + parse + validate).
Not run by the tests.

    .venv/bin/python -m liangxin.census.tabular.tests.throughput [ROWS] [--xlsx ROWS] [--collect] [--profile]

Generates a census table of ROWS rows (default 100,000) in the canonical template as CSV (GB18030,
like a township's Excel export) and as XLSX (at most 100,000 rows unless ``--xlsx`` says), cached
under var/bench/tabular/, and measures, each case in a process of its own so that its peak RSS is
its own:

- the floor: decoding and ``csv.reader`` with one dict per row, nothing checked;
- :func:`open_census` streaming every chunk (and dropping it) with an empty register, and with a
  register of 1,000 organizations per township (the near-duplicate search runs on every row);
- the XLSX, streamed, with the register;
- with ``--collect``, :func:`read_census` collecting every row of the CSV in memory.

``--profile`` profiles the CSV stream in this process instead.
"""

from __future__ import annotations

import cProfile
import csv
import io
import itertools
import json
import pstats
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

from openpyxl import Workbook

from liangxin.census.tabular import Place, Reference, open_census, read_census
from liangxin.census.tabular.columns import COLUMNS, LABELS
from liangxin.census.tabular.vocab import CATEGORY, OPERATING_STATUS, ORGANIZATION_TYPE, OWNER_ATTITUDE

CACHE = Path(__file__).resolve().parents[4] / "var" / "bench" / "tabular"
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
HANZI = "罗平县鑫源建材有限公司蜂业协会商贸物流农机合作社酒店餐饮科技兴隆板桥马街东胜九龙大道红星富乐阿岗钟山老厂"
TOWNSHIPS = [Place(f"530324{100 + i:03d}", f"第{i}镇") for i in range(13)]
DEPARTMENTS = (Place("GSL", "县工商联"), Place("MZJ", "县民政局"))


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


def generate_csv(rows: int) -> Path:
    """The CSV of ROWS rows (GB18030), written row by row and cached."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"census_{rows}.csv"
    if not path.exists():
        rng = random.Random(1)
        partial = path.with_suffix(".partial")
        with partial.open("w", encoding="gb18030", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(LABELS)
            writer.writerows(row(i, rng) for i in range(rows))
        partial.rename(path)
    return path


def generate_xlsx(rows: int) -> Path:
    """The same rows as :func:`generate_csv`, as XLSX with numbers as numbers, cached."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"census_{rows}.xlsx"
    if not path.exists():
        rng = random.Random(1)
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("摸底表")
        ws.append(list(LABELS))
        numeric = {i for i, c in enumerate(COLUMNS) if c.kind in ("int", "decimal")}
        for i in range(rows):
            ws.append([float(v) if n in numeric and v else v for n, v in enumerate(row(i, rng))])
        partial = path.with_suffix(".partial")
        wb.save(partial)
        partial.rename(path)
    return path


def generate(rows: int) -> tuple[Path, Path]:
    return generate_csv(rows), generate_xlsx(rows)


def reference() -> Reference:
    return Reference(townships=tuple(TOWNSHIPS), departments=DEPARTMENTS)


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_case(case: str, path: Path) -> dict[str, object]:
    """One measurement, in this process: rows, problems, seconds (wall and CPU), peak RSS."""
    data = path.read_bytes()
    ref = (
        reference() if case in ("register", "xlsx") else Reference(townships=tuple(TOWNSHIPS), departments=DEPARTMENTS)
    )
    wall, cpu = time.perf_counter(), time.process_time()
    problems = 0
    if case == "floor":
        reader = csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding="gb18030", newline=""))
        keys = next(reader)
        rows = sum(1 for _ in map(dict, map(zip, itertools.repeat(keys), reader)))
    elif case == "collect":
        result = read_census(data, path.name, ref)
        rows, problems = len(result.rows), len(result.problems)
    else:
        stream = open_census(data, path.name, ref)
        rows, problems = 0, len(stream.file_problems)
        for chunk in stream.chunks():
            rows += len(chunk.rows)
            problems += len(chunk.problems)
        problems += len(stream.final_problems())
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"case": case, "file": path.name, "rows": rows, "problems": problems, "wall": wall, "cpu": cpu,
            "peak_mib": _peak_mib(), "input_mib": len(data) / 2**20}  # fmt: skip


DESCRIPTIONS = {
    "floor": "floor: csv.reader + dict per row",
    "stream": "open_census, empty register",
    "register": "open_census, register 1,000/township",
    "xlsx": "open_census, register 1,000/township",
    "collect": "read_census (all rows in memory)",
}


def measure(case: str, path: Path) -> None:
    """Run a case in a fresh interpreter and print its line."""
    output = subprocess.run(  # noqa: S603  # our own interpreter and module
        [sys.executable, "-m", __spec__.name if __spec__ else __name__, "--case", case, str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found = json.loads(output.strip().splitlines()[-1])
    rows, wall, cpu = found["rows"], found["wall"], found["cpu"]
    print(
        f"{found['file']:22} {DESCRIPTIONS[case]:38} {rows:>9,} rows {found['problems']:>8,} problems "
        f"{wall:7.2f} s {rows / wall:>9,.0f} rows/s (CPU {rows / cpu:>7,.0f}) peak {found['peak_mib']:>6,.0f} MiB"
    )


def profile(path: Path) -> None:
    data = path.read_bytes()
    ref = Reference(townships=tuple(TOWNSHIPS), departments=DEPARTMENTS)
    profiler = cProfile.Profile()
    profiler.enable()
    stream = open_census(data, path.name, ref)
    for _chunk in stream.chunks():
        pass
    stream.final_problems()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(20)


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["--case"]:
        print(json.dumps(run_case(args[1], Path(args[2]))))
        return
    numbers = [a for a in args if a.isdigit()]
    rows = int(numbers[0]) if numbers else 100_000
    xlsx_rows = int(args[args.index("--xlsx") + 1]) if "--xlsx" in args else min(rows, 100_000)
    csv_path = generate_csv(rows)
    if "--profile" in args:
        profile(csv_path)
        return
    xlsx_path = generate_xlsx(xlsx_rows)
    for case in ("floor", "stream", "register"):
        measure(case, csv_path)
    if "--collect" in args:
        measure("collect", csv_path)
    measure("xlsx", xlsx_path)


if __name__ == "__main__":
    main()
