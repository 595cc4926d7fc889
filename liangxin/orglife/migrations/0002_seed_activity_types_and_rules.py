"""The activity types and the first version of the rules of organization life
(docs/organization-life.md). Written out here rather than read from code, so that a later change
never rewrites what this version said."""

import datetime as dt

from django.db import migrations

TYPES = [
    ("members_meeting", "党员大会"),
    ("committee_meeting", "支委会"),
    ("group_meeting", "党小组会"),
    ("party_lecture", "党课"),
    ("theme_day", "主题党日"),
    ("policy_study", "政策法规学习"),
    ("owner_training", "业主培训"),
    ("life_meeting", "组织生活会"),
    ("member_appraisal", "民主评议党员"),
    ("four_ones", "“四个一”活动"),
    ("model_post", "三无示范岗"),
    ("pairing", "党员结对"),
    ("mass_org_building", "群团共建"),
    ("other", "其他活动"),
]

NAME = "2009年两新组织组织生活制度"
SOURCE = "《中国共产党章程》及党支部工作有关规定(“三会一课”);全县“两新”组织党建工作现场推进会讲话"
NOTES = (
    "“三会一课”:党员大会每季度至少一次,支委会每月一次(党员7人以上、设支部委员会的党支部),党小组会每月一次(党员10人以上、划分党小组的),党课按县委组织部规定(此版本每季度一次);"
    "组织生活会和民主评议党员每年一次。讲话要求:每季度至少组织一次政策法规学习,每月活动时间不少于半天(合计4小时)。"
    "连续3个月无活动的党组织列为有风险;成立不满3年即撤销的列为“刚建了、又散了”;"
    "在两新组织中开展或有其参加的活动,12个月内计入该组织的工作覆盖。"
)
# code, name, period, types, min_count, min_minutes, min_members
RULES = [
    ("members_meeting", "党员大会", "quarter", ["members_meeting"], 1, 0, 0),
    ("committee_meeting", "支委会", "month", ["committee_meeting"], 1, 0, 7),
    ("group_meeting", "党小组会", "month", ["group_meeting"], 1, 0, 10),
    ("party_lecture", "党课", "quarter", ["party_lecture"], 1, 0, 0),
    ("policy_study", "政策法规学习", "quarter", ["policy_study"], 1, 0, 0),
    ("life_meeting", "组织生活会", "year", ["life_meeting"], 1, 0, 0),
    ("member_appraisal", "民主评议党员", "year", ["member_appraisal"], 1, 0, 0),
    ("half_day", "每月活动不少于半天", "month", [], 1, 240, 0),
]


def seed(apps, schema_editor):
    ActivityType = apps.get_model("orglife", "ActivityType")
    LifePolicyVersion = apps.get_model("orglife", "LifePolicyVersion")
    ComplianceRule = apps.get_model("orglife", "ComplianceRule")
    types = {}
    for n, (code, name) in enumerate(TYPES):
        types[code] = ActivityType.objects.create(code=code, name=name, sort_order=n)
    version = LifePolicyVersion.objects.create(
        name=NAME,
        effective_from=dt.date(2009, 11, 1),
        source=SOURCE,
        notes=NOTES,
        at_risk_months=3,
        dissolved_within_years=3,
        work_coverage_months=12,
    )
    for n, (code, name, period, type_codes, min_count, min_minutes, min_members) in enumerate(RULES):
        rule = ComplianceRule.objects.create(
            policy=version,
            code=code,
            name=name,
            period=period,
            min_count=min_count,
            min_minutes=min_minutes,
            min_members=min_members,
            sort_order=n,
        )
        rule.activity_types.set([types[c] for c in type_codes])


def unseed(apps, schema_editor):
    apps.get_model("orglife", "LifePolicyVersion").objects.filter(name=NAME).delete()
    apps.get_model("orglife", "ActivityType").objects.filter(code__in=[c for c, _ in TYPES]).delete()


class Migration(migrations.Migration):
    dependencies = [("orglife", "0001_activities")]
    operations = [migrations.RunPython(seed, unseed)]
