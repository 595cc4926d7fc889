"""The formation-rules engine: an organization's facts in, one recommendation out. Pure Python.

No Django here (not even gettext), so the rules can be read, tested with hypothesis and run on a
spreadsheet without a database. Codes are stable English identifiers; labels, messages and the
clauses cited are Chinese, the system's only language, and a page that wants them through gettext
looks them up by code (``policy.choices.RecommendationCode``; a test keeps the two tables equal).

Source: the county's speech at the on-site meeting on "two new" party building: part 二, its
opening ("S2") and paragraph 第一 with the census paragraph after it ("S2.1"); joint formation is
written down in ``docs/joint-formation.md``. Every number comes from a :class:`Policy` (versioned
data), never from here.

Rules, in the order they are tried; the first that matches gives the one primary code
-----------------------------------------------------------------------------------------------

====  ======================  =============================================================
 1    ``not_applicable``      operating status 注销 (deregistered): nothing to form. (System
                              rule: a deregistered organization has left the census scope.)
 2    ``covered``             it already has a party organization. S2: "无组织抓组建、有组织抓
                              规范、已规范抓提高". Flag ``wrong_kind`` when the kind does not suit the size
                              (rule 3's kinds): a branch-level kind (党支部, 联合/楼宇/临时/流动党员
                              党支部) with members >= the general-branch tolerance ("应建立党总支"),
                              or a 党总支/基层党委 larger than its size calls for (a 党总支 below the
                              general-branch tolerance, a 基层党委 below the committee tolerance).
                              A 党总支 at committee size is not flagged: the committee is a "可".
 3    ``form_committee``      full members >= ``min_full_members`` (3) and members (full +
                              probationary) >= ``committee_tolerance`` (90, "接近或超过100名的,
                              可建立基层党委"); alternative ``form_general_branch`` (it is a "可").
      ``form_general_branch`` ... members >= ``general_branch_tolerance`` (45, "党员人数接近或超过
                              50名的,应建立党总支").
      ``form_branch``         ... otherwise (S2.1: "有3名以上正式党员、具备组建条件的'两新'组织,要
                              及时组建党组织"; "凡是有正式党员3名以上的都应建立党组织").
                              The owner's attitude and the secretary candidate never change this
                              code (the census asks about them so the plan can answer them): they
                              come back as blockers.
 4    ``joint``               the organization is a joint candidate (``partners.candidate_problem``:
                              1 or 2 full members, operating, not covered; S2.1: "不足3名的,按照业务
                              相近、地域相邻的原则,采取联合组建、村(社区)企联建、依托行业协会组建等多
                              种方式建立党组织") and a valid group contains it: other candidates,
                              pairwise of similar business and neighbouring area, at most
                              ``max_joint_organizations`` organizations together, reaching
                              ``min_full_members`` full members (a joint branch is a branch and
                              needs three full members too). The partners are those of the least
                              dissimilar such group (same village before same township), found by
                              ``partners.Neighbourhood.best_group``: the rule the joint-branch
                              planner groups by, so the two never disagree. Organizations without
                              full members are never partners (they are not used to pad a group).
 5    ``village_enterprise``  fewer full members than the minimum, no joint group, the village or
                              community is known: 村(社区)企联建 with its party organization.
 6    ``via_association``     the same members, the organization is recorded as a member of an
                              industry association, or an industry association or chamber of
                              commerce of the same industry section is registered in the township.
 7    ``transfer_relations``  the same members and none of 4-6 applies (S2.1: "暂时不能建立党组织
                              的,可将党员组织关系转入业务主管单位或挂靠单位党组织"). Always applies
                              when there are members, so every organization gets a primary code.
 8    ``instructor_first``    no members at all (S2.1: "目前还没有党员的,可采取选派党建工作指导员、
                              先行建立工会、妇联和共青团等群团组织、推荐党员到'两新'组织就业等方式").
====  ======================  =============================================================

Rules 4-7 follow the order the speech lists them in; whichever of 4-7 apply and are not primary
are the alternatives (with their partners), so a township can choose another route.

Blockers (things the formation plan must answer; they never change the primary code), for every
primary code except ``covered`` and ``not_applicable``:
``owner_unsupportive`` (业主态度 不支持), ``not_operating`` (停产 or 歇业: "具备组建条件" is not met
yet), and, for rule 3 only, ``no_secretary_candidate`` (有无合适支部书记人选 = 无; a joint branch can
take its secretary from any partner).

Flags: ``wrong_kind`` (rule 2), and ``needs_committee`` when a branch (rule 3's ``form_branch``, a
covered branch-level kind not flagged ``wrong_kind``, or a joint branch counting its partners) has at least
``branch_committee_full_members`` (7) full members: such a branch elects a 支部委员会 rather than a
secretary alone (《中国共产党支部工作条例(试行)》: 有正式党员7人以上的党支部,应当设立党支部委员会).

Invariants (``tests/test_engine_properties.py``): exactly one primary code per organization; with
``min_full_members`` full members or more, never ``joint``; adding members never moves the primary
code to a smaller kind (:data:`PRIMARY_RANK`); :func:`policy_on` picks the latest version in force.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any, Final

from . import names, partners

# --------------------------------------------------------------------------------- code lists
# Copies of ``liangxin.registry.choices`` values (that module imports Django);
# ``tests/test_engine.py`` asserts they are equal so the two cannot drift apart.
DEREGISTERED: Final = partners.DEREGISTERED
NOT_OPERATING: Final = partners.NOT_OPERATING
UNSUPPORTIVE: Final = "unsupportive"
ASSOCIATION_TYPES: Final = frozenset({"industry_association", "chamber_of_commerce"})

# The kinds of party organization and what a name says about them: ``names.py``.
BRANCH = names.BRANCH
GENERAL_BRANCH = names.GENERAL_BRANCH
COMMITTEE = names.COMMITTEE
BRANCH_LEVEL_KINDS = names.BRANCH_LEVEL_KINDS
KIND_LABELS = names.KIND_LABELS

# Primary codes and their labels, in the order of the rules above.
FORM_BRANCH: Final = "form_branch"
FORM_GENERAL_BRANCH: Final = "form_general_branch"
FORM_COMMITTEE: Final = "form_committee"
JOINT: Final = "joint"
VILLAGE_ENTERPRISE: Final = "village_enterprise"
VIA_ASSOCIATION: Final = "via_association"
TRANSFER_RELATIONS: Final = "transfer_relations"
INSTRUCTOR_FIRST: Final = "instructor_first"
COVERED: Final = "covered"
NOT_APPLICABLE: Final = "not_applicable"

LABELS: Final[Mapping[str, str]] = {
    FORM_BRANCH: "独立组建党支部",
    FORM_GENERAL_BRANCH: "应建立党总支",
    FORM_COMMITTEE: "可建立基层党委",
    JOINT: "联合组建",
    VILLAGE_ENTERPRISE: "村(社区)企联建",
    VIA_ASSOCIATION: "依托行业协会组建",
    TRANSFER_RELATIONS: "组织关系转入主管或挂靠单位党组织",
    INSTRUCTOR_FIRST: "选派党建工作指导员、先建群团组织、推荐党员就业",
    COVERED: "已建立党组织",
    NOT_APPLICABLE: "不适用(已注销)",
}
PRIMARY_CODES: Final = tuple(LABELS)

# How far along the road to a party organization of its own each code is. Adding members never
# lowers it (the monotonicity invariant); ``covered`` and ``not_applicable`` are outside the scale.
PRIMARY_RANK: Final[Mapping[str, int]] = {
    INSTRUCTOR_FIRST: 0,
    JOINT: 1,
    VILLAGE_ENTERPRISE: 1,
    VIA_ASSOCIATION: 1,
    TRANSFER_RELATIONS: 1,
    FORM_BRANCH: 2,
    FORM_GENERAL_BRANCH: 3,
    FORM_COMMITTEE: 4,
}

# Blocker and flag codes.
OWNER_UNSUPPORTIVE: Final = "owner_unsupportive"
NO_SECRETARY_CANDIDATE: Final = "no_secretary_candidate"
NOT_OPERATING_BLOCKER: Final = "not_operating"
WRONG_KIND: Final = "wrong_kind"
NEEDS_COMMITTEE: Final = "needs_committee"

SPEECH: Final = "全县“两新”组织党建工作现场推进会讲话(二、第一)"


# ------------------------------------------------------------------------------------- policy
class PolicyError(ValueError):
    """The values of a policy contradict each other; ``message`` says how, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Policy:
    """One version of the formation rules. Defaults are the speech's (the 2009 seed version)."""

    name: str = "2009年全县“两新”组织党建工作现场推进会"
    effective_from: dt.date = dt.date(2009, 11, 1)
    source: str = SPEECH
    min_full_members: int = 3
    general_branch_threshold: int = 50
    general_branch_tolerance: int = 45
    committee_threshold: int = 100
    committee_tolerance: int = 90
    max_joint_organizations: int = 5
    branch_committee_full_members: int = 7

    def __post_init__(self) -> None:
        problems = policy_problems(self)
        if problems:
            raise PolicyError(";".join(problems) + "。")

    @property
    def citation(self) -> str:
        return f"依据:{self.source};政策版本“{self.name}”,{self.effective_from.isoformat()}起施行"


