"""Row-level checks of parsed census rows against each other and against the county's reference data.

:class:`Reference` is what the Django layer reads from the database once per import (townships,
villages, departments, USCCs other units already submitted — never the register, which the
planner and ``similar`` are given a chunk at a time); this
module builds its lookup indexes and never touches a database. :func:`validate_rows` checks every
row and returns every problem; it also writes the resolved ``township_code``, ``village_code`` and
``department_code`` into each row's ``values``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from rapidfuzz import fuzz, process

from liangxin.core.text import normalize_name

from . import vocab
from .columns import BY_KEY
from .header import Header
from .parse import CensusRow
from .problems import PROBLEM_CODES, Problem

LARGE_ORGANIZATION: Final = 50
_TOWNSHIP_SUFFIX = re.compile(r"(人民政府|党委|党工委|办事处)$")
_TOWNSHIP_KIND = re.compile(r"(街道办事处|街道办|街道|镇|乡)$")
_ETHNIC_GROUPS = (
    "彝|白|哈尼|壮|傣|苗|回|傈僳|拉祜|佤|纳西|瑶|藏|景颇|布朗|布依|阿昌|普米|蒙古|怒|基诺|德昂|水|满|独龙|土家|侗|黎|畲"
    "|仡佬|羌|朝鲜|维吾尔|哈萨克|土|达斡尔|仫佬|东乡|锡伯|撒拉|毛南|鄂温克|京|保安|裕固|鄂伦春|赫哲|门巴|珞巴|塔吉克"
    "|乌孜别克|俄罗斯|柯尔克孜|塔塔尔|高山"
)
# 民族乡: "鲁布革布依族苗族乡" is also written "鲁布革乡" or "鲁布革".
_ETHNIC_TOWNSHIP = re.compile(rf"(?:(?:{_ETHNIC_GROUPS})族)+(乡|镇)$")
_VILLAGE_COMMITTEE = re.compile(r"(居民委员会|村民委员会|委员会|居委会|村委会)$")
_VILLAGE_KIND = re.compile(r"(社区|村|居)$")
_COUNTY_PREFIX = re.compile(r"^.{0,6}?[县市]")


@dataclass(frozen=True, slots=True)
class Place:
    """A township, village or department as the register has it."""

    code: str
    name: str


def _key(text: str) -> str:
    return normalize_name(text).lower()


def _township_keys(name: str) -> list[str]:
    key = _key(name)
    keys = [key]
    bare = _TOWNSHIP_SUFFIX.sub("", key)
    keys.append(bare)
    keys.append(_TOWNSHIP_KIND.sub("", bare))
    keys.append(_ETHNIC_TOWNSHIP.sub("", bare))
    prefix = _COUNTY_PREFIX.match(bare)
    if prefix is not None and len(bare) > prefix.end() + 1:
        keys.extend(_township_keys(bare[prefix.end() :]))
    return [k for k in dict.fromkeys(keys) if k]


def _village_keys(name: str) -> list[str]:
    key = _key(name)
    committee = _VILLAGE_COMMITTEE.sub("", key)
    keys = [key, committee, _VILLAGE_KIND.sub("", committee)]
    return [k for k in dict.fromkeys(keys) if k]


def _department_keys(name: str) -> list[str]:
    key = _key(name)
    keys = [key]
    prefix = _COUNTY_PREFIX.match(key)
    if prefix is not None and len(key) > prefix.end() + 1:
        keys.append(key[prefix.end() :])
    return [k for k in dict.fromkeys(keys) if k]


def _index(places: Iterable[Place], keys_of: Any) -> dict[str, str]:
    """Lookup key → code; a key two places share is dropped, so only an unambiguous name resolves."""
    index: dict[str, str] = {}
    ambiguous: set[str] = set()
    exact: dict[str, str] = {}
    for place in places:
        exact[place.code.lower()] = place.code
        keys = keys_of(place.name)
        exact[keys[0]] = place.code
        for key in keys[1:]:
            if index.get(key, place.code) != place.code:
                ambiguous.add(key)
            index[key] = place.code
    for key in ambiguous:
        del index[key]
    index.update(exact)
    return index


def _resolve(index: Mapping[str, str], text: str, keys_of: Any) -> str | None:
    direct = index.get(text.lower())
    if direct is not None:
        return direct
    for key in keys_of(text):
        code = index.get(key)
        if code is not None:
            return code
    return None


@dataclass(frozen=True, eq=False)
class PlaceKind:
    """A township or a department as a row names it: how its name is keyed, how alike a name must
    be to be suggested, and what the clerk is told when it is unknown or not the unit's own."""

    unknown_code: str
    keys_of: Callable[[str], list[str]]
    cutoff: int  # rapidfuzz WRatio score of the closest name worth suggesting
    unknown: str  # "{text}": as written, "{hint}": the suggestion or ""
    out_of_scope: str  # "{name}": the township or department


