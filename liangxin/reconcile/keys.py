"""The key a registration list and the register are compared by (docs/reconciliation.md).

It starts from :func:`liangxin.core.text.normalize_name`, the one folding of names the census
matching uses (width, traditional characters, spaces), and folds further only what differs between
how a registering authority and a township clerk write the same organization: brackets around a
place name, the county's name in front, and the long and short forms of a legal suffix. The register
keeps every name as written; these keys are never stored.
"""

from __future__ import annotations

from collections.abc import Iterable

from liangxin.core.text import normalize_name

# Long form → short form, longest first: "有限责任公司" and "有限公司" name the same legal form
# (Company Law art. 7 lets a limited liability company use either).
_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("股份有限公司", "股份公司"),
    ("有限责任公司", "有限公司"),
    ("农民专业合作社", "合作社"),
    ("专业合作社", "合作社"),
)
_BRACKETS = str.maketrans("", "", "()[]【】〔〕")
# A county-level unit's name without its level word: 罗平县 → 罗平.
_LEVEL_WORDS = ("自治县", "县", "市", "区", "旗")


def prefixes_of(place_names: Iterable[str]) -> tuple[str, ...]:
    """Name prefixes to drop: each place as written and without its level word, longest first."""
    out: set[str] = set()
    for name in place_names:
        key = normalize_name(name)
        if not key:
            continue
        out.add(key)
        for word in _LEVEL_WORDS:
            if key.endswith(word) and len(key) - len(word) >= 2:
                out.add(key.removesuffix(word))
                break
    return tuple(sorted(out, key=len, reverse=True))


def fold_key(name: str, prefixes: tuple[str, ...] = ()) -> str:
    """``罗平县（九龙）砖沙有限责任公司`` and ``九龙砖沙有限公司`` → ``九龙砖沙有限公司``.

    A prefix is dropped only when something of the name is left after it, so an organization
    named after the county alone keeps its name.
    """
    key = normalize_name(name).translate(_BRACKETS)
    for prefix in prefixes:
        if key.startswith(prefix) and len(key) > len(prefix) + 1:
            key = key[len(prefix) :]
            break
    for long, short in _SUFFIXES:
        if key.endswith(long):
            key = key[: -len(long)] + short
            break
    return key


# Legal-form endings, once folded: shared by most names, so they say nothing about which organization
# a name is and are left out of the similarity score.
_LEGAL_FORMS = ("分公司", "股份公司", "有限公司", "合作社", "公司")


def distinctive_part(key: str) -> str:
    """A folded key without its legal-form ending: what the similarity score compares."""
    for ending in _LEGAL_FORMS:
        if key.endswith(ending) and len(key) > len(ending) + 1:
            return key[: -len(ending)]
    return key