NUMBER_FIELDS: Final = (
    "min_full_members",
    "general_branch_threshold",
    "general_branch_tolerance",
    "committee_threshold",
    "committee_tolerance",
    "max_joint_organizations",
    "branch_committee_full_members",
)
MAX_NUMBER: Final = 10_000  # well inside the database's small integers
NUMBER_LABELS: Final[Mapping[str, str]] = {
    "min_full_members": "组建党组织最少正式党员数",
    "general_branch_threshold": "建立党总支党员数",
    "general_branch_tolerance": "“接近”建立党总支党员数",
    "committee_threshold": "建立基层党委党员数",
    "committee_tolerance": "“接近”建立基层党委党员数",
    "max_joint_organizations": "联合党组织最多覆盖组织数",
    "branch_committee_full_members": "设立支部委员会正式党员数",
}


def policy_problems(policy: Policy) -> list[str]:
    """Everything wrong with the numbers of ``policy`` (the same checks as the database constraints)."""
    values = {name: getattr(policy, name) for name in NUMBER_FIELDS}
    problems = [
        f"{NUMBER_LABELS[name]}必须是1到{MAX_NUMBER}之间的整数"
        for name, value in values.items()
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_NUMBER
    ]
    if problems:
        return problems
    if policy.general_branch_tolerance > policy.general_branch_threshold:
        problems.append("“接近”建立党总支的党员数不能大于建立党总支的党员数")
    if policy.committee_tolerance > policy.committee_threshold:
        problems.append("“接近”建立基层党委的党员数不能大于建立基层党委的党员数")
    if policy.general_branch_tolerance <= policy.min_full_members:
        problems.append("“接近”建立党总支的党员数必须大于组建党组织最少正式党员数")
    if policy.committee_threshold <= policy.general_branch_threshold:
        problems.append("建立基层党委的党员数必须大于建立党总支的党员数")
    if policy.committee_tolerance <= policy.general_branch_tolerance:
        problems.append("“接近”建立基层党委的党员数必须大于“接近”建立党总支的党员数")
    if policy.max_joint_organizations < 2:
        problems.append("联合党组织至少覆盖2个组织")
    if policy.branch_committee_full_members < policy.min_full_members:
        problems.append("设立支部委员会的正式党员数不能小于组建党组织最少正式党员数")
    return problems


