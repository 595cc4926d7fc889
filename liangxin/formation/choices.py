"""Code lists of formation plans. Stored values are stable English codes; labels are Chinese."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from . import transitions as t


class PlanStatus(models.TextChoices):
    PLANNED = t.PLANNED, _("计划")
    PREPARING = t.PREPARING, _("筹建中")
    FORMED = t.FORMED, _("已组建")
    SUSPENDED = t.SUSPENDED, _("暂缓")
    CANCELLED = t.CANCELLED, _("已撤销")


OPEN_STATUSES = sorted(t.OPEN_STATUSES)
ACTIVE_STATUSES = sorted(t.ACTIVE_STATUSES)


class NotReadyReason(models.TextChoices):
    NO_MEMBERS = "no_members", _("暂无党员")
    TOO_FEW_MEMBERS = "too_few_members", _("正式党员不足3名")
    OWNER_UNSUPPORTIVE = "owner_unsupportive", _("业主不支持")
    NO_SECRETARY = "no_secretary", _("无合适书记人选")
    NOT_OPERATING = "not_operating", _("停产或歇业")
    RELATIONS_ELSEWHERE = "relations_elsewhere", _("党员组织关系在外地")
    OTHER = "other", _("其他")


class VerificationMethod(models.TextChoices):
    VISIT = "visit", _("实地走访")
    PHONE = "phone", _("电话核实")


class VerificationResult(models.TextChoices):
    CONFIRMED = "confirmed", _("情况属实")
    CORRECTED = "corrected", _("情况有出入,已更正")
    NOT_FOUND = "not_found", _("查无此单位")


class MemberActionKind(models.TextChoices):
    TRANSFERRED_IN = "transferred_in", _("组织关系已转入")
    MOBILE = "mobile", _("登记为流动党员")
    OTHER = "other", _("其他")


# The joint-branch planner's reason and problem codes (``formation.joint``), for the pages.
JOINT_REASON_LABELS = {
    "same_association": _("同属一个行业协会"),
    "same_division": _("同一行业大类"),
    "same_section": _("同一行业门类"),
    "same_type": _("同一组织类型"),
    "same_type_family": _("同类社会组织"),
    "same_category": _("同一组织类别"),
    "same_village": _("同一村(社区)"),
    "same_township": _("同一乡镇(街道)"),
    "nearby": _("相距较近"),
}
JOINT_PROBLEM_LABELS = {
    "too_few_organizations": _("联合组建至少需要两个组织"),
    "too_many_organizations": _("超过一个联合党组织最多覆盖的组织数"),
    "too_few_full_members": _("合计正式党员不足组建党组织的最少人数"),
    "member_reaches_minimum_alone": _("有组织的正式党员已达最少人数,应单独组建"),
    "business_not_similar": _("业务不相近(组织类别、行业门类或社会组织类型不同)"),
    "area_not_neighbouring": _("地域不相邻(不在同一乡镇或相距过远)"),
}
JOINT_BRANCH_KIND_LABELS = {
    "joint": _("联合党支部"),
    "building": _("楼宇党支部"),
    "association": _("行业协会党组织"),
}
# Why a candidate is left out of every group (``formation.joint.LEFT_OUT_REASONS``).
JOINT_LEFT_OUT_LABELS = {
    "no_compatible_neighbour": _("本乡镇没有业务相近、地域相邻的候选组织"),
    "too_few_members_in_reach": _("业务相近、地域相邻的候选组织正式党员合计不足规定人数"),
    "partners_in_other_groups": _("可联合的组织已编入其他建议分组(按未纳入最少、分组最少的原则)"),
    "search_stopped": _("计算时间已到上限,尚未为其找到分组"),
}
# Why an organization of the township is no joint candidate (``policy.partners.candidate_problem``);
# the planner page counts these (covered and deregistered ones are not its business).
JOINT_NOT_CANDIDATE_LABELS = {
    "no_full_members": _(
        "没有正式党员(宜先选派党建工作指导员、建立群团组织;如与其他组织同在一栋楼等,可在审核分组时说明理由后加入)"
    ),
    "not_operating": _("停产或歇业"),
    "reaches_minimum": _("正式党员已达规定人数,应单独组建"),
}
