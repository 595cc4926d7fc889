"""Code lists of the register. Stored values are stable English codes; labels are Chinese."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    ECONOMIC = "economic", _("新经济组织")
    SOCIAL = "social", _("新社会组织")


class OrganizationType(models.TextChoices):
    INDIVIDUAL_BUSINESS = "individual_business", _("个体工商户")
    PRIVATE_ENTERPRISE = "private_enterprise", _("私营企业")
    LIMITED_COMPANY = "limited_company", _("有限责任公司")
    JOINT_STOCK_COMPANY = "joint_stock_company", _("股份有限公司")
    FOREIGN_INVESTED = "foreign_invested", _("外商投资企业")
    FARMERS_COOPERATIVE = "farmers_cooperative", _("农民专业合作社")
    INDUSTRY_ASSOCIATION = "industry_association", _("行业协会")
    CHAMBER_OF_COMMERCE = "chamber_of_commerce", _("商会")
    SOCIAL_GROUP = "social_group", _("社会团体")
    PRIVATE_NON_ENTERPRISE = "private_non_enterprise", _("民办非企业单位")
    PRIVATE_SCHOOL = "private_school", _("民办学校")
    PRIVATE_HOSPITAL = "private_hospital", _("民办医疗机构")
    LAW_FIRM = "law_firm", _("律师事务所")
    ACCOUNTING_FIRM = "accounting_firm", _("会计师事务所")
    OTHER_INTERMEDIARY = "other_intermediary", _("其他中介机构")


ECONOMIC_TYPES = frozenset(
    {
        OrganizationType.INDIVIDUAL_BUSINESS,
        OrganizationType.PRIVATE_ENTERPRISE,
        OrganizationType.LIMITED_COMPANY,
        OrganizationType.JOINT_STOCK_COMPANY,
        OrganizationType.FOREIGN_INVESTED,
        OrganizationType.FARMERS_COOPERATIVE,
    }
)


class OperatingStatus(models.TextChoices):
    OPERATING = "operating", _("正常经营")
    SUSPENDED = "suspended", _("停产")
    CLOSED = "closed", _("歇业")
    DEREGISTERED = "deregistered", _("注销")


class OwnerAttitude(models.TextChoices):
    SUPPORTIVE = "supportive", _("支持")
    NEUTRAL = "neutral", _("一般")
    UNSUPPORTIVE = "unsupportive", _("不支持")


class FactSource(models.TextChoices):
    EDIT = "edit", _("手工录入")
    IMPORT = "import", _("表格导入")
    MERGE = "merge", _("合并")
    DEMO = "demo", _("演示数据")
    # Created from a registration list (reconcile), not yet surveyed: no figures yet.
    REGISTRATION = "registration", _("登记名单(未摸排)")


class PartyOrganizationKind(models.TextChoices):
    BRANCH = "branch", _("党支部")
    GENERAL_BRANCH = "general_branch", _("党总支")
    COMMITTEE = "committee", _("基层党委")
    JOINT_BRANCH = "joint_branch", _("联合党支部")
    BUILDING_BRANCH = "building_branch", _("楼宇党支部")
    TEMPORARY_BRANCH = "temporary_branch", _("临时党支部")
    MOBILE_MEMBERS_BRANCH = "mobile_members_branch", _("流动党员党支部")


class FormationMethod(models.TextChoices):
    INDEPENDENT = "independent", _("独立建")
    TERRITORIAL = "territorial", _("属地建")
    HOST_BASED = "host_based", _("依托建")
    JOINT = "joint", _("联合建")


class MemberStatus(models.TextChoices):
    FULL = "full", _("正式党员")
    PROBATIONARY = "probationary", _("预备党员")


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Education(models.TextChoices):
    PRIMARY = "primary", _("小学及以下")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中/中专")
    COLLEGE = "college", _("大专")
    BACHELOR = "bachelor", _("本科")
    POSTGRADUATE = "postgraduate", _("研究生")
