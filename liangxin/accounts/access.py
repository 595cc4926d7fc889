"""Who may use which page: the role × page rules, written once, as data.

``PAGE_RULES`` maps the name of every URL of the URL conf to a ``Rule``: the roles that may read
the page (GET, HEAD, OPTIONS) and the roles that may send to it (POST and the other unsafe
methods). ``middleware.PageAccessMiddleware`` applies it before any view runs:

- a role outside the rule gets 403, whatever object the URL names — so a 403 says nothing about
  the object, and a write by a read-only role never reaches a service;
- a role inside the rule reaches the view, which fetches the object through the user's scope, so
  an object outside the scope still answers 404, exactly like a missing one;
- a URL name missing from the table is refused to everyone (403): the table fails closed, and
  ``accounts/tests/test_access.py`` walks the URL conf and fails on any URL without a rule.

The menus (``MENU``, drawn by ``templates/includes/nav.html``) show an entry only to the roles
that may read its page. Services still check what they write (``roles.PERMISSIONS``); the role
groups below are built from those permissions where one exists, so the two cannot disagree.

To add a URL: one line in ``PAGE_RULES``, e.g. ``"census:batch_list": read(CENSUS_READERS),``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .roles import Permission, Role, roles_with

# --- Role groups -------------------------------------------------------------------------------

EVERY_ROLE = frozenset(Role.values)  # any signed-in account, one without a role included
BUSINESS = roles_with(Permission.VIEW_BUSINESS)  # county admin, leader, township, department, secretary
EDITORS = roles_with(Permission.EDIT_ORGANIZATIONS)  # county admin, township clerk
MERGERS = roles_with(Permission.MERGE_ORGANIZATIONS)
ID_REVEALERS = roles_with(Permission.VIEW_FULL_ID_NUMBER)  # county admin, secretary (own members)
ACCOUNT_MANAGERS = roles_with(Permission.MANAGE_ACCOUNTS)  # system administrator
ROLE_ASSIGNERS = roles_with(Permission.ASSIGN_ROLES)  # security administrator
AUDITORS = roles_with(Permission.VIEW_AUDIT)  # audit administrator
ACCOUNT_PAGES = ACCOUNT_MANAGERS | ROLE_ASSIGNERS
LOCKOUT_MANAGERS = frozenset({Role.SEC_ADMIN})
COUNTY_ADMIN = frozenset({Role.COUNTY_ADMIN})
COUNTY = frozenset({Role.COUNTY_ADMIN, Role.LEADER})
TOWNSHIP = frozenset({Role.TOWNSHIP_CLERK})
DEPARTMENT = frozenset({Role.DEPARTMENT_CLERK})
# The work on the register as a whole — the formation register, coverage, the joint planner,
# campaigns: every business role but the secretary, whose scope holds only the organizations his
# party organization already covers (nothing to plan, count or survey).
PLANNERS = BUSINESS - {Role.SECRETARY}
# Census import batches: those who import, and the county leader, who reads them.
CENSUS_READERS = EDITORS | {Role.LEADER}
# Who acts on a campaign submission: the county approves or returns, units submit.
SUBMISSION_ACTORS = COUNTY_ADMIN | TOWNSHIP | DEPARTMENT
# Funding follows the party organizations' affiliation (county → township → party organization):
# a department supervises organizations, not party organizations' funds.
FUNDING_READERS = BUSINESS - DEPARTMENT
BOOKKEEPERS = roles_with(Permission.KEEP_FUNDING_BOOKS)  # county admin, township clerk, secretary
DISBURSERS = roles_with(Permission.DISBURSE_FUNDS)  # county admin
DUES_BASE_KEEPERS = roles_with(Permission.VIEW_DUES_BASE)  # county admin, the member's secretary
# Mobile members: the county, the townships and the secretaries (dual activity) read; departments
# have no mobile members in their scope. The police files are the importers' and the leader's.
MOBILITY_READERS = BUSINESS - DEPARTMENT
INTAKE_READERS = CENSUS_READERS
# Member development: every business role reads it in its scope; the county, the townships and
# the secretaries record it (docs/member-development.md).
DEVELOPERS = roles_with(Permission.DEVELOP_MEMBERS)
TALENT_READERS = PLANNERS  # county, township and department: not a secretary
# Standardization and the five-goods assessment: every business role reads what its scope holds
# (departments the party organizations of the organizations they supervise); the secretary adds
# evidence, a township clerk or the county checks it; the supervising unit assesses.
STANDARDS_READERS = BUSINESS
EVIDENCE_ADDERS = roles_with(Permission.ADD_STANDARDIZATION_EVIDENCE)  # county, township, secretary
CHECKERS = roles_with(Permission.CHECK_STANDARDIZATION)  # county admin, township clerk
# Organization life: every business role reads in its scope (departments those covering the
# organizations they supervise); the secretary and the township clerk record.
LIFE_RECORDERS = roles_with(Permission.RECORD_ORGANIZATION_LIFE)
# Training records: the units that hold trainings keep them (the county, a township, a supervising
# department); every business role reads them and the yearly gap list within its scope.
TRAINING_KEEPERS = COUNTY_ADMIN | TOWNSHIP | DEPARTMENT
# Liaison points: the county's leaders' and the township party committees' own; demonstration
# points and the joint meeting's member units are the county's.
LIAISON_KEEPERS = COUNTY_ADMIN | TOWNSHIP


@dataclass(frozen=True)
class Rule:
    read: frozenset[str] = frozenset()  # roles that may GET / HEAD / OPTIONS
    write: frozenset[str] = frozenset()  # roles that may POST / PUT / PATCH / DELETE
    public: bool = False  # no login needed (the login steps); anyone may use every method
    # A data path of the JSON API: authenticated by a bearer token (``api.middleware``), never by
    # the session, answered in JSON (401 without a valid token, 403 where the rule refuses).
    token: bool = False

    def allows(self, role: str | None, method: str) -> bool:
        if self.public:
            return True
        if role is None:
            return False
        return role in (self.read if method in SAFE_METHODS else self.write)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC = Rule(public=True)


def read(roles: Iterable[str]) -> Rule:
    """A page to look at: these roles may open it; nobody may send to it."""
    return Rule(read=frozenset(roles))


def api(roles: Iterable[str]) -> Rule:
    """A data path of the JSON API: these roles may read it with a token; nobody may send to it."""
    return Rule(read=frozenset(roles), token=True)


def use(roles: Iterable[str]) -> Rule:
    """A form or an action: these roles may open it and send to it (the view answers 405 to a
    method it does not take)."""
    roles = frozenset(roles)
    return Rule(read=roles, write=roles)


PAGE_RULES: dict[str, Rule] = {
    "home": use(EVERY_ROLE),
    "todo": read(TOWNSHIP | DEPARTMENT),  # the clerks' home page
    # Login, one's own password and two-factor login: every account, with or without a role.
    "accounts:login": PUBLIC,
    "healthz": PUBLIC,  # monitoring and load balancers; says nothing about the data (liangxin/health.py)
    "accounts:logout": use(EVERY_ROLE),
    "accounts:password_change": use(EVERY_ROLE),
    "security:otp_verify": PUBLIC,  # second login step, before the session is logged in
    "security:otp_setup": PUBLIC,  # enrolment during that step, or later from 两步验证
    "security:twofactor": read(EVERY_ROLE),
    "security:recovery_codes": use(EVERY_ROLE),
    "security:twofactor_disable": use(EVERY_ROLE),
    # Accounts: the system administrator creates (without a role), disables, enables and
    # resets; the security administrator assigns roles and scopes.
    "accounts:user_list": read(ACCOUNT_PAGES),
    "accounts:user_detail": read(ACCOUNT_PAGES),
    "accounts:user_create": use(ACCOUNT_MANAGERS),
    "accounts:user_disable": use(ACCOUNT_MANAGERS),
    "accounts:user_enable": use(ACCOUNT_MANAGERS),
    "accounts:user_reset_password": use(ACCOUNT_MANAGERS),
    "accounts:scope_fields": read(ROLE_ASSIGNERS),
    "accounts:user_assign_role": use(ROLE_ASSIGNERS),
    "security:lockout_list": read(LOCKOUT_MANAGERS),
    "security:lockout_unlock": use(LOCKOUT_MANAGERS),
    "security:twofactor_reset": use(LOCKOUT_MANAGERS),
    "audit:record_list": read(AUDITORS),  # ?format=xlsx|csv exports it
    "audit:record_detail": read(AUDITORS),
    # The register.
    "registry:organization_list": read(BUSINESS),
    "registry:organization_export": read(BUSINESS),
    "registry:organization_detail": read(BUSINESS),
    "registry:organization_member_export": read(BUSINESS),
    "registry:organization_create": use(EDITORS),
    "registry:organization_pick": read(BUSINESS),  # a form's search for one organization of the scope
    "registry:organization_edit": use(EDITORS),
    "registry:organization_facts": use(EDITORS),
    "registry:organization_deregister": use(EDITORS),
    "registry:organization_merge": use(MERGERS),
    "registry:party_organization_list": read(BUSINESS),
    "registry:party_organization_export": read(BUSINESS),
    "registry:party_organization_detail": read(BUSINESS),
    "registry:party_organization_member_export": read(BUSINESS),
    "registry:party_organization_dissolve": use(EDITORS),
    "registry:member_list": read(BUSINESS),
    "registry:member_export": read(BUSINESS),
    "registry:member_detail": read(BUSINESS),
    "registry:member_pick": read(BUSINESS),
    "registry:member_reveal_id_number": use(ID_REVEALERS),
    # The register of organizations without a party organization, and 一个不能少.
    "formation:register_list": read(PLANNERS),
    "formation:register_export": read(PLANNERS),
    "formation:organization_plan": read(PLANNERS),
    "formation:plan_edit": use(EDITORS),
    "formation:plan_transition": use(EDITORS),
    "formation:verification_add": use(EDITORS),
    "formation:unrostered_list": read(PLANNERS),
    "formation:member_action": use(EDITORS),
    "formation:joint_planner": read(PLANNERS),
    "formation:joint_review": use(EDITORS),
    # Coverage against targets.
    "coverage:dashboard": read(PLANNERS),
    "coverage:table": read(PLANNERS),
    "coverage:table_export": read(PLANNERS),
    "coverage:forecast": read(PLANNERS),
    "coverage:drill_down": read(PLANNERS),
    "coverage:drill_down_export": read(PLANNERS),
    "coverage:gap_list": read(PLANNERS),
    "coverage:gap_export": read(PLANNERS),
    # Census import.
    "census:index": use(EDITORS),
    "census:template_export": read(EDITORS),
    "census:batch_list": read(CENSUS_READERS),
    "census:batch_detail": read(CENSUS_READERS),
    "census:batch_mapping": use(EDITORS),
    "census:batch_new_organizations": use(EDITORS),
    "census:batch_confirm": use(EDITORS),
    "census:batch_revert": use(EDITORS),
    "census:batch_original_export": read(CENSUS_READERS),
    "census:batch_annotated_export": read(CENSUS_READERS),
    "census:batch_rejected_export": read(CENSUS_READERS),
    "census:job_detail": read(CENSUS_READERS),
    # Reconciling the register with registration lists: who imports uploads and decides (a clerk
    # his township's rows, the county the rows no township was found for); the leader reads.
    "reconcile:index": Rule(read=CENSUS_READERS, write=EDITORS),
    "reconcile:batch_detail": read(CENSUS_READERS),
    "reconcile:batch_original_export": read(CENSUS_READERS),
    "reconcile:batch_accept": use(EDITORS),
    "reconcile:batch_revert": use(EDITORS),
    "reconcile:row_decide": use(EDITORS),
    # Census campaigns.
    "campaigns:index": read(PLANNERS),
    "campaigns:campaign_create": use(COUNTY_ADMIN),
    "campaigns:board": read(COUNTY),
    "campaigns:reminder_export": read(COUNTY),
    "campaigns:campaign_open": use(COUNTY_ADMIN),
    "campaigns:campaign_close": use(COUNTY_ADMIN),
    "campaigns:submission_detail": read(PLANNERS),
    "campaigns:submission_template_export": read(COUNTY | TOWNSHIP),
    "campaigns:submission_prefill": use(TOWNSHIP),
    "campaigns:submission_import": use(TOWNSHIP),
    "campaigns:submission_import_confirm": use(TOWNSHIP),
    "campaigns:submission_import_cancel": use(TOWNSHIP),
    "campaigns:submission_new_organizations": use(TOWNSHIP),
    "campaigns:submission_transition": use(SUBMISSION_ACTORS),
    "campaigns:entry_edit": Rule(read=PLANNERS, write=TOWNSHIP),
    "campaigns:entry_confirm": use(DEPARTMENT),
    # Funding.
    "funding:index": read(FUNDING_READERS),
    "funding:summary_export": read(FUNDING_READERS),
    "funding:allocation": Rule(read=FUNDING_READERS, write=DISBURSERS),
    "funding:allocation_export": read(FUNDING_READERS),
    "funding:dues_returns": Rule(read=FUNDING_READERS, write=DISBURSERS),
    "funding:activity_funds": read(FUNDING_READERS),
    "funding:activity_fund_export": read(FUNDING_READERS),
    "funding:activity_fund_record": use(BOOKKEEPERS),
    "funding:reward_list": read(FUNDING_READERS),
    "funding:reward_create": use(BOOKKEEPERS),
    "funding:reward_detail": Rule(read=FUNDING_READERS, write=DISBURSERS),
    "funding:reward_evidence_export": read(FUNDING_READERS),
    "funding:ledger": Rule(read=FUNDING_READERS, write=BOOKKEEPERS),
    "funding:ledger_export": read(FUNDING_READERS),
    "funding:dues": read(FUNDING_READERS),
    "funding:dues_record": use(BOOKKEEPERS),
    "funding:dues_export": read(FUNDING_READERS),
    "funding:dues_base": use(DUES_BASE_KEEPERS),
    "funding:dues_base_reveal": use(DUES_BASE_KEEPERS),
    "standards:index": read(STANDARDS_READERS),
    "standards:checklist": read(STANDARDS_READERS),
    "standards:evidence_add": use(EVIDENCE_ADDERS),
    "standards:item_check": use(CHECKERS),
    "standards:evidence_export": read(STANDARDS_READERS),
    "standards:assessments": read(STANDARDS_READERS),
    "standards:assessment_export": read(STANDARDS_READERS),
    "standards:assessment_edit": Rule(read=STANDARDS_READERS, write=EDITORS),
    # Mobile members (流动党员).
    "orglife:index": read(BUSINESS),
    "orglife:dissolved": read(BUSINESS),
    "orglife:calendar": read(BUSINESS),
    "orglife:activity_create": use(LIFE_RECORDERS),
    "orglife:activity_detail": read(BUSINESS),
    "orglife:activity_edit": use(LIFE_RECORDERS),
    "orglife:activity_file_add": use(LIFE_RECORDERS),
    "orglife:activity_delete": use(LIFE_RECORDERS),
    "orglife:file_export": read(BUSINESS),
    "mobility:index": read(MOBILITY_READERS),
    "mobility:ledger": read(MOBILITY_READERS),
    "mobility:ledger_export": read(MOBILITY_READERS),
    "mobility:member_detail": read(MOBILITY_READERS),
    "mobility:member_edit": use(EDITORS),
    "mobility:member_end": use(EDITORS),
    "mobility:contact_add": use(EDITORS),
    "mobility:letter_issue": use(EDITORS),
    "mobility:help_add": use(EDITORS),
    "mobility:certificate_apply": use(EDITORS),
    "mobility:transfer_create": use(EDITORS),
    "mobility:outflow_create": use(EDITORS),
    "mobility:outflow_member_pick": use(EDITORS),
    "mobility:intake": use(EDITORS),
    "mobility:batch_list": read(INTAKE_READERS),
    "mobility:batch_detail": read(INTAKE_READERS),
    "mobility:batch_confirm": use(EDITORS),
    "mobility:batch_revert": use(EDITORS),
    "mobility:registration_list": read(INTAKE_READERS),
    "mobility:registration_detail": Rule(read=INTAKE_READERS, write=EDITORS),
    "mobility:certificate_register": read(MOBILITY_READERS),
    "mobility:certificate_register_export": read(MOBILITY_READERS),
    "mobility:certificate_check": read(MOBILITY_READERS),
    "mobility:certificate_detail": Rule(read=MOBILITY_READERS, write=EDITORS),
    "mobility:certificate_pdf_export": read(MOBILITY_READERS),
    "mobility:transfer_list": read(MOBILITY_READERS),
    "mobility:transfer_detail": Rule(read=MOBILITY_READERS, write=EDITORS),
    "mobility:help_list": read(MOBILITY_READERS),
    "mobility:flows": read(MOBILITY_READERS),
    "mobility:flows_export": read(MOBILITY_READERS),
    # The talent pool: the county, townships and departments read (a department the people
    # assigned to what it supervises); the county and townships keep it.
    "talent:pool": read(TALENT_READERS),
    "talent:pool_export": read(TALENT_READERS),
    "talent:entry_create": use(EDITORS),
    "talent:entry_detail": read(TALENT_READERS),
    "talent:entry_edit": use(EDITORS),
    "talent:entry_reveal_id_number": use(ID_REVEALERS & TALENT_READERS),
    "talent:instructor_assign": use(EDITORS),
    "talent:post_assign": use(EDITORS),
    "talent:instructor_end": use(EDITORS),
    "talent:post_end": use(EDITORS),
    # Training: every business role reads within its scope; the holding units record.
    "training:index": read(BUSINESS),
    "training:create": use(TRAINING_KEEPERS),
    "training:detail": Rule(read=BUSINESS, write=TRAINING_KEEPERS),
    "training:attendee_remove": use(TRAINING_KEEPERS),
    "training:gaps": read(BUSINESS),
    "training:gap_export": read(BUSINESS),
    "training:gap_township": read(BUSINESS),
    "training:rules": Rule(read=BUSINESS, write=COUNTY_ADMIN),
    # Liaison points (the county's and the townships'), demonstration points, the joint meeting.
    "liaison:index": read(BUSINESS),
    "liaison:point_create": use(LIAISON_KEEPERS),
    "liaison:point_export": read(BUSINESS),
    "liaison:point_detail": Rule(read=BUSINESS, write=LIAISON_KEEPERS),
    "liaison:demonstrations": Rule(read=BUSINESS, write=COUNTY_ADMIN),
    "liaison:demonstration_export": read(BUSINESS),
    "liaison:joint_meeting": Rule(read=BUSINESS, write=COUNTY_ADMIN),
    "liaison:joint_meeting_export": read(BUSINESS),
    "campaigns:entries_confirm": use(DEPARTMENT),  # several rows at once
    # Member development (发展党员) and the three recommendations.
    "development:index": read(BUSINESS),
    "development:lists_export": read(BUSINESS),
    "development:file_create": use(DEVELOPERS),
    "development:file_detail": read(BUSINESS),
    "development:file_step": use(DEVELOPERS),
    "development:file_stage": use(DEVELOPERS),
    "development:file_reveal_id_number": use(ID_REVEALERS),
    "development:recommendation_list": read(BUSINESS),
    "development:recommendation_create": use(DEVELOPERS),
    "development:recommendation_detail": Rule(read=BUSINESS, write=DEVELOPERS),
    # The JSON API: the same roles as the pages it reads; its document and reference page are
    # public. Tokens are made and revoked by their owner, a business account.
    "api:openapi-json": PUBLIC,
    "api:openapi-view": PUBLIC,
    "api:api-root": PUBLIC,
    "api:token_list": use(BUSINESS),
    "api:token_revoke": use(BUSINESS),
    "api:organization_list": api(BUSINESS),
    "api:organization_detail": api(BUSINESS),
    "api:party_organization_list": api(BUSINESS),
    "api:party_organization_detail": api(BUSINESS),
    "api:member_list": api(BUSINESS),
    "api:member_detail": api(BUSINESS),
    "api:formation_plan_list": api(PLANNERS),
    "api:formation_plan_detail": api(PLANNERS),
    "api:campaign_list": api(PLANNERS),
    "api:campaign_detail": api(PLANNERS),
    "api:submission_list": api(PLANNERS),
    "api:submission_detail": api(PLANNERS),
    "api:indicator_table": api(PLANNERS),
}


def role_of(user: Any) -> str | None:
    """The role the rules apply to: None for an anonymous visitor or a disabled account."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    role = getattr(user, "role", None)
    return role if isinstance(role, str) else None


