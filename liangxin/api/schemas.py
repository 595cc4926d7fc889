"""The shapes of the API's answers, as pydantic types: the OpenAPI document is generated from
these, and every answer is validated against them before it is sent, so the two cannot drift.

Places and groups are named by their codes (township: 9 digits, village: 12, the supervisory
department's code, an organization's unified social credit code where it has one); codes of
kinds and states are the stable English codes of the register, with their Chinese label beside.
Dated rows hold over ``[valid_from, valid_to)``: ``valid_to`` null is open.
"""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class Error(Schema):
    detail: str | list[dict[str, object]] = Field(description="出错原因")


class Place(Schema):
    code: str = Field(description="行政区划代码(乡镇 9 位,村/社区 12 位)或行业主管部门代码")
    name: str


class Coded(Schema):
    code: str
    label: str


class Ref(Schema):
    id: int
    name: str


class OrganizationRef(Schema):
    id: int
    name: str
    uscc: str | None = Field(description="统一社会信用代码(个体工商户可能没有)")
    township: str = Field(description="所属乡镇代码(9 位)")


class Facts(Schema):
    valid_from: dt.date
    valid_to: dt.date | None = Field(description="不含当日;null 表示至今有效")
    operating_status: Coded
    employees: int
    full_members: int
    probationary_members: int
    owner_attitude: Coded | None
    secretary_candidate_available: bool | None
    payroll: str | None = Field(description="工资总额(万元),十进制文本")
    has_union: bool | None
    has_youth_league: bool | None
    has_womens_federation: bool | None
    source: Coded


class Organization(Schema):
    id: int
    uscc: str | None
    name: str
    category: Coded
    org_type: Coded
    industry_code: str
    township: Place
    village: Place | None
    department: Place | None
    above_designated_size: bool
    address: str
    as_of: dt.date = Field(description="下面的普查数据和党组织覆盖所截至的日期")
    facts: Facts | None = Field(description="截至 as_of 有效的普查数据;该日没有则为 null")
    has_party_organization: bool = Field(description="截至 as_of 是否有党组织覆盖")
    updated_at: dt.datetime


class Coverage(Schema):
    party_organization: Ref
    valid_from: dt.date
    valid_to: dt.date | None


class OrganizationDetail(Organization):
    facts_history: list[Facts]
    coverages: list[Coverage]


class CoveredOrganization(Schema):
    organization: OrganizationRef
    valid_from: dt.date
    valid_to: dt.date | None


class PartyOrganization(Schema):
    id: int
    name: str
    kind: Coded
    formation_method: Coded
    township: Place
    parent: Ref | None
    founded_on: dt.date
    dissolved_on: dt.date | None
    dissolution_reason: str
    organization_count: int = Field(description="今天覆盖的两新组织数")
    member_count: int = Field(description="今天组织关系在此的党员数")


class PartyOrganizationDetail(PartyOrganization):
    coverages: list[CoveredOrganization] = Field(description="覆盖的两新组织(仅本账号范围内的)")


class Member(Schema):
    id: int
    name: str
    sex: Coded
    birth_year: int = Field(description="出生年份(不给出生日期)")
    id_number_masked: str = Field(description="公民身份号码,只显示末两位")
    status: Coded
    admitted_on: dt.date
    full_membership_on: dt.date | None
    education: Coded | None
    position: str
    is_mobile: bool
    party_organization: Ref | None = Field(description="今天组织关系所在党组织")
    employer: Ref | None = Field(description="今天的工作单位")
    updated_at: dt.datetime


class Relation(Schema):
    party_organization: Ref
    valid_from: dt.date
    valid_to: dt.date | None


class Employment(Schema):
    organization: Ref
    position: str
    valid_from: dt.date
    valid_to: dt.date | None


class MemberDetail(Member):
    phone_masked: str = Field(description="联系电话,遮盖中间数字(如 138****5678)")
    relations: list[Relation]
    employments: list[Employment]


class FormationPlan(Schema):
    id: int
    organization: OrganizationRef
    status: Coded
    ready: bool
    method: Coded | None
    target_kind: Coded | None
    planned_date: dt.date | None
    reason: Coded | None
    reason_text: str
    countermeasure: str
    responsible_person: str
    suspension_reason: str
    partners: list[OrganizationRef]
    party_organization: Ref | None
    closed_on: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime


class Campaign(Schema):
    id: int
    code: str
    name: str
    status: Coded
    as_of: dt.date
    survey_deadline: dt.date
    plan_deadline: dt.date
    townships: list[Place]
    departments: list[Place]
    created_at: dt.datetime


class Submission(Schema):
    id: int
    campaign: Ref
    campaign_code: str
    township: Place | None
    department: Place | None
    state: Coded
    submitted_on: dt.date | None
    reviewed_at: dt.datetime | None
    last_reason: str
    entry_count: int = Field(description="本账号可见的摸底行数")
    updated_at: dt.datetime


class Entry(Schema):
    row: int
    name: str
    uscc: str | None
    department_code: str
    organization_id: int | None


class SubmissionDetail(Submission):
    entries: list[Entry]


class IndicatorValue(Schema):
    numerator: int
    denominator: int
    value: str | None = Field(description="比例指标为比例(十进制文本),计数/合计指标为数值;分母为 0 时 null")
    target: str | None
    gap: int | None = Field(description="距目标还差多少个")


class IndicatorGroup(Schema):
    as_of: dt.date
    by: str
    key: str = Field(description="分组的内部键(与页面链接相同)")
    code: str | None = Field(
        description="分组代码:乡镇 9 位区划代码、部门代码、组织类别/类型代码、规模 above/below;"
        "合计为本范围的区划或部门代码;无主管部门为 null"
    )
    label: str
    indicators: dict[str, IndicatorValue]


class Page(Schema):
    """A page of a list, in ascending id: the cursor of the next page (null on the last) and the
    path that fetches it with the same filters."""

    next_cursor: str | None
    next: str | None


class OrganizationPage(Page):
    results: list[Organization]


class PartyOrganizationPage(Page):
    results: list[PartyOrganization]


class MemberPage(Page):
    results: list[Member]


class FormationPlanPage(Page):
    results: list[FormationPlan]


class CampaignPage(Page):
    results: list[Campaign]


class SubmissionPage(Page):
    results: list[Submission]
