"""The first standardization standard (the activity room of at least 30 m²), and the former yes/no
five-goods ratings (``coverage.FiveGoodsRating``) carried over as assessments without scores: the
result 五个好 or 未达到, the rating unit, date, note and recorder kept. Backwards, the assessments
go back to ratings (scores and comments are lost, as the old table has no place for them)."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

FIVE_GOODS = "five_goods"
NOT_MET = "not_met"


def seed(apps, schema_editor):
    apps.get_model("standards", "StandardizationPolicy").objects.get_or_create(
        valid_from=dt.date(2009, 1, 1),
        defaults={
            "activity_room_min_area": Decimal("30.0"),
            "basis": "两新组织党组织“五个一”规范化建设:一个30平方米左右的活动室",
        },
    )


def ratings_to_assessments(apps, schema_editor):
    rating_model = apps.get_model("coverage", "FiveGoodsRating")
    assessment_model = apps.get_model("standards", "FiveGoodsAssessment")
    assessment_model.objects.bulk_create(
        [
            assessment_model(
                party_organization_id=r.party_organization_id,
                year=r.year,
                result=FIVE_GOODS if r.rated_five_goods else NOT_MET,
                assessing_unit=r.rated_by,
                assessed_on=r.rated_on,
                note=r.note,
                assessed_by_id=r.recorded_by_id,
            )
            for r in rating_model.objects.order_by("pk").iterator()
        ],
        batch_size=1000,
    )


def assessments_to_ratings(apps, schema_editor):
    rating_model = apps.get_model("coverage", "FiveGoodsRating")
    assessment_model = apps.get_model("standards", "FiveGoodsAssessment")
    rating_model.objects.bulk_create(
        [
            rating_model(
                party_organization_id=a.party_organization_id,
                year=a.year,
                rated_five_goods=a.result == FIVE_GOODS,
                rated_by=a.assessing_unit,
                rated_on=a.assessed_on,
                note=a.note,
                recorded_by_id=a.assessed_by_id,
            )
            for a in assessment_model.objects.order_by("pk").iterator()
        ],
        batch_size=1000,
    )
    assessment_model.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("standards", "0001_initial"),
        ("coverage", "0011_drop_yearly_tally"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(ratings_to_assessments, assessments_to_ratings),
    ]
