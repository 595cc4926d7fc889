"""Reconciling the register with a registration list: pure rules, no database (docs/reconciliation.md).

The work grows about linearly with the two sizes: exact matches go through dictionaries (the USCC,
then the folded name key), the township of an entry is inferred only for the entries that need it, and
the similarity search compares an unmatched entry only with the unmatched organizations of its block
(its township, or the organizations whose key starts alike when the township is unknown).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final, Literal

from rapidfuzz import fuzz, process

from liangxin.core.text import normalize_name
from liangxin.registry.choices import ECONOMIC_TYPES, OrganizationType

from .keys import distinctive_part, fold_key
from .listfile import ListEntry, Source

# Scores are rapidfuzz ratios (0–100) of the folded keys without their legal-form ending. At PROPOSED
# or above a match is proposed; from CANDIDATE up to PROPOSED it is only a candidate a person decides
# on; below, no match.
PROPOSED: Final = 90.0
CANDIDATE: Final = 75.0

DEREGISTERED_WORDS: Final = ("注销", "吊销", "迁出", "撤销")
OUT_OF_SCOPE_WORDS: Final = ("国有", "国营", "全民所有制", "事业单位", "机关", "国家出资", "外国(地区)企业常驻代表机构")
OUT_OF_SCOPE_RULE: Final = "类型含“" + "”“".join(OUT_OF_SCOPE_WORDS) + "”的登记记录不属于两新组织,已计数并搁置"

# The register's organization types each list covers (what "absent from the list" can mean): market
# regulation registers every economic type; civil affairs the social ones except the firms that justice
# and finance register (law and accounting firms, other intermediaries).
COVERED_TYPES: Final[dict[str, frozenset[str]]] = {
    "market": frozenset(ECONOMIC_TYPES),
    "civil": frozenset(OrganizationType)
    - ECONOMIC_TYPES
    - {OrganizationType.LAW_FIRM, OrganizationType.ACCOUNTING_FIRM, OrganizationType.OTHER_INTERMEDIARY},
}

# A list's type text → the register types it agrees with (the first is proposed on a change). A
# 有限责任公司 may be kept as 私营企业 in the register: both describe it, neither is a change.
_KIND_FAMILIES: Final[tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]] = (
    (("个体",), ("individual_business",)),
    (("合作社",), ("farmers_cooperative",)),
    (("外商", "外资", "台港澳", "中外合资", "中外合作"), ("foreign_invested",)),
    (("股份有限公司", "股份公司"), ("joint_stock_company", "private_enterprise")),
    (("有限责任公司", "有限公司"), ("limited_company", "private_enterprise")),
    (("个人独资", "合伙企业", "私营"), ("private_enterprise",)),
    (("社会团体", "行业协会", "商会"), ("social_group", "industry_association", "chamber_of_commerce")),
    (("民办非企业", "社会服务机构"), ("private_non_enterprise", "private_school", "private_hospital")),
)

_TOWNSHIP_WORDS: Final = ("街道办事处", "街道", "彝族乡", "苗族乡", "布依族乡", "民族乡", "镇", "乡")
_VILLAGE_WORDS: Final = ("村民委员会", "居民委员会", "社区居委会", "村委会", "居委会", "社区", "村")


@dataclass(frozen=True, slots=True)
class RegisterRecord:
    pk: int
    name: str
    township: str  # code
    uscc: str = ""
    org_type: str = ""
    deregistered: bool = False


@dataclass(frozen=True, slots=True)
class Township:
    code: str
    name: str
    villages: tuple[str, ...] = ()


@dataclass
class Reconciliation:
    matched: int = 0
    missing: list[dict[str, Any]] = field(default_factory=list)
    deregistered: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    unregistered: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    out_of_scope: int = 0
    out_of_scope_rule: str = OUT_OF_SCOPE_RULE
    already_closed: int = 0  # entries 注销/吊销 in the list and absent from the register: not missing
    inferred: int = 0  # unmatched entries whose township the address or the office gave

    def as_dict(self) -> dict[str, Any]:
        return {
            "matched": self.matched,
            "missing": self.missing,
            "deregistered": self.deregistered,
            "changed": self.changed,
            "unregistered": self.unregistered,
            "duplicates": self.duplicates,
            "out_of_scope": self.out_of_scope,
        }


# A list has a handful of distinct types and statuses: each is judged once.
@lru_cache(maxsize=4096)
def is_out_of_scope_kind(kind: str) -> bool:
    return any(word in kind for word in OUT_OF_SCOPE_WORDS)


@lru_cache(maxsize=4096)
def is_deregistered(status: str) -> bool:
    return any(word in status for word in DEREGISTERED_WORDS)


@lru_cache(maxsize=4096)
def kind_family(kind: str) -> tuple[str, ...]:
    for words, family in _KIND_FAMILIES:
        if any(word in kind for word in words):
            return family
    return ()


class PlaceFinder:
    """Finds the township an address names, by township or village name, with the evidence."""

    def __init__(self, townships: Iterable[Township]) -> None:
        # A place's name as addresses write it (full or without 镇/村委会…) → {township code: full name}.
        self._township_names: dict[str, dict[str, str]] = defaultdict(dict)
        self._village_names: dict[str, dict[str, str]] = defaultdict(dict)
        for township in townships:
            for key in _place_keys(township.name, _TOWNSHIP_WORDS):
                self._township_names[key][township.code] = township.name
            for village in township.villages:
                for key in _place_keys(village, _VILLAGE_WORDS):
                    self._village_names[key][township.code] = village
        self._lengths = sorted({len(k) for k in (*self._township_names, *self._village_names)}, reverse=True)

    def _hits(self, text: str, names: dict[str, dict[str, str]]) -> dict[str, str]:
        """{township code: evidence} for every place named in the text, longest names first."""
        found: dict[str, str] = {}
        for length in self._lengths:
            for start in range(len(text) - length + 1):
                part = text[start : start + length]
                for code, full in names.get(part, {}).items():
                    found.setdefault(code, f"“{part}”({full})")
        return found

    def find(self, address: str, authority: str = "") -> tuple[str | None, str]:
        """(township code or None, the evidence in words)."""
        text = normalize_name(address)
        for names, what in ((self._township_names, "乡镇"), (self._village_names, "村(社区)")):
            hits = self._hits(text, names)
            if len(hits) == 1:
                code, word = next(iter(hits.items()))
                return code, f"地址含{what}名{word}"
            if len(hits) > 1:
                words = "、".join(sorted(hits.values()))
                return None, f"地址含多个{what}名({words}),需县里确定"
        hits = self._hits(normalize_name(authority), self._township_names)
        if len(hits) == 1:
            code, word = next(iter(hits.items()))
            return code, f"登记机关含乡镇名{word}"
        return None, "地址和登记机关都没有本县乡镇或村(社区)名,需县里确定"


def _place_keys(name: str, words: Sequence[str]) -> set[str]:
    key = normalize_name(name)
    keys = {key} if len(key) >= 2 else set()
    for word in words:
        if key.endswith(word) and len(key) - len(word) >= 2:
            keys.add(key.removesuffix(word))
            break
    return keys


def reconcile(
    entries: Sequence[ListEntry],
    register: Sequence[RegisterRecord],
    *,
    source: Source,
    townships: Sequence[Township],
    prefixes: tuple[str, ...] = (),
) -> Reconciliation:
    result = Reconciliation()
    places = PlaceFinder(townships)
    key_of = {rec.pk: fold_key(rec.name, prefixes) for rec in register}
    by_uscc = {rec.uscc: rec for rec in register if rec.uscc}
    by_key: dict[str, list[RegisterRecord]] = defaultdict(list)
    for rec in register:
        by_key[key_of[rec.pk]].append(rec)

    taken: set[int] = set()
    pairs: list[tuple[ListEntry, str, RegisterRecord, float, str]] = []
    unmatched: list[tuple[ListEntry, str]] = []
    for entry in entries:
        if is_out_of_scope_kind(entry.kind):
            result.out_of_scope += 1
            continue
        key = fold_key(entry.name, prefixes)
        by_code = by_uscc.get(entry.uscc) if entry.uscc else None
        if by_code is not None and by_code.pk not in taken:
            pairs.append((entry, key, by_code, 100.0, "统一社会信用代码相同"))
            taken.add(by_code.pk)
            continue
        same = [r for r in by_key.get(key, ()) if r.pk not in taken and not (entry.uscc and r.uscc)]
        if len(same) > 1:  # the same name in two townships: the address decides
            township, _evidence = places.find(entry.address, entry.authority)
            same = [r for r in same if r.township == township]
        if len(same) == 1:
            pairs.append(
                (entry, key, same[0], 100.0, "名称相同(忽略全半角、括号、县名前缀和“有限责任公司/有限公司”等写法)")
            )
            taken.add(same[0].pk)
            continue
        unmatched.append((entry, key))

    _similar(unmatched, register, key_of, taken, pairs, places, result)
    for entry, key, rec, score, reason in pairs:
        _compare(entry, key, rec, key_of[rec.pk], score, reason, result)

    covered = COVERED_TYPES[source]
    for rec in register:
        if rec.pk not in taken and not rec.deregistered and rec.org_type in covered:
            result.unregistered.append(
                {"uscc": rec.uscc, "name": rec.name, "township": rec.township, "organization": rec.pk}
            )
    groups: dict[tuple[str, str], list[RegisterRecord]] = defaultdict(list)
    for rec in register:
        if not rec.deregistered:
            groups[(rec.township, key_of[rec.pk])].append(rec)
    for township, _key in sorted(group for group, recs in groups.items() if len(recs) > 1):
        recs = groups[(township, _key)]
        result.duplicates.append(
            {
                "uscc": recs[0].uscc,
                "name": recs[0].name,
                "township": township,
                "organizations": [r.pk for r in recs],
                "names": [r.name for r in recs],
                "reason": "同一乡镇内名称规范化后相同",
            }
        )
    return result


def _similar(
    unmatched: list[tuple[ListEntry, str]],
    register: Sequence[RegisterRecord],
    key_of: dict[int, str],
    taken: set[int],
    pairs: list[tuple[ListEntry, str, RegisterRecord, float, str]],
    places: PlaceFinder,
    result: Reconciliation,
) -> None:
    """Similar names within a block; whatever stays unmatched is missing (or already closed)."""
    free = [rec for rec in register if rec.pk not in taken and not rec.deregistered]
    part_of = {rec.pk: distinctive_part(key_of[rec.pk]) for rec in free}  # once, not once per entry
    by_township: dict[str, list[RegisterRecord]] = defaultdict(list)
    by_start: dict[str, list[RegisterRecord]] = defaultdict(list)
    for rec in free:
        by_township[rec.township].append(rec)
        by_start[key_of[rec.pk][:2]].append(rec)
    for entry, key in unmatched:
        township, evidence = places.find(entry.address, entry.authority)
        block = by_township.get(township, []) if township else by_start.get(key[:2], [])
        block = [r for r in block if r.pk not in taken and not (entry.uscc and r.uscc)]
        best = process.extractOne(
            distinctive_part(key),
            [part_of[r.pk] for r in block],
            scorer=fuzz.ratio,
            score_cutoff=CANDIDATE,
        )
        if best is not None:
            rec = block[best[2]]
            reason = f"名称相似(相似度{best[1]:.0f})" + (f",{evidence}" if township else "")
            pairs.append((entry, key, rec, round(best[1], 1), reason))
            taken.add(rec.pk)
            continue
        if is_deregistered(entry.status):
            result.already_closed += 1
            continue
        result.inferred += township is not None
        result.missing.append(
            {
                "uscc": entry.uscc,
                "reg_no": entry.reg_no,
                "name": entry.name,
                "township": township,
                "evidence": evidence,
                "kind": entry.kind,
                "status": entry.status,
                "address": entry.address,
                "row": entry.row,
            }
        )


def _compare(
    entry: ListEntry,
    entry_key: str,
    rec: RegisterRecord,
    rec_key: str,
    score: float,
    reason: str,
    result: Reconciliation,
) -> None:
    result.matched += 1
    base = {"uscc": rec.uscc or entry.uscc, "name": rec.name, "township": rec.township, "organization": rec.pk}
    base |= {"score": score, "reason": reason, "row": entry.row}
    if is_deregistered(entry.status):
        if not rec.deregistered:
            result.deregistered.append(base | {"status": entry.status})
        return
    changes: dict[str, dict[str, str]] = {}
    if entry_key != rec_key:
        changes["name"] = {"register": rec.name, "list": entry.name}
    family = kind_family(entry.kind)
    if family and rec.org_type not in family:
        changes["org_type"] = {"register": rec.org_type, "list": entry.kind, "proposed": family[0]}
    if entry.uscc and not rec.uscc:
        changes["uscc"] = {"register": "", "list": entry.uscc}
    match: Literal["proposed", "candidate"] = "proposed" if score >= PROPOSED else "candidate"
    if changes or score < 100:
        result.changed.append(base | {"changes": changes, "match": match})
