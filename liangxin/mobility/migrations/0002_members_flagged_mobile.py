"""Members flagged ``is_mobile`` (the register's old 流动党员 flag, set from the list of members on no
roster) go on the ledger: one whose relation a local party organization holds as going out (kept in
touch by it), any other as coming in, at the township of the employer (the county when there is
none). The date is the member's last change, when the flag was set."""

from django.db import migrations

from liangxin.core import crypto
from liangxin.mobility import divisions


def forwards(apps, schema_editor):
    Member = apps.get_model("registry", "Member")
    PartyRelation = apps.get_model("registry", "PartyRelation")
    Employment = apps.get_model("registry", "Employment")
    AdministrativeUnit = apps.get_model("geo", "AdministrativeUnit")
    MobileMember = apps.get_model("mobility", "MobileMember")
    county = AdministrativeUnit.objects.filter(level=1, valid_to__isnull=True).first()  # UnitLevel.COUNTY
    for member in Member.objects.filter(is_mobile=True):
        on = member.updated_at.date()
        relation = (
            PartyRelation.objects.filter(member=member, valid_to__isnull=True).select_related("party_organization").first()
        )
        employment = (
            Employment.objects.filter(member=member, valid_to__isnull=True).select_related("organization").first()
        )
        common = {"member": member, "since": on, "registered_on": on, "phone": member.phone}
        if relation is not None:
            party_org = relation.party_organization
            MobileMember.objects.create(
                direction="out",
                township_id=party_org.township_id,
                origin_code=county.code if county else "",
                liaison=party_org,
                **common,
            )
            continue
        township_id = employment.organization.township_id if employment else (county.pk if county else None)
        if township_id is None:
            continue
        origin = divisions.county_of_id_number(crypto.decrypt(member.id_number_encrypted)) or ""
        MobileMember.objects.create(
            direction="in",
            township_id=township_id,
            origin_code=origin,
            destination_code=county.code if county else "",
            employer=employment.organization if employment else None,
            employer_name=employment.organization.name if employment else "",
            **common,
        )


def backwards(apps, schema_editor):
    Member = apps.get_model("registry", "Member")
    MobileMember = apps.get_model("mobility", "MobileMember")
    Member.objects.filter(pk__in=MobileMember.objects.filter(ended_on__isnull=True).values("member_id")).update(
        is_mobile=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("mobility", "0001_initial"),
        ("registry", "0011_name_keys_fold_traditional"),
        ("geo", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