TOWNSHIP: Final = PlaceKind(
    "unknown_township",
    _township_keys,
    60,
    "乡镇“{text}”不在本县乡镇名单中。{hint}请按乡镇全称或简称填写(如“板桥镇”或“板桥”)。",
    "“{name}”不在本单位负责的范围内,不能由本单位导入。请核对所属乡镇,或交由该乡镇报送。",
)
DEPARTMENT: Final = PlaceKind(
    "unknown_department",
    _department_keys,
    50,
    "行业主管部门“{text}”不在部门名单中。{hint}请按部门名单填写,没有主管部门的请留空。",
    "“{name}”主管的组织不由本单位负责,不能由本单位导入。请核对行业主管部门,或交由该部门报送。",
)


@dataclass(frozen=True)
class Reference:
    """The county's reference data an import is checked against.

    townships: every township (and street office) of the county.
    villages: township code → its villages and communities (often incomplete: a miss is a warning).
    departments: the industry supervisory departments.
    other_unit_usccs: USCC → name of the unit that already submitted it in the same campaign.
    allowed_townships / allowed_departments: the importing unit's scope, None for the whole county.
    """

    townships: tuple[Place, ...] = ()
    villages: Mapping[str, tuple[Place, ...]] = field(default_factory=dict)
    departments: tuple[Place, ...] = ()
    other_unit_usccs: Mapping[str, str] = field(default_factory=dict)
    allowed_townships: frozenset[str] | None = None
    allowed_departments: frozenset[str] | None = None
    _place_index: dict[PlaceKind, dict[str, str]] = field(init=False, repr=False, compare=False)
    _village_index: dict[str, dict[str, str]] = field(init=False, repr=False, compare=False)
    _names: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        def put(name: str, value: Any) -> None:
            object.__setattr__(self, name, value)

        put("_place_index", {kind: _index(self.places(kind), kind.keys_of) for kind in (TOWNSHIP, DEPARTMENT)})
        put("_village_index", {t: _index(v, _village_keys) for t, v in self.villages.items()})
        names = {p.code: p.name for p in self.townships}
        names.update({p.code: p.name for p in self.departments})
        put("_names", names)

    def places(self, kind: PlaceKind) -> tuple[Place, ...]:
        return self.townships if kind is TOWNSHIP else self.departments

    def resolve(self, kind: PlaceKind, text: str) -> str | None:
        """The code of the township or department (``kind``) written ``text``, or None."""
        return _resolve(self._place_index[kind], text, kind.keys_of)

    def closest(self, kind: PlaceKind, text: str) -> str | None:
        """The name of the township or department most like ``text``, for a hint, or None."""
        names = [p.name for p in self.places(kind)]
        best = process.extractOne(_key(text), [_key(n) for n in names], scorer=fuzz.WRatio, score_cutoff=kind.cutoff)
        return None if best is None else names[best[2]]

    def allowed(self, kind: PlaceKind) -> frozenset[str] | None:
        """The codes of ``kind`` the importing unit may write; None for all."""
        return self.allowed_townships if kind is TOWNSHIP else self.allowed_departments

    def village(self, township_code: str, text: str) -> str | None:
        index = self._village_index.get(township_code)
        return None if index is None else _resolve(index, text, _village_keys)

    def name_of(self, code: str) -> str:
        return self._names.get(code, code)


