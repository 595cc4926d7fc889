"""Code lists the census columns use, copied from ``liangxin.registry.choices`` without Django.

This package must import no Django, so the label ↔ code tables live here too;
``tests/test_vocab.py`` asserts they equal the Django choices so the two cannot drift apart.
Written variants of the labels (经济 → 新经济组织, 在营 → 正常经营, ...) are data, in
``choice_aliases.csv`` beside this module.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from liangxin.core import industry

# code → Chinese label, in display order (the same order as the Django TextChoices).
CATEGORY: Final = MappingProxyType(
    {
        "economic": "新经济组织",
        "social": "新社会组织",
    }
)

ORGANIZATION_TYPE: Final = MappingProxyType(
    {
        "individual_business": "个体工商户",
        "private_enterprise": "私营企业",
        "limited_company": "有限责任公司",
        "joint_stock_company": "股份有限公司",
        "foreign_invested": "外商投资企业",
        "farmers_cooperative": "农民专业合作社",
        "industry_association": "行业协会",
        "chamber_of_commerce": "商会",
        "social_group": "社会团体",
        "private_non_enterprise": "民办非企业单位",
        "private_school": "民办学校",
        "private_hospital": "民办医疗机构",
        "law_firm": "律师事务所",
        "accounting_firm": "会计师事务所",
        "other_intermediary": "其他中介机构",
    }
)

# Organization types of the economic category (registry.choices.ECONOMIC_TYPES); the rest are social.
ECONOMIC_TYPES: Final = frozenset(
    {
        "individual_business",
        "private_enterprise",
        "limited_company",
        "joint_stock_company",
        "foreign_invested",
        "farmers_cooperative",
    }
)

INDIVIDUAL_BUSINESS: Final = "individual_business"
ECONOMIC: Final = "economic"
SOCIAL: Final = "social"

OPERATING_STATUS: Final = MappingProxyType(
    {
        "operating": "正常经营",
        "suspended": "停产",
        "closed": "歇业",
        "deregistered": "注销",
    }
)

OWNER_ATTITUDE: Final = MappingProxyType(
    {
        "supportive": "支持",
        "neutral": "一般",
        "unsupportive": "不支持",
    }
)

# Vocabulary name (used by columns.py and choice_aliases.csv) → code → label.
VOCABULARIES: Final = MappingProxyType(
    {
        "category": CATEGORY,
        "org_type": ORGANIZATION_TYPE,
        "operating_status": OPERATING_STATUS,
        "owner_attitude": OWNER_ATTITUDE,
    }
)

# Yes/no as clerks write it. Keys are compared after NFKC, trimming, removing spaces and lower-casing.
TRUE_WORDS: Final = frozenset(
    {"是", "有", "√", "✓", "✔", "☑", "y", "yes", "1", "true", "对", "已建", "已建立", "已组建", "是的", "有的"}
)
FALSE_WORDS: Final = frozenset(
    {"否", "无", "×", "✗", "✘", "☒", "x", "n", "no", "0", "false", "错", "未建", "未建立", "未组建", "没有", "不是"}
)

# GB/T 4754-2017: 门类 (section letter) → (first 大类, last 大类) and the section's name, so that a
# code written without its letter ("1311") or a section written as a name ("制造业") can be read. The
# standard's sections and divisions are data in liangxin/core/data (``core.industry``).
INDUSTRY_SECTIONS: Final = industry.sections()
