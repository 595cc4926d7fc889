"""The first funding policy version: the speech's figures, and the dues brackets of the national
rules on party dues it relies on (docs/funding.md).

Values are written out here rather than read from code, so that later changes never rewrite
history: this migration always seeds what the documents said.
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations

NAME = "2009年两新组织党建工作经费保障标准"
SOURCE = "全县“两新”组织党建工作现场推进会讲话(三、建立健全保障体系);中共中央组织部《关于中国共产党党费收缴、使用和管理的规定》(2008年)"
NOTES = (
    "讲话:县财政按照每位党员50元的标准,把“两新”组织党建工作经费列入年度财政预算,并按党组织隶属关系拨付;"
    "组织部将“两新”组织党员所缴纳党费的留存部分全额返还;“两新”组织按职工工资总额的0.5%至2%列支党员教育活动经费。"
    "党费交纳比例按中组部2008年规定:在职党员税后月工资收入3000元以下(含)0.5%、3000至5000元(含)1%、"
    "5000至10000元(含)1.5%、10000元以上2%;离退休党员5000元以下(含)0.5%、5000元以上1%;"
    "个体经营等灵活就业党员以上一季度月平均纯收入为基数,按在职党员比例交纳;农民党员每月0.2元至1元,"
    "学生、下岗失业和依靠最低生活保障金生活的党员每月0.2元。讲话未载留存比例和农民党员的具体数额:"
    "此版本按留存50%、农民党员每月0.5元录入,县委组织部应按本省规定发布新版本予以确认。"
)
BRACKETS = [
    ("salaried", "3000.00", "0.0050"),
    ("salaried", "5000.00", "0.0100"),
    ("salaried", "10000.00", "0.0150"),
    ("salaried", None, "0.0200"),
    ("retired", "5000.00", "0.0050"),
    ("retired", None, "0.0100"),
]
FIXED = [("farmer", "0.50"), ("student", "0.20"), ("unemployed", "0.20"), ("low_income", "0.20")]


def seed(apps, schema_editor):
    FundingPolicyVersion = apps.get_model("policy", "FundingPolicyVersion")
    DuesBracket = apps.get_model("policy", "DuesBracket")
    DuesFixedAmount = apps.get_model("policy", "DuesFixedAmount")
    version = FundingPolicyVersion.objects.create(
        name=NAME,
        effective_from=dt.date(2009, 11, 1),
        source=SOURCE,
        notes=NOTES,
        per_member_amount=Decimal("50.00"),
        retained_share=Decimal("0.5000"),
        activity_fund_min_share=Decimal("0.0050"),
        activity_fund_max_share=Decimal("0.0200"),
    )
    DuesBracket.objects.bulk_create(
        DuesBracket(policy=version, scheme=scheme, upper=None if upper is None else Decimal(upper), rate=Decimal(rate))
        for scheme, upper, rate in BRACKETS
    )
    DuesFixedAmount.objects.bulk_create(
        DuesFixedAmount(policy=version, category=category, monthly_amount=Decimal(amount)) for category, amount in FIXED
    )


def unseed(apps, schema_editor):
    apps.get_model("policy", "FundingPolicyVersion").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("policy", "0003_funding_policy")]

    operations = [migrations.RunPython(seed, unseed)]