def row_problem(row: CensusRow, code: str, message: str, key: str | None, value: str | None = None) -> Problem:
    """The problem ``code`` of ``row``, on the cell of field ``key`` (None: the whole row)."""
    severity = _SEVERITY[code]
    if key is None:
        return Problem(row.file, row.sheet, row.excel_row, None, None, value, severity, code, message)
    return Problem(
        row.file,
        row.sheet,
        row.excel_row,
        row.column_headers.get(key),
        _LABELS[key],
        row.raw_text(key) if value is None else value,
        severity,
        code,
        message,
    )


def _add(
    out: list[Problem], row: CensusRow, code: str, message: str, key: str | None, value: str | None = None
) -> None:
    found = row_problem(row, code, message, key, value)
    out.append(found)
    if found.severity == "error":
        row.has_errors = True


_SEVERITY: Final = {code: severity for code, (severity, _description) in PROBLEM_CODES.items()}
_LABELS: Final = {key: column.label for key, column in BY_KEY.items()}
_INDIVIDUAL_BUSINESS: Final = vocab.INDIVIDUAL_BUSINESS
_ECONOMIC: Final = vocab.ECONOMIC
_SOCIAL: Final = vocab.SOCIAL
_ECONOMIC_TYPES: Final = vocab.ECONOMIC_TYPES
_MEMBER_KEYS: Final = ("full_members", "probationary_members")

# A place as written → (its code or None, the problem it raises or None); bounded per import.
_Resolved = tuple[str | None, tuple[str, str] | None]
_PLACE_MEMO_LIMIT: Final = 100_000


def resolved_keys(header: Header) -> tuple[str, ...]:
    """The keys :class:`Validator` adds to the values of a row read under ``header``, in order."""
    written = header.written
    return tuple(
        code
        for column, code in (
            ("township", "township_code"),
            ("village", "village_code"),
            ("department", "department_code"),
        )
        if column in written
    )


def validate_rows(rows: list[CensusRow], reference: Reference) -> list[Problem]:
    """Every problem of every row; rows stay in file order. Fills in the resolved codes."""
    return Validator(reference).validate(rows)


