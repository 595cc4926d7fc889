"""The first policy version: the rules and targets of the county's 2009 speech.

Values are written out here rather than read from ``engine.Policy`` so that later changes to the
code's defaults never rewrite history: this migration always seeds what the speech said.
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations

NAME = "2009年全县“两新”组织党建工作现场推进会"
SOURCE = "全县“两新”组织党建工作现场推进会讲话(二、第一)"
NOTES = (
    "依据讲话“二、明确目标、攻坚克难”第一部分:有3名以上正式党员、具备组建条件的“两新”组织,要及时组建党组织;"
    "党员人数接近或超过50名的,应建立党总支;接近或超过100名的,可建立基层党委;不足3名的,按照业务相近、"
    "地域相邻的原则,采取联合组建、村(社区)企联建、依托行业协会组建等多种方式建立党组织;暂时不能建立党组织的,"
    "可将党员组织关系转入业务主管单位或挂靠单位党组织;目前还没有党员的,可采取选派党建工作指导员、先行建立群团组织、"
    "推荐党员就业等方式创造条件。“接近”按45名、90名掌握;联合党组织最多覆盖5个组织、正式党员7名以上的党支部"
    "设支部委员会,这三项讲话未作规定,由县委组织部确定。讲话作于2009年11月(集中摸底“本月30日前”完成、"
    "方案“12月5日前”上报),原文未载具体日期,按11月1日起施行。"
)

# (year, indicator, share, description): each year lists every target that holds in it.
Y2009 = [
    ("orgs_50_with_members", "1", "力争在2009年内,基本实现从业人员50人以上的“两新”组织有党员"),
    ("orgs_100_with_party_org", "1", "力争在2009年内,基本实现从业人员100人以上的“两新”组织有党组织"),
]
Y2010 = [*Y2009, ("orgs_3_full_with_party_org", "1", "到2010年,基本实现有3人以上正式党员的“两新”组织全部建立党组织")]
Y2011 = [
    *Y2010,
    ("party_orgs_five_goods", "0.8", "到2011年,80%以上的“两新”组织的党组织达到“五个好”目标"),
]
TARGETS = {2009: Y2009, 2010: Y2010, 2011: Y2011}


def seed(apps, schema_editor):
    PolicyVersion = apps.get_model("policy", "PolicyVersion")
    PolicyTarget = apps.get_model("policy", "PolicyTarget")
    version = PolicyVersion.objects.create(
        name=NAME,
        effective_from=dt.date(2009, 11, 1),
        source=SOURCE,
        notes=NOTES,
        min_full_members=3,
        general_branch_threshold=50,
        general_branch_tolerance=45,
        committee_threshold=100,
        committee_tolerance=90,
        max_joint_organizations=5,
        branch_committee_full_members=7,
    )
    PolicyTarget.objects.bulk_create(
        PolicyTarget(policy=version, year=year, indicator=indicator, value=Decimal(value), description=description)
        for year, rows in TARGETS.items()
        for indicator, value, description in rows
    )


def unseed(apps, schema_editor):
    apps.get_model("policy", "PolicyVersion").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
