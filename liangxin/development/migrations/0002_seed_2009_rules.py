"""The first development rules version: the figures of the party's rules on developing members
that the speech asks to follow strictly (docs/member-development.md). Written out here, so that a
later version never rewrites what this one said."""

import datetime as dt

from django.db import migrations

NAME = "发展党员工作规则(2009年起)"
SOURCE = "《中国共产党章程》;全县“两新”组织党建工作现场推进会讲话(二、加强党员教育管理)"
NOTES = (
    "年满十八岁可以申请入党;党组织收到入党申请书后一个月内派人谈话;入党积极分子经过一年以上培养教育和考察,"
    "方可列为发展对象;预备期一年,自支部大会通过之日起计算;预备期满可以延长一次,延长时间不少于半年、最多一年;预备期满前60天列入即将转正名单。讲话要求注重在经营管理人员、业务骨干、生产一线和"
    "青年职工中发展党员,注重在没有党员和党员较少的两新组织中发展:青年职工按35周岁以下统计,党员较少按少于3名"
    "(不足以单独组建党支部)统计。"
)


def seed(apps, schema_editor):
    apps.get_model("development", "DevelopmentRules").objects.create(
        name=NAME,
        effective_from=dt.date(2009, 11, 1),
        source=SOURCE,
        notes=NOTES,
        min_age_years=18,
        talk_within_days=30,
        activist_min_months=12,
        probation_months=12,
        max_extensions=1,
        min_extension_months=6,
        max_extension_months=12,
        conversion_window_days=60,
        young_max_age=35,
        few_members_below=3,
    )


def unseed(apps, schema_editor):
    apps.get_model("development", "DevelopmentRules").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("development", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