def policy_on(policies: Iterable[Policy], on: dt.date) -> Policy | None:
    """The version in force on ``on``: the latest ``effective_from`` not after it."""
    in_force = [p for p in policies if p.effective_from <= on]
    return max(in_force, key=lambda p: p.effective_from, default=None)


def policy_from_mapping(data: Mapping[str, Any]) -> Policy:
    """A policy from JSON-like data (``effective_from`` as ISO date); missing numbers take the
    speech's values. Raises :class:`PolicyError` on unknown keys or bad values."""
    known = {f.name for f in fields(Policy)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise PolicyError(f"政策数据中有无法识别的项:{'、'.join(unknown)}")
    values = dict(data)
    if "effective_from" in values:
        try:
            values["effective_from"] = dt.date.fromisoformat(str(values["effective_from"]))
        except ValueError as exc:
            raise PolicyError(f"生效日期“{values['effective_from']}”不是YYYY-MM-DD格式的日期") from exc
    for name in ("name", "source"):
        if name in values and not isinstance(values[name], str):
            raise PolicyError(f"政策数据“{name}”必须是文字")
    return Policy(**values)


def policy_to_mapping(policy: Policy) -> dict[str, Any]:
    data: dict[str, Any] = {f.name: getattr(policy, f.name) for f in fields(Policy)}
    data["effective_from"] = policy.effective_from.isoformat()
    return data


# ---------------------------------------------------------------------------------- the facts
@dataclass(frozen=True, slots=True)
class OrgFacts:
    """What the register (or a census row) knows about one organization.

    ``township_code`` and ``village_code`` are only compared for equality: a register passes the
    administrative codes, a spreadsheet the names as written. Codes are those of
    ``liangxin.registry.choices``; "" means unknown.
    """

    id: str
    name: str
    category: str = ""
    org_type: str = ""
    township_code: str = ""
    village_code: str = ""
    village_name: str = ""  # for messages; falls back to ``village_code``
    industry_code: str = ""  # GB/T 4754: section letter, or section + division ("C13")
    department: str = ""  # the supervising department (行业主管部门), for the transfer route
    operating_status: str = "operating"
    employees: int = 0
    full_members: int = 0
    probationary_members: int = 0
    owner_attitude: str = ""
    secretary_candidate_available: bool | None = None
    has_party_organization: bool = False
    party_organization_kind: str = ""  # a PartyOrganizationKind code when known
    party_organization_name: str = ""
    association_member_of: tuple[str, ...] = ()  # ids of industry associations it belongs to
    latitude: float | None = None
    longitude: float | None = None

    @property
    def members(self) -> int:
        return self.full_members + self.probationary_members


# ---------------------------------------------------------------------------------- the result
@dataclass(frozen=True, slots=True)
class Partner:
    """Another organization a route would build with: a joint partner or a host association."""

    id: str
    name: str
    full_members: int = 0
    probationary_members: int = 0
    same_village: bool = False


@dataclass(frozen=True, slots=True)
class Option:
    """One applicable route: its code, label, the clause that allows it, and with whom."""

    code: str
    label: str
    rule: str
    detail: str = ""
    partners: tuple[Partner, ...] = ()


@dataclass(frozen=True, slots=True)
class Issue:
    """A blocker or a flag: a stable code and a sentence for the clerk."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Recommendation:
    org_id: str
    primary: Option
    alternatives: tuple[Option, ...] = ()
    blockers: tuple[Issue, ...] = ()
    flags: tuple[Issue, ...] = ()
    policy_name: str = ""
    policy_effective_from: dt.date | None = None

    @property
    def code(self) -> str:
        return self.primary.code

    @property
    def label(self) -> str:
        return self.primary.label

    @property
    def rule(self) -> str:
        return self.primary.rule

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: what ``manage.py recommend --json`` prints for a row (plus the row fields)."""
        return {
            "code": self.primary.code,
            "label": self.primary.label,
            "rule": self.primary.rule,
            "detail": self.primary.detail,
            "partners": [_partner_dict(p) for p in self.primary.partners],
            "blockers": [{"code": b.code, "message": b.message} for b in self.blockers],
            "alternatives": [
                {
                    "code": o.code,
                    "label": o.label,
                    "rule": o.rule,
                    "detail": o.detail,
                    "partners": [_partner_dict(p) for p in o.partners],
                }
                for o in self.alternatives
            ],
            "flags": [{"code": f.code, "message": f.message} for f in self.flags],
            "policy": self.policy_name,
        }


def _partner_dict(partner: Partner) -> dict[str, Any]:
    return {
        "id": partner.id,
        "name": partner.name,
        "full_members": partner.full_members,
        "probationary_members": partner.probationary_members,
        "same_village": partner.same_village,
    }


# ------------------------------------------------------------------------------ the clauses
# A register asks for the same few clauses of one version a thousand times over.
@lru_cache(maxsize=256)
def _clause(code: str, policy: Policy) -> str:
    """The clause of the speech (with this version's numbers) that gives ``code``."""
    p = policy
    # Joint, village-enterprise and association routes are one sentence of the speech.
    fewer = (
        f"正式党员不足{p.min_full_members}名的,按照业务相近、地域相邻的原则,"
        "采取联合组建、村(社区)企联建、依托行业协会组建等多种方式建立党组织"
    )
    text = {
        FORM_BRANCH: f"有{p.min_full_members}名以上正式党员、具备组建条件的“两新”组织,要及时组建党组织。",
        FORM_GENERAL_BRANCH: (
            f"党员人数接近或超过{p.general_branch_threshold}名的,应建立党总支"
            f"(“接近”按{p.general_branch_tolerance}名掌握)。"
        ),
        FORM_COMMITTEE: (
            f"党员人数接近或超过{p.committee_threshold}名的,可建立基层党委(“接近”按{p.committee_tolerance}名掌握)。"
        ),
        JOINT: f"{fewer}(一个联合党组织最多覆盖{p.max_joint_organizations}个组织)。",
        VILLAGE_ENTERPRISE: f"{fewer}。",
        VIA_ASSOCIATION: f"{fewer}。",
        TRANSFER_RELATIONS: "暂时不能建立党组织的,可将党员组织关系转入业务主管单位或挂靠单位党组织。",
        INSTRUCTOR_FIRST: (
            "目前还没有党员的,可采取选派党建工作指导员、先行建立工会、妇联和共青团等群团组织、"
            "推荐党员到“两新”组织就业等方式,为建立党组织创造条件。"
        ),
        COVERED: "已建立党组织的,按照“有组织抓规范、已规范抓提高”的要求加强规范化建设。",
    }.get(code)
    if text is None:  # NOT_APPLICABLE: a rule of the system, not of the speech
        return "已注销的组织不在摸底和组建范围内(系统规则)。"
    return f"{text}({p.citation})"


def _option(code: str, policy: Policy, *, detail: str = "", partners: tuple[Partner, ...] = ()) -> Option:
    return Option(code=code, label=LABELS[code], rule=_clause(code, policy), detail=detail, partners=partners)


# ------------------------------------------------------------------------------- size of kinds
def kind_for_size(members: int, policy: Policy) -> str:
    """The kind of party organization ``members`` (full + probationary) calls for (rule 3)."""
    if members >= policy.committee_tolerance:
        return COMMITTEE
    if members >= policy.general_branch_tolerance:
        return GENERAL_BRANCH
    return BRANCH


_KIND_LEVEL: Final[Mapping[str, int]] = {BRANCH: 0, GENERAL_BRANCH: 1, COMMITTEE: 2}


def _wrong_kind(org: OrgFacts, policy: Policy) -> Issue | None:
    kind = org.party_organization_kind
    if not kind:
        return None
    have = 0 if kind in BRANCH_LEVEL_KINDS else _KIND_LEVEL.get(kind)
    if have is None:
        return None
    need_kind = kind_for_size(org.members, policy)
    need = _KIND_LEVEL[need_kind]
    label = KIND_LABELS.get(kind, kind)
    if have == 0 and need > 0:
        return Issue(
            WRONG_KIND,
            f"现有{label},党员{org.members}名,已接近或超过{policy.general_branch_threshold}名,应建立党总支。",
        )
    if have > need:
        threshold = policy.general_branch_tolerance if need_kind == BRANCH else policy.committee_tolerance
        return Issue(
            WRONG_KIND,
            f"现有{label},党员只有{org.members}名,不足{threshold}名,宜设{KIND_LABELS[need_kind]}。",
        )
    return None


def _needs_committee(full_members: int, policy: Policy, *, joint: bool = False) -> Issue | None:
    if full_members < policy.branch_committee_full_members:
        return None
    subject = "联合党支部(含联建组织)" if joint else "党支部"
    return Issue(
        NEEDS_COMMITTEE,
        f"{subject}有正式党员{full_members}名,达到{policy.branch_committee_full_members}名,应当设立党支部委员会。",
    )


# ----------------------------------------------------------------------------------- partners
# Who may build with whom is ``partners.py``'s rule, shared with the joint-branch planner.
def partner_settings(policy: Policy) -> partners.Settings:
    return partners.Settings(min_full_members=policy.min_full_members, max_group_size=policy.max_joint_organizations)


def as_candidate(org: OrgFacts) -> partners.Candidate:
    return partners.Candidate(
        id=org.id,
        full_members=org.full_members,
        industry_code=org.industry_code,
        category=org.category,
        org_type=org.org_type,
        township=org.township_code,
        village=org.village_code,
        latitude=org.latitude,
        longitude=org.longitude,
        associations=org.association_member_of,
        name=org.name,
    )


def joint_candidate_problem(org: OrgFacts, policy: Policy) -> str | None:
    """Why ``org`` cannot be part of a joint party organization (``partners.candidate_problem``)."""
    return partners.candidate_problem(
        operating_status=org.operating_status,
        full_members=org.full_members,
        covered=org.has_party_organization,
        min_full_members=policy.min_full_members,
    )


def neighbourhood(orgs: Iterable[OrgFacts], policy: Policy) -> partners.Neighbourhood:
    """The joint candidates among ``orgs``, indexed for :func:`joint_partners`."""
    return partners.Neighbourhood(
        (as_candidate(o) for o in orgs if joint_candidate_problem(o, policy) is None), partner_settings(policy)
    )


def joint_partners(org: OrgFacts, policy: Policy, candidates: partners.Neighbourhood) -> list[Partner]:
    """Rule 4's partners: the rest of the least dissimilar valid group containing ``org``
    (``partners.Neighbourhood.best_group``), closest first; empty when ``org`` is not a candidate
    or no valid group contains it. ``candidates``: :func:`neighbourhood` of ``org``'s township."""
    me = candidates.by_id.get(org.id)
    if me is None or joint_candidate_problem(org, policy) is not None:
        return []
    return [
        Partner(
            id=c.id,
            name=c.name,
            full_members=c.full_members,
            same_village=bool(org.village_code) and org.village_code == c.village,
        )
        for c in candidates.best_group(me) or ()
    ]


def _partner(org: OrgFacts, other: OrgFacts) -> Partner:
    return Partner(
        id=other.id,
        name=other.name,
        full_members=other.full_members,
        probationary_members=other.probationary_members,
        same_village=bool(org.village_code) and org.village_code == other.village_code,
    )


def association_hosts(org: OrgFacts, neighbours: Iterable[OrgFacts], policy: Policy) -> list[Partner]:
    """Rule 6's host associations: those the organization is recorded as a member of (listed
    first, in the order recorded), then the industry associations and chambers of commerce that
    may host it (``partners.hosts_association``: same industry section, neighbouring)."""
    settings = partner_settings(policy)
    me = as_candidate(org)
    by_id = {}
    inferred: list[OrgFacts] = []
    for other in neighbours:
        if other.id == org.id or other.operating_status == DEREGISTERED:
            continue
        if other.id in org.association_member_of:
            by_id[other.id] = other
        elif other.org_type in ASSOCIATION_TYPES and partners.hosts_association(me, as_candidate(other), settings):
            inferred.append(other)
    hosts = [
        _partner(org, by_id[ident]) if ident in by_id else Partner(id=ident, name="")
        for ident in dict.fromkeys(org.association_member_of)
        if ident != org.id
    ]
    hosts.extend(_partner(org, o) for o in sorted(inferred, key=lambda o: o.id))
    return hosts


# ------------------------------------------------------------------------------------ engine
def recommend(
    org: OrgFacts,
    policy: Policy,
    neighbours: Sequence[OrgFacts] = (),
    *,
    candidates: partners.Neighbourhood | None = None,
) -> Recommendation:
    """The one primary recommendation for ``org`` under ``policy`` (rules in the module docstring).

    ``neighbours`` are the other organizations that may be partners or host associations (the
    organization itself may be among them; it is skipped). Partners must be neighbouring
    (``partners.area_score``: the same township without coordinates), so a caller may pass the
    whole county or just the township. ``candidates``: the joint candidates among them, already
    indexed (:func:`neighbourhood`), when the caller asks for many organizations of one township."""

    def result(
        primary: Option,
        alternatives: Sequence[Option] = (),
        blockers: Sequence[Issue] = (),
        flags: Sequence[Issue | None] = (),
    ) -> Recommendation:
        return Recommendation(
            org_id=org.id,
            primary=primary,
            alternatives=tuple(alternatives),
            blockers=tuple(blockers),
            flags=tuple(f for f in flags if f is not None),
            policy_name=policy.name,
            policy_effective_from=policy.effective_from,
        )

    settled = settled_code(org)
    if settled == NOT_APPLICABLE:
        return result(_option(NOT_APPLICABLE, policy))
    if settled == COVERED:
        detail = org.party_organization_name or KIND_LABELS.get(org.party_organization_kind, "")
        wrong_kind = _wrong_kind(org, policy)
        # A branch too large for a branch is told to become a general branch, which has a
        # committee anyway; the committee reminder is for branches of the right size.
        branch_sized = org.party_organization_kind in BRANCH_LEVEL_KINDS and wrong_kind is None
        return result(
            _option(COVERED, policy, detail=detail),
            flags=[wrong_kind, _needs_committee(org.full_members, policy) if branch_sized else None],
        )

    blockers: list[Issue] = []
    if org.owner_attitude == UNSUPPORTIVE:
        blockers.append(Issue(OWNER_UNSUPPORTIVE, "业主对组建党组织态度为“不支持”,方案须提出做通业主工作的措施。"))
    if org.operating_status in NOT_OPERATING:
        blockers.append(
            Issue(NOT_OPERATING_BLOCKER, "组织处于停产或歇业状态,尚不具备组建条件,方案须说明恢复经营后的安排。")
        )

    if org.full_members >= policy.min_full_members:
        if org.secretary_candidate_available is False:
            blockers.append(Issue(NO_SECRETARY_CANDIDATE, "暂无合适的支部书记人选,方案须说明如何选派或培养书记。"))
        size = f"党员{org.members}名,其中正式党员{org.full_members}名"
        kind = kind_for_size(org.members, policy)
        if kind == COMMITTEE:
            # The committee is a "可": a general branch is the other lawful choice.
            return result(
                _option(FORM_COMMITTEE, policy, detail=size),
                [_option(FORM_GENERAL_BRANCH, policy, detail=size)],
                blockers,
            )
        if kind == GENERAL_BRANCH:
            return result(_option(FORM_GENERAL_BRANCH, policy, detail=size), (), blockers)
        return result(
            _option(FORM_BRANCH, policy, detail=size), (), blockers, [_needs_committee(org.full_members, policy)]
        )

    if org.members == 0:
        detail = f"从业人员{org.employees}人,尚无党员"
        return result(_option(INSTRUCTOR_FIRST, policy, detail=detail), (), blockers)

    options: list[Option] = []
    flags: list[Issue | None] = []
    if candidates is None:
        candidates = neighbourhood({o.id: o for o in (*neighbours, org)}.values(), policy)
    joint_with = tuple(joint_partners(org, policy, candidates))
    if joint_with:
        joint_full = org.full_members + sum(p.full_members for p in joint_with)
        detail = f"与{len(joint_with)}个组织联合组建,共有正式党员{joint_full}名"
        options.append(_option(JOINT, policy, detail=detail, partners=joint_with))
        flags.append(_needs_committee(joint_full, policy, joint=True))
    if org.village_code:
        village = org.village_name or org.village_code
        options.append(_option(VILLAGE_ENTERPRISE, policy, detail=f"与所在村(社区)“{village}”党组织联建"))
    hosts = tuple(association_hosts(org, neighbours, policy))
    if hosts:
        host_names = "、".join(f"“{h.name or h.id}”" for h in hosts)
        options.append(_option(VIA_ASSOCIATION, policy, detail=f"依托{host_names}组建", partners=hosts))
    to = f"转入业务主管单位“{org.department}”党组织" if org.department else "转入业务主管单位或挂靠单位党组织"
    options.append(_option(TRANSFER_RELATIONS, policy, detail=to))
    return result(options[0], options[1:], blockers, flags)


SETTLED_CODES: Final = frozenset({NOT_APPLICABLE, COVERED})


def settled_code(org: OrgFacts) -> str | None:
    """Rules 1 and 2: ``not_applicable`` or ``covered`` (:data:`SETTLED_CODES`) when the
    organization's status alone settles its recommendation, else None (whatever else the rules say,
    it has something to form: the organizations the formation register lists)."""
    if org.operating_status == DEREGISTERED:
        return NOT_APPLICABLE
    if org.has_party_organization:
        return COVERED
    return None


class Recommender:
    """:func:`recommend` for organizations among ``orgs``, each with the others as neighbours,
    worked out when first asked for and then kept.

    Partners come from the same township only, indexed when one of the township's organizations is
    first asked for; host associations are the township's industry associations and chambers of
    commerce and the associations an organization names. So nobody is compared with the whole
    county, nor one by one with the whole township, and a page that shows fifty organizations of a
    county's register works out fifty recommendations, not the county's."""

    def __init__(self, orgs: Iterable[OrgFacts], policy: Policy) -> None:
        self.policy = policy
        self._by_township: dict[str, list[OrgFacts]] = defaultdict(list)
        self._by_id: dict[str, OrgFacts] = {}
        for org in orgs:
            if org.township_code:
                self._by_township[org.township_code].append(org)
            self._by_id.setdefault(org.id, org)
        self._candidates: dict[str, partners.Neighbourhood] = {}
        self._hosts: dict[str, list[OrgFacts]] = {}
        self._done: dict[str, Recommendation] = {}

    def __call__(self, org: OrgFacts) -> Recommendation:
        # Kept for the organizations given, by id; another object of the same id is worked out anew.
        given = self._by_id.get(org.id) is org
        if given and org.id in self._done:
            return self._done[org.id]
        township = org.township_code
        if township and township not in self._candidates:
            members = self._by_township[township]
            self._candidates[township] = neighbourhood(members, self.policy)
            self._hosts[township] = [o for o in members if o.org_type in ASSOCIATION_TYPES]
        named = [self._by_id[i] for i in org.association_member_of if i in self._by_id]
        pool = list({o.id: o for o in (*self._hosts.get(township, ()), *named)}.values())
        found = recommend(org, self.policy, pool, candidates=self._candidates.get(township))
        if given:
            self._done[org.id] = found
        return found


def recommend_all(orgs: Sequence[OrgFacts], policy: Policy) -> list[Recommendation]:
    """:func:`recommend` for every organization, each with the others as neighbours (:class:`Recommender`)."""
    recommender = Recommender(orgs, policy)
    return [recommender(org) for org in orgs]


__all__ = [
    "LABELS",
    "PRIMARY_CODES",
    "PRIMARY_RANK",
    "SETTLED_CODES",
    "Issue",
    "Option",
    "OrgFacts",
    "Partner",
    "Policy",
    "PolicyError",
    "Recommendation",
    "Recommender",
    "as_candidate",
    "association_hosts",
    "joint_candidate_problem",
    "joint_partners",
    "kind_for_size",
    "policy_from_mapping",
    "policy_on",
    "policy_problems",
    "policy_to_mapping",
    "recommend",
    "recommend_all",
    "settled_code",
]
