"""The indicators of docs/domain.md §3, as data. Written out here (not read from code) so a
later change of the code never rewrites what was seeded; later indicators are new rows."""

from django.db import migrations

COVERED = {"field": "covered", "eq": True}

# (code, name, short name, subject, kind, sum field, numerator, denominator, policy target, headline)
INDICATORS = [
    ("org_coverage", "组织覆盖率(建立党组织的两新组织占比)", "组织覆盖率", "organization", "share", "", COVERED, {}, "", True),
    (
        "work_coverage",
        "工作覆盖率(有党组织覆盖或选派党建指导员的两新组织占比)",
        "工作覆盖率",
        "organization",
        "share",
        "",
        {"field": "work_covered", "eq": True},
        {},
        "",
        True,
    ),
    (
        "orgs_50_with_members",
        "从业人员50人以上的两新组织有党员",
        "50人以上有党员",
        "organization",
        "share",
        "",
        {"field": "members", "gt": 0},
        {"field": "employees", "gte": 50},
        "orgs_50_with_members",
        True,
    ),
    (
        "orgs_100_with_party_org",
        "从业人员100人以上的两新组织有党组织",
        "100人以上有党组织",
        "organization",
        "share",
        "",
        COVERED,
        {"field": "employees", "gte": 100},
        "orgs_100_with_party_org",
        True,
    ),
    (
        "orgs_3_full_with_party_org",
        "有3名以上正式党员的两新组织建立党组织",
        "3名以上正式党员建党组织",
        "organization",
        "share",
        "",
        COVERED,
        {"field": "full_members", "gte": 3},
        "orgs_3_full_with_party_org",
        True,
    ),
    (
        "party_orgs_five_goods",
        "两新组织党组织达到“五个好”",
        "“五个好”党组织",
        "party_organization",
        "share",
        "",
        {"field": "rated_five_goods", "eq": True},
        {},
        "party_orgs_five_goods",
        True,
    ),
    ("union_coverage", "建立工会的两新组织占比", "工会覆盖率", "organization", "share", "",
     {"field": "has_union", "eq": True}, {}, "", False),
    ("youth_league_coverage", "建立共青团组织的两新组织占比", "共青团覆盖率", "organization", "share", "",
     {"field": "has_youth_league", "eq": True}, {}, "", False),
    ("womens_federation_coverage", "建立妇联组织的两新组织占比", "妇联覆盖率", "organization", "share", "",
     {"field": "has_womens_federation", "eq": True}, {}, "", False),
    ("organizations", "两新组织数", "组织数", "organization", "count", "", {}, {}, "", False),
    ("employees", "从业人员数", "从业人员", "organization", "sum", "employees", {}, {}, "", False),
    ("full_members", "正式党员数", "正式党员", "organization", "sum", "full_members", {}, {}, "", False),
    ("probationary_members", "预备党员数", "预备党员", "organization", "sum", "probationary_members", {}, {}, "",
     False),
    ("party_organizations", "党组织数", "党组织", "party_organization", "count", "", {}, {}, "", False),
]

KINDS = [
    ("branch", "党支部"),
    ("general_branch", "党总支"),
    ("committee", "基层党委"),
    ("joint_branch", "联合党支部"),
    ("building_branch", "楼宇党支部"),
    ("temporary_branch", "临时党支部"),
    ("mobile_members_branch", "流动党员党支部"),
]


def seed(apps, schema_editor):
    Indicator = apps.get_model("coverage", "Indicator")
    rows = []
    for order, (code, name, short, subject, kind, sum_field, num, den, target, headline) in enumerate(INDICATORS):
        rows.append(
            Indicator(
                code=code,
                name=name,
                short_name=short,
                subject=subject,
                kind=kind,
                sum_field=sum_field,
                numerator=num,
                denominator=den,
                target_indicator=target,
                headline=headline,
                display_order=(order + 1) * 10,
            )
        )
    base = (len(INDICATORS) + 1) * 10
    for i, (kind_code, label) in enumerate(KINDS):
        rows.append(
            Indicator(
                code=f"party_orgs_{kind_code}",
                name=f"党组织数:{label}",
                short_name=label,
                subject="party_organization",
                kind="count",
                numerator={"field": "kind", "eq": kind_code},
                denominator={},
                display_order=base + i,
            )
        )
    Indicator.objects.bulk_create(rows)


def unseed(apps, schema_editor):
    codes = [row[0] for row in INDICATORS] + [f"party_orgs_{k}" for k, _label in KINDS]
    apps.get_model("coverage", "Indicator").objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("coverage", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
