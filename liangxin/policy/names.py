"""What a party organization's name says about its kind. Pure Python (no Django).

Census sheets and spreadsheets give the *name* of an existing party organization, never its kind,
so the kind is read from the name, here and only here: the census import creates party
organizations with it and the formation-rules engine judges whether the kind suits the size with
it. The naming conventions are written down in ``docs/party-organization-names.md``.

A name ends in the word for its level, after an optional qualifier:

=====================================  ==================================================
ending                                 kind
=====================================  ==================================================
…总支部委员会, …党总支部, …党总支, …总支部  党总支 (general branch)
…支部委员会, …党支部, …支部                党支部 (branch), or the qualifier's kind
…党委, …党工委, …委员会 (of the Party)    基层党委 (committee)
=====================================  ==================================================

"支部委员会" is the committee *of a branch* and "总支部委员会" that of a general branch, so they are
matched before the bare "委员会" of a grassroots committee (中共××公司委员会). A bare "…委员会" counts
only when the name is the Party's (中共…, 中国共产党…, or it contains 党): "九龙社区居民委员会" is a
residents' committee, not a party organization.

Qualifiers sit right before the level word: 联合 (joint: several organizations), 楼宇 (building),
临时 (temporary), 流动党员 (mobile members). They count only there: "罗平县联合建材有限公司党支部"
is the ordinary branch of a company whose name contains 联合.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

# Copies of ``liangxin.registry.choices.PartyOrganizationKind`` (that module imports Django);
# ``policy/tests/test_engine.py`` asserts the labels are equal so the two cannot drift apart.
BRANCH: Final = "branch"
GENERAL_BRANCH: Final = "general_branch"
COMMITTEE: Final = "committee"
JOINT_BRANCH: Final = "joint_branch"
BUILDING_BRANCH: Final = "building_branch"
TEMPORARY_BRANCH: Final = "temporary_branch"
MOBILE_MEMBERS_BRANCH: Final = "mobile_members_branch"
KIND_LABELS: Final[Mapping[str, str]] = {
    BRANCH: "党支部",
    GENERAL_BRANCH: "党总支",
    COMMITTEE: "基层党委",
    JOINT_BRANCH: "联合党支部",
    BUILDING_BRANCH: "楼宇党支部",
    TEMPORARY_BRANCH: "临时党支部",
    MOBILE_MEMBERS_BRANCH: "流动党员党支部",
}
# Kinds that are branches whatever their name: their size rules are those of a 党支部.
BRANCH_LEVEL_KINDS: Final = frozenset({BRANCH, JOINT_BRANCH, BUILDING_BRANCH, TEMPORARY_BRANCH, MOBILE_MEMBERS_BRANCH})

# Longest first, so that "总支部委员会" wins over "支部委员会" and that over "委员会".
_LEVELS: Final = (
    ("总支部委员会", GENERAL_BRANCH),
    ("党总支部", GENERAL_BRANCH),
    ("党总支", GENERAL_BRANCH),
    ("总支部", GENERAL_BRANCH),
    ("支部委员会", BRANCH),
    ("党支部", BRANCH),
    ("支部", BRANCH),
    ("党工委", COMMITTEE),
    ("党委", COMMITTEE),
    ("委员会", COMMITTEE),
)
_BRANCH_QUALIFIERS: Final = (
    ("流动党员", MOBILE_MEMBERS_BRANCH),
    ("楼宇", BUILDING_BRANCH),
    ("临时", TEMPORARY_BRANCH),
)
_JOINT: Final = "联合"


@dataclass(frozen=True, slots=True)
class NamedKind:
    """What a name says: the kind ("" when it says nothing) and whether it names a joint
    organization (联合…: it covers several organizations, formation method 联合建)."""

    kind: str
    joint: bool = False


def _is_the_partys(text: str) -> bool:
    return text.startswith(("中共", "中国共产党")) or "党" in text


def read_party_organization_name(name: str) -> NamedKind:
    """The kind (and joint-ness) a party organization's name says; ``NamedKind("")`` if none.

    ``中共罗平县万兴隆实业有限公司支部委员会`` → branch; ``…总支部委员会`` → general branch;
    ``九龙社区非公企业联合党支部`` → joint branch (joint); ``…联合党委`` → committee (joint)."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))
    for suffix, level in _LEVELS:
        if not text.endswith(suffix):
            continue
        stem = text[: -len(suffix)]
        if suffix == "委员会" and not _is_the_partys(stem):
            return NamedKind("")
        # "…联合党支部委员会", "…联合党总支": the 党 of the level word may stand before 支部/总支部.
        stem = stem.removesuffix("党")
        joint = stem.endswith(_JOINT)
        stem = stem.removesuffix(_JOINT)
        if level == BRANCH:
            for qualifier, kind in _BRANCH_QUALIFIERS:
                if stem.endswith(qualifier):
                    return NamedKind(kind, joint)
            return NamedKind(JOINT_BRANCH if joint else BRANCH, joint)
        return NamedKind(level, joint)
    return NamedKind("")


__all__ = [
    "BRANCH",
    "BRANCH_LEVEL_KINDS",
    "COMMITTEE",
    "GENERAL_BRANCH",
    "KIND_LABELS",
    "NamedKind",
    "read_party_organization_name",
]
