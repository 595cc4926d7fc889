"""Shared test data: the reference county (real 罗平县 names and codes) and USCCs with valid check digits."""

from __future__ import annotations

from pathlib import Path

from liangxin.census.tabular import Place, Reference, read_census
from liangxin.census.tabular.api import CensusReadResult

FIXTURES = Path(__file__).resolve().parent / "fixtures"

U1 = "91530324MA6K3BQ103"
U2 = "51530324MJ0X1D200D"
U3 = "91530324MA6N0A120T"
U4 = "91530324MA6P7R3009"
U5 = "92530324MA6T2W100H"
U6 = "91530324MA6Q8E400R"
U7 = "91530324MA6L5G6002"
U8 = "51530324MJ0Y3H700Q"
U9 = "91530324MA6M9J800D"
U10 = "91530324MA6R2K900E"
U11 = "91530324MA6U4L0007"
V1 = "91530324MA6A1B100Q"
V2 = "91530324MA6A2B2006"
V3 = "91530324MA6A3B300K"
V4 = "91530324MA6A4B4001"
V5 = "91530324MA6A5B500E"
V6 = "91530324MA6A6B600U"
V7 = "91530324MA6A7B7009"
V8 = "91530324MA6A8B800N"
V9 = "91530324MA6A9B9004"
ORG_CODE_AUTHORITY = "12530324MB0A1C1002"  # first character 1: neither 9 nor 5

LUOXIONG = "530324001"
BANQIAO = "530324102"
MAJIE = "530324103"
LUBUGE = "530324202"

REFERENCE = Reference(
    townships=(
        Place(LUOXIONG, "罗雄街道"),
        Place(BANQIAO, "板桥镇"),
        Place(MAJIE, "马街镇"),
        Place(LUBUGE, "鲁布革布依族苗族乡"),
    ),
    villages={
        LUOXIONG: (Place("530324001001", "九龙社区居民委员会"), Place("530324001002", "红星社区居民委员会")),
        BANQIAO: (Place("530324102001", "东胜社区居民委员会"), Place("530324102203", "玉马村民委员会")),
    },
    departments=(
        Place("GSL", "县工商联"),
        Place("SCJG", "县市场监督管理局"),
        Place("MZJ", "县民政局"),
        Place("JYTY", "县教育体育局"),
    ),
    other_unit_usccs={U4: "马街镇"},
)


def read_fixture(name: str, reference: Reference = REFERENCE, **kwargs: object) -> CensusReadResult:
    return read_census((FIXTURES / name).read_bytes(), name, reference, **kwargs)  # type: ignore[arg-type]


def problem_list(result: CensusReadResult) -> list[tuple[int | None, str | None, str, str]]:
    """(row, column as written, code, severity) of every problem, in order."""
    return [(p.row, p.column, p.code, p.severity) for p in result.problems]


def records(result: CensusReadResult) -> list[tuple[int, dict[str, object]]]:
    """(Excel row, values without empty cells) of every record."""
    return [(row.excel_row, {k: v for k, v in row.values.items() if v is not None}) for row in result.rows]