def rule_for(view_name: str) -> Rule | None:
    return PAGE_RULES.get(view_name)


def may_open(role: str | None, view_name: str, method: str = "GET") -> bool:
    """Whether a role may use a page; False for a page without a rule (fails closed)."""
    rule = rule_for(view_name)
    return rule is not None and rule.allows(role, method)


# --- Menus -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MenuItem:
    view_name: str
    label: str | Promise


MENU: tuple[MenuItem, ...] = (
    MenuItem("todo", _("待办")),
    MenuItem("registry:organization_list", _("两新组织")),
    MenuItem("registry:party_organization_list", _("党组织")),
    MenuItem("registry:member_list", _("党员")),
    MenuItem("formation:register_list", _("未建党组织台账")),
    MenuItem("coverage:dashboard", _("覆盖率")),
    MenuItem("formation:joint_planner", _("联合组建")),
    MenuItem("census:index", _("摸底导入")),
    MenuItem("campaigns:index", _("集中摸底")),
    MenuItem("reconcile:index", _("登记比对")),
    MenuItem("mobility:index", _("流动党员")),
    MenuItem("development:index", _("发展党员")),
    MenuItem("talent:pool", _("人才库")),
    MenuItem("funding:index", _("经费保障")),
    MenuItem("standards:index", _("规范化建设")),
    MenuItem("orglife:index", _("组织生活")),
    MenuItem("training:index", _("培训")),
    MenuItem("liaison:index", _("联系点")),
    MenuItem("accounts:user_list", _("用户管理")),
    MenuItem("security:lockout_list", _("登录锁定")),
    MenuItem("audit:record_list", _("审计日志")),
)


def menu_for(role: str | None) -> list[MenuItem]:
    return [item for item in MENU if may_open(role, item.view_name)]


# Where each role lands after login (and on the brand link): the page of its everyday work. A
# secretary lands on his party organization (``accounts.views.landing_url`` names it); a role not
# listed lands on the first page of its menu.
LANDING: dict[str, str] = {
    Role.COUNTY_ADMIN: "coverage:dashboard",
    Role.LEADER: "coverage:dashboard",
    Role.TOWNSHIP_CLERK: "todo",
    Role.DEPARTMENT_CLERK: "todo",
    Role.SECRETARY: "registry:party_organization_detail",
    Role.SYS_ADMIN: "accounts:user_list",
    Role.SEC_ADMIN: "accounts:user_list",
    Role.AUDIT_ADMIN: "audit:record_list",
}


def landing_view(role: str | None) -> str | None:
    """The page a role lands on after login; None for an account without a role (it sees the
    page that says so)."""
    if role in LANDING and may_open(role, LANDING[role]):
        return LANDING[role]
    items = menu_for(role)
    return items[0].view_name if items else None
