"""Code lists of the policy app. Stored values are stable English codes; labels are Chinese.

``RecommendationCode`` and ``IssueCode`` repeat the engine's codes with gettext labels for pages
and exports; ``tests/test_engine.py`` keeps them equal to ``engine.LABELS``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Indicator(models.TextChoices):
    """The yearly targets of the speech (docs/domain.md §3), each a share between 0 and 1."""

    ORGS_50_WITH_MEMBERS = "orgs_50_with_members", _("从业人员50人以上的两新组织有党员")
    ORGS_100_WITH_PARTY_ORG = "orgs_100_with_party_org", _("从业人员100人以上的两新组织有党组织")
    ORGS_3_FULL_WITH_PARTY_ORG = "orgs_3_full_with_party_org", _("有3名以上正式党员的两新组织建立党组织")
    PARTY_ORGS_FIVE_GOODS = "party_orgs_five_goods", _("两新组织党组织达到“五个好”")


class RecommendationCode(models.TextChoices):
    FORM_BRANCH = "form_branch", _("独立组建党支部")
    FORM_GENERAL_BRANCH = "form_general_branch", _("应建立党总支")
    FORM_COMMITTEE = "form_committee", _("可建立基层党委")
    JOINT = "joint", _("联合组建")
    VILLAGE_ENTERPRISE = "village_enterprise", _("村(社区)企联建")
    VIA_ASSOCIATION = "via_association", _("依托行业协会组建")
    TRANSFER_RELATIONS = "transfer_relations", _("组织关系转入主管或挂靠单位党组织")
    INSTRUCTOR_FIRST = "instructor_first", _("选派党建工作指导员、先建群团组织、推荐党员就业")
    COVERED = "covered", _("已建立党组织")
    NOT_APPLICABLE = "not_applicable", _("不适用(已注销)")


class IssueCode(models.TextChoices):
    OWNER_UNSUPPORTIVE = "owner_unsupportive", _("业主不支持")
    NO_SECRETARY_CANDIDATE = "no_secretary_candidate", _("无合适书记人选")
    NOT_OPERATING = "not_operating", _("停产或歇业")
    WRONG_KIND = "wrong_kind", _("党组织类别与党员人数不符")
    NEEDS_COMMITTEE = "needs_committee", _("应设立支部委员会")