class Validator:
    """Checks rows in file order, a chunk at a time, remembering across chunks what the checks
    need from earlier rows (the first row of each USCC). Township, village and department names
    are resolved once per distinct spelling."""

    def __init__(self, reference: Reference) -> None:
        self.reference = reference
        self.first_row_of: dict[str, int] = {}
        self._townships: dict[str, _Resolved] = {}
        self._villages: dict[tuple[str, str], _Resolved] = {}
        self._departments: dict[str, _Resolved] = {}
        self._other_units = reference.other_unit_usccs or None
        self._has: Mapping[str, str] | None = None
        self._layout: tuple[bool, bool, bool, bool, bool, bool, list[str]] = (False,) * 6 + ([],)

    def _columns(self, has: Mapping[str, str]) -> tuple[bool, bool, bool, bool, bool, bool, list[str]]:
        """Which columns a file has, worked out once per file (all its rows share ``column_headers``)."""
        if has is not self._has:
            self._has = has
            self._layout = (
                "name" in has,
                "category" in has,
                "township" in has,
                "village" in has,
                "department" in has,
                "party_organization_name" in has,
                [k for k in _MEMBER_KEYS if k in has],
            )
        return self._layout

    def validate(self, rows: Iterable[CensusRow]) -> list[Problem]:
        """Every problem of ``rows``, row by row; writes the resolved codes into each row's values."""
        problems: list[Problem] = []
        check = self._check
        for row in rows:
            check(row, problems)
        return problems

    # ------------------------------------------------------------------------------ places
    def _place(self, kind: PlaceKind, text: str) -> _Resolved:
        """A township or department as written → its code and the problem it raises, memoised."""
        memo = self._townships if kind is TOWNSHIP else self._departments
        found = memo.get(text)
        if found is None:
            reference = self.reference
            code = reference.resolve(kind, text)
            issue = None
            if code is None:
                closest = reference.closest(kind, text)
                hint = f"是否应为“{closest}”?" if closest else ""
                issue = (kind.unknown_code, kind.unknown.format(text=text, hint=hint))
            elif (allowed := reference.allowed(kind)) is not None and code not in allowed:
                issue = ("out_of_scope", kind.out_of_scope.format(name=reference.name_of(code)))
            found = _remember(memo, text, (code, issue))
        return found

    def _village(self, township_code: str, text: str) -> _Resolved:
        key = (township_code, text)
        found = self._villages.get(key)
        if found is None:
            reference = self.reference
            code = reference.village(township_code, text)
            issue = None
            if code is None:
                issue = (
                    "unknown_village",
                    f"“{text}”不在{reference.name_of(township_code)}的村(社区)名单中,本行将不关联村(社区)。"
                    "如名称有误请改正;如名单缺少该村(社区),请联系县委组织部补充。",
                )
            found = _remember(self._villages, key, (code, issue))
        return found

    # -------------------------------------------------------------------------------- a row
    def _check(self, row: CensusRow, out: list[Problem]) -> None:
        # The hot path of validation: most rows have no problem, so the checks are ordered and
        # written to cost little when they pass (dict lookups, no calls), and place names are
        # resolved from memos filled once per spelling.
        values = row.values
        get = values.get
        has = row.column_headers
        has_name, has_category, has_township, has_village, has_department, has_po_name, member_keys = (
            self._layout if has is self._has else self._columns(has)
        )

        # Required cells (a cell that was written but unreadable was reported by the parser).
        name = get("name")
        category = get("category")
        township_text = get("township")
        if name is None and has_name and not row.raw_text("name").strip():
            _add(out, row, "required_missing", "“组织名称”是必填项,本行没有填写。请补填。", "name", "")
        if category is None and has_category and not row.raw_text("category").strip():
            _add(out, row, "required_missing", "“组织类别”是必填项,本行没有填写。请补填。", "category", "")
        if township_text is None and has_township and not row.raw_text("township").strip():
            _add(out, row, "required_missing", "“所属乡镇”是必填项,本行没有填写。请补填。", "township", "")

        # The USCC.
        uscc = get("uscc")
        org_type = get("org_type")
        if uscc is None:
            if not row.raw_text("uscc").strip():
                if org_type == _INDIVIDUAL_BUSINESS:
                    _add(
                        out,
                        row,
                        "uscc_missing_individual",
                        "个体工商户没有填写统一社会信用代码。有营业执照的请照执照补填;确实没有可以不填。",
                        "uscc",
                        "",
                    )
                else:
                    _add(
                        out,
                        row,
                        "required_missing",
                        "没有填写统一社会信用代码。除个体工商户外必须填写,请照营业执照或登记证书补填。",
                        "uscc",
                        "",
                    )
        else:
            earlier = self.first_row_of.setdefault(uscc, row.excel_row)
            if earlier != row.excel_row:
                _add(
                    out,
                    row,
                    "duplicate_uscc",
                    f"统一社会信用代码与第{earlier}行重复。同一组织只填一行,请删除重复行或改正代码。",
                    "uscc",
                )
            if self._other_units is not None:
                other_unit = self._other_units.get(uscc)
                if other_unit is not None:
                    _add(
                        out,
                        row,
                        "duplicate_uscc_other_unit",
                        f"该统一社会信用代码已由“{other_unit}”在本次摸底中报送。请与该单位核实该组织归谁填报,"
                        "不归本单位的请删除此行。",
                        "uscc",
                    )
            authority = uscc[0]
            if category is not None and (
                (authority == "9" and category == _SOCIAL) or (authority == "5" and category == _ECONOMIC)
            ):
                expected = "新经济组织" if authority == "9" else "新社会组织"
                registrar = "市场监管部门" if authority == "9" else "民政部门"
                _add(
                    out,
                    row,
                    "uscc_category_mismatch",
                    f"统一社会信用代码以{authority}开头,是{registrar}登记的组织,通常属于“{expected}”,"
                    f"但组织类别填的是“{vocab.CATEGORY[category]}”。请核对组织类别或代码。",
                    "category",
                )
        if category is not None and org_type is not None:
            economic_type = org_type in _ECONOMIC_TYPES
            if economic_type != (category == _ECONOMIC):
                _add(
                    out,
                    row,
                    "category_type_mismatch",
                    f"组织类型“{vocab.ORGANIZATION_TYPE[org_type]}”属于"
                    f"“{'新经济组织' if economic_type else '新社会组织'}”,"
                    f"但组织类别填的是“{vocab.CATEGORY[category]}”。请核对这两项。",
                    "org_type",
                )

        # Township, village, department.
        township_code = None
        if township_text:
            township_code, issue = self._townships.get(township_text) or self._place(TOWNSHIP, township_text)
            if issue is not None:
                _add(out, row, issue[0], issue[1], "township")
        if has_township:
            values["township_code"] = township_code
        if has_village:
            village_code = None
            if township_code is not None:
                village_text = get("village")
                if village_text:
                    village_code, issue = self._village(township_code, village_text)
                    if issue is not None:
                        _add(out, row, issue[0], issue[1], "village")
            values["village_code"] = village_code
        if has_department:
            department_text = get("department")
            department_code = None
            if department_text:
                department_code, issue = self._departments.get(department_text) or self._place(
                    DEPARTMENT, department_text
                )
                if issue is not None:
                    _add(out, row, issue[0], issue[1], "department")
            values["department_code"] = department_code

        # Party organization.
        if get("has_party_organization") is True:
            if has_po_name:
                if get("party_organization_name") is None and not row.raw_text("party_organization_name").strip():
                    _add(
                        out,
                        row,
                        "party_org_name_missing",
                        "“是否已建党组织”填的是“是”,但没有填写党组织名称。请填写党组织全称(如“XX有限公司党支部”);"
                        "如果尚未建立,请改为“否”。",
                        "party_organization_name",
                    )
            else:
                _add(
                    out,
                    row,
                    "party_org_name_missing",
                    "“是否已建党组织”填的是“是”,但表中没有“党组织名称”列。请加上该列并填写党组织全称。",
                    "has_party_organization",
                )

        # Figures.
        employees = get("employees")
        if employees is not None:
            full = get("full_members")
            probationary = get("probationary_members")
            members = (full or 0) + (probationary or 0)
            if members > employees and (full is not None or probationary is not None):
                _add(
                    out,
                    row,
                    "members_exceed_employees",
                    f"党员数(正式{full or 0}人、预备{probationary or 0}人,共{members}人)多于从业人员数{employees}人。"
                    "党员应是本单位从业人员,请核对这几个数字。",
                    "full_members" if full is not None else "probationary_members",
                )
            elif (
                members == 0
                and employees >= LARGE_ORGANIZATION
                and member_keys
                and not any(get(k) is None and row.raw_text(k).strip() for k in member_keys)
            ):
                _add(
                    out,
                    row,
                    "large_org_no_member",
                    f"从业人员{employees}人,但党员数为0。请核实是否确无党员(包括组织关系不在本单位的党员)。",
                    member_keys[0],
                )


def _remember(memo: dict[Any, _Resolved], key: Any, found: _Resolved) -> _Resolved:
    if len(memo) >= _PLACE_MEMO_LIMIT:
        memo.clear()
    memo[key] = found
    return found
