"""The register's instructor assignments (written from the census column 党建指导员) become
assignments from the talent pool.

The model moves from ``registry`` to ``talent`` in Django's state only: its table keeps its name
(``registry_instructorassignment``), which the coverage state reads and its triggers are generated
from. Each existing row is then linked to a pool entry: the entry of the same name (folded by
``core.text.normalize_name``) in the organization's township, or a new one marked as coming from
the census and to be completed. A name shared by several rows of one township is one person.
"""

import django.db.models.deletion
from django.db import migrations, models

from liangxin.core.text import normalize_name

_METHODS = [("appointment", "组织委派"), ("open_selection", "公开选拔"), ("two_way", "双向选择")]


def link_to_pool(apps, schema_editor):
    assignment_model = apps.get_model("talent", "InstructorAssignment")
    entry_model = apps.get_model("talent", "PoolEntry")
    rows = list(
        assignment_model.objects.filter(person__isnull=True)
        .order_by("pk")
        .values_list("pk", "instructor_name", "organization__township_id", "import_batch_id")
    )
    if not rows:
        return
    people: dict[tuple[int, str], int] = {}
    for pk, township_id, key in (
        entry_model.objects.order_by("-pk").values_list("pk", "township_id", "name_key").iterator()
    ):
        people[(township_id, key)] = pk  # the oldest entry of a name wins (read last)
    wanted: dict[tuple[int, str], tuple[str, int | None]] = {}
    for _pk, name, township_id, batch_id in rows:
        key = (township_id, normalize_name(name))
        if key not in people:
            wanted.setdefault(key, (name, batch_id))
    created = entry_model.objects.bulk_create(
        [
            entry_model(
                name=name,
                name_key=key[1],
                township_id=key[0],
                origin="census",
                to_complete=True,
                import_batch_id=batch_id,
            )
            for key, (name, batch_id) in wanted.items()
        ],
        batch_size=1000,
    )
    if any(entry.pk is None for entry in created):  # a backend that returns no ids
        for entry in entry_model.objects.filter(origin="census").values_list("pk", "township_id", "name_key"):
            people.setdefault((entry[1], entry[2]), entry[0])
    else:
        people.update({(entry.township_id, entry.name_key): entry.pk for entry in created})
    updates = [
        assignment_model(pk=pk, person_id=people[(township_id, normalize_name(name))])
        for pk, name, township_id, _batch in rows
    ]
    assignment_model.objects.bulk_update(updates, ["person"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("census", "0008_problem_names_the_organization"),
        ("registry", "0013_remove_member_is_mobile"),
        ("talent", "0001_talent_pool"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="InstructorAssignment",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("instructor_name", models.CharField(max_length=50, verbose_name="指导员姓名")),
                        ("valid_from", models.DateField(verbose_name="起始日期")),
                        ("valid_to", models.DateField(blank=True, null=True, verbose_name="截止日期")),
                        (
                            "import_batch",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="census.importbatch",
                            ),
                        ),
                        (
                            "organization",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="instructor_assignments",
                                to="registry.organization",
                                verbose_name="组织",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "党建指导员",
                        "verbose_name_plural": "党建指导员",
                        "db_table": "registry_instructorassignment",
                        "indexes": [
                            models.Index(
                                fields=["organization", "valid_from", "valid_to"], name="registry_instructor_asof"
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("valid_to__isnull", True)),
                                fields=("organization",),
                                name="registry_instructor_one_open",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("valid_to__isnull", True),
                                    ("valid_to__gte", models.F("valid_from")),
                                    _connector="OR",
                                ),
                                name="registry_instructor_valid_range",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="instructorassignment",
            name="method",
            field=models.CharField(blank=True, choices=_METHODS, default="", max_length=16, verbose_name="选派方式"),
        ),
        migrations.AddField(
            model_name="instructorassignment",
            name="subsidy",
            field=models.DecimalField(
                blank=True, decimal_places=2, max_digits=12, null=True, verbose_name="补贴(元/年)"
            ),
        ),
        migrations.AddField(
            model_name="instructorassignment",
            name="end_reason",
            field=models.CharField(blank=True, default="", max_length=200, verbose_name="结束原因"),
        ),
        migrations.AddField(
            model_name="instructorassignment",
            name="person",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="instructor_assignments",
                to="talent.poolentry",
                verbose_name="指导员",
            ),
        ),
        migrations.RunPython(link_to_pool, migrations.RunPython.noop, elidable=False),
    ]
