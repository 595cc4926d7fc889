"""The party workers' talent pool and posts in party organizations taken from it."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("census", "0008_problem_names_the_organization"),
        ("geo", "0001_initial"),
        ("registry", "0013_remove_member_is_mobile"),
    ]

    operations = [
        migrations.CreateModel(
            name="PoolEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=50, verbose_name="姓名")),
                ("name_key", models.CharField(editable=False, max_length=50)),
                ("id_number_encrypted", models.TextField(blank=True, default="", editable=False)),
                ("id_number_hash", models.CharField(blank=True, editable=False, max_length=64, null=True, unique=True)),
                (
                    "id_number_masked",
                    models.CharField(
                        blank=True, default="", editable=False, max_length=18, verbose_name="公民身份号码"
                    ),
                ),
                (
                    "birth_year",
                    models.PositiveSmallIntegerField(blank=True, editable=False, null=True, verbose_name="出生年份"),
                ),
                ("skills", models.CharField(blank=True, default="", max_length=200, verbose_name="专长")),
                (
                    "availability",
                    models.CharField(
                        choices=[("full_time", "可专职"), ("part_time", "可兼职"), ("unavailable", "暂不可派")],
                        default="part_time",
                        max_length=16,
                        verbose_name="可派情况",
                    ),
                ),
                (
                    "origin",
                    models.CharField(
                        choices=[("entered", "录入"), ("census", "摸底表")],
                        default="entered",
                        max_length=16,
                        verbose_name="来源",
                    ),
                ),
                ("to_complete", models.BooleanField(default=False, verbose_name="待完善")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新时间")),
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
                    "member",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="pool_entry",
                        to="registry.member",
                        verbose_name="党员",
                    ),
                ),
                (
                    "township",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="geo.administrativeunit",
                        verbose_name="所属乡镇",
                    ),
                ),
            ],
            options={
                "verbose_name": "人才库人员",
                "verbose_name_plural": "人才库人员",
                "ordering": ["township_id", "name", "pk"],
            },
        ),
        migrations.CreateModel(
            name="PostAssignment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "method",
                    models.CharField(
                        blank=True,
                        choices=[("appointment", "组织委派"), ("open_selection", "公开选拔"), ("two_way", "双向选择")],
                        default="",
                        max_length=16,
                        verbose_name="选派方式",
                    ),
                ),
                (
                    "subsidy",
                    models.DecimalField(
                        blank=True, decimal_places=2, max_digits=12, null=True, verbose_name="补贴(元/年)"
                    ),
                ),
                ("valid_from", models.DateField(verbose_name="起始日期")),
                ("valid_to", models.DateField(blank=True, null=True, verbose_name="截止日期")),
                ("end_reason", models.CharField(blank=True, default="", max_length=200, verbose_name="结束原因")),
                (
                    "post",
                    models.CharField(
                        choices=[("secretary", "书记"), ("committee", "委员")], max_length=16, verbose_name="职务"
                    ),
                ),
                (
                    "management_role",
                    models.CharField(
                        blank=True,
                        choices=[("", "无"), ("owner", "出资人/负责人"), ("manager", "管理层")],
                        default="",
                        max_length=16,
                        verbose_name="在管理层的职务",
                    ),
                ),
                (
                    "party_organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="post_assignments",
                        to="registry.partyorganization",
                        verbose_name="党组织",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="post_assignments",
                        to="talent.poolentry",
                        verbose_name="人员",
                    ),
                ),
            ],
            options={
                "verbose_name": "党组织任职",
                "verbose_name_plural": "党组织任职",
            },
        ),
        migrations.AddIndex(
            model_name="poolentry",
            index=models.Index(fields=["township", "name_key"], name="talent_pool_name"),
        ),
        migrations.AddConstraint(
            model_name="poolentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("member__isnull", True),
                    models.Q(("id_number_encrypted", ""), ("id_number_hash__isnull", True)),
                    _connector="OR",
                ),
                name="talent_pool_member_no_second_id",
            ),
        ),
        migrations.AddConstraint(
            model_name="poolentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("id_number_encrypted", ""), ("id_number_hash__isnull", True)),
                    models.Q(models.Q(("id_number_encrypted", ""), _negated=True), ("id_number_hash__isnull", False)),
                    _connector="OR",
                ),
                name="talent_pool_id_hash_with_number",
            ),
        ),
        migrations.AddConstraint(
            model_name="postassignment",
            constraint=models.UniqueConstraint(
                condition=models.Q(("post", "secretary"), ("valid_to__isnull", True)),
                fields=("party_organization",),
                name="talent_post_one_open_secretary",
            ),
        ),
        migrations.AddConstraint(
            model_name="postassignment",
            constraint=models.UniqueConstraint(
                condition=models.Q(("valid_to__isnull", True)),
                fields=("party_organization", "person"),
                name="talent_post_one_open_per_person",
            ),
        ),
        migrations.AddConstraint(
            model_name="postassignment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("valid_to__isnull", True), ("valid_to__gte", models.F("valid_from")), _connector="OR"
                ),
                name="talent_post_valid_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="postassignment",
            constraint=models.CheckConstraint(
                condition=models.Q(("subsidy__isnull", True), ("subsidy__gt", 0), _connector="OR"),
                name="talent_post_subsidy",
            ),
        ),
    ]
