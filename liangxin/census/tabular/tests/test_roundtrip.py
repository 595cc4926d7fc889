"""Property: a table written in the canonical template, as XLSX or CSV, reads back as the same records."""

import csv
import io
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from stdnum.cn import uscc as stdnum_uscc

from liangxin.census.tabular import read_census
from liangxin.census.tabular.columns import COLUMNS, LABELS
from liangxin.census.tabular.validate import TOWNSHIP
from liangxin.census.tabular.vocab import CATEGORY, OPERATING_STATUS, ORGANIZATION_TYPE, OWNER_ATTITUDE

from .support import REFERENCE

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Characters that are simplified, NFKC-stable and cannot form 合计, 填表人, 组织名称 and the like.
HANZI = "罗平县鑫源建材有限公司蜂业协会商贸物流农机合作社酒店餐饮科技兴隆板桥马街东胜九龙大道号路"
TEXT = HANZI + "ABCxyz0123456789-,;\"'()#"

usccs = st.builds(
    lambda head, tail: head + tail + stdnum_uscc.calc_check_digit(head + tail),
    st.text("0123456789", min_size=8, max_size=8),
    st.text(USCC_ALPHABET, min_size=9, max_size=9),
)
# Not a formula, and not an export's neutralised formula ("'-", "'=…": the apostrophe is removed on import).
words = st.text(TEXT, min_size=1, max_size=12).filter(
    lambda w: not w.startswith(("=", "-", "+", "#", "'-", "'=", "'+"))
)
texts = st.lists(words, min_size=1, max_size=4).map(" ".join)
names = st.text(HANZI, min_size=2, max_size=30)
counts = st.integers(min_value=0, max_value=200_000)
amounts = st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2, allow_nan=False)


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    township = draw(st.sampled_from(REFERENCE.townships))
    villages = REFERENCE.villages.get(township.code, ())
    village = draw(optional(st.sampled_from(villages))) if villages else None
    department = draw(optional(st.sampled_from(REFERENCE.departments)))
    return {
        "uscc": draw(usccs),
        "name": draw(names),
        "category": draw(st.sampled_from(list(CATEGORY))),
        "org_type": draw(optional(st.sampled_from(list(ORGANIZATION_TYPE)))),
        "township": township.name,
        "village": village.name if village else None,
        "department": department.name if department else None,
        "industry_code": draw(optional(st.sampled_from(["C", "C13", "C1311", "F51", "A05", "S95"]))),
        "above_designated_size": draw(optional(st.booleans())),
        "operating_status": draw(optional(st.sampled_from(list(OPERATING_STATUS)))),
        "employees": draw(optional(counts)),
        "full_members": draw(optional(counts)),
        "probationary_members": draw(optional(counts)),
        "owner_is_member": draw(optional(st.booleans())),
        "owner_attitude": draw(optional(st.sampled_from(list(OWNER_ATTITUDE)))),
        "secretary_candidate_available": draw(optional(st.booleans())),
        "has_party_organization": draw(optional(st.booleans())),
        "party_organization_name": draw(optional(names)),
        "payroll": draw(optional(amounts)),
        "address": draw(optional(texts)),
        "contact_person": draw(optional(st.text(HANZI, min_size=2, max_size=4))),
        "contact_phone": draw(optional(st.text("0123456789-", min_size=5, max_size=13).filter(lambda t: t[0] != "-"))),
        "remarks": draw(optional(texts)),
        "has_union": draw(optional(st.booleans())),
        "has_youth_league": draw(optional(st.booleans())),
        "has_womens_federation": draw(optional(st.booleans())),
        "instructor": draw(optional(st.text(HANZI, min_size=2, max_size=4))),
    }


LABEL_OF = {
    "category": CATEGORY,
    "org_type": ORGANIZATION_TYPE,
    "operating_status": OPERATING_STATUS,
    "owner_attitude": OWNER_ATTITUDE,
}


def as_written(key: str, value: Any, *, native: bool) -> Any:
    """How a clerk's template holds the value; ``native``: numbers and yes/no as Excel values."""
    if value is None:
        return None if native else ""
    if key in LABEL_OF:
        return LABEL_OF[key][value]
    if isinstance(value, bool):
        return value if native else ("是" if value else "否")
    if isinstance(value, int):
        return value if native else str(value)
    if isinstance(value, Decimal):
        return float(value) if native else str(value)
    return value


def check(data: bytes, filename: str, table: list[dict[str, Any]]) -> None:
    result = read_census(data, filename, REFERENCE)
    assert result.header_row == 1
    assert [p for p in result.problems if p.code in ("invalid_number", "invalid_choice", "no_header")] == []
    got = [
        {k: v for k, v in row.values.items() if k not in ("township_code", "village_code", "department_code")}
        for row in result.rows
    ]
    assert got == table
    assert [row.values["township_code"] for row in result.rows] == [
        REFERENCE.resolve(TOWNSHIP, r["township"]) for r in table
    ]


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.lists(records(), min_size=1, max_size=8), st.booleans())
def test_xlsx_round_trip(table, native):
    wb = Workbook()
    ws = wb.active
    ws.append(list(LABELS))
    for record in table:
        ws.append([as_written(c.key, record[c.key], native=native) for c in COLUMNS])
    buffer = io.BytesIO()
    wb.save(buffer)
    check(buffer.getvalue(), "round.xlsx", table)


@SETTINGS
@given(
    st.lists(records(), min_size=1, max_size=8),
    st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
    st.sampled_from([",", "\t", ";"]),
)
def test_csv_round_trip(table, encoding, delimiter):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(LABELS)
    for record in table:
        writer.writerow([as_written(c.key, record[c.key], native=False) for c in COLUMNS])
    check(out.getvalue().encode(encoding), "round.csv", table)
