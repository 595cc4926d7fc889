"""The first training rules: what the county's 2009 speech asks every year (docs/training.md).

Values are written out here, not read from the model's defaults, so that a later change of the
defaults never rewrites what the speech said.
"""

import datetime as dt

from django.db import migrations

NAME = "2009年全县“两新”组织党建工作现场推进会(培训)"
SOURCE = "全县“两新”组织党建工作现场推进会讲话(三、第二、第三)"
NOTES = (
    "讲话要求:每年要对“两新”组织党组织书记和专职党务工作者进行一次集中培训;"
    "“两新”组织主管部门每年至少举办一次“两新”组织业主培训班。"
    "讲话作于2009年11月,按11月1日起施行(与组建规则的第一版相同)。"
)


def seed(apps, schema_editor):
    apps.get_model("training", "TrainingRuleVersion").objects.create(
        name=NAME,
        effective_from=dt.date(2009, 11, 1),
        source=SOURCE,
        notes=NOTES,
        secretary_times=1,
        party_worker_times=1,
        owner_times=1,
    )


def unseed(apps, schema_editor):
    apps.get_model("training", "TrainingRuleVersion").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("training", "0001_training_records")]

    operations = [migrations.RunPython(seed, unseed)]
