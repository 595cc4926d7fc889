"""The census column 党建指导员 and the pool: a name matches the pool entry of that name in the
organization's township, or makes one marked "from the census, to complete"; never one of another
township. Reverting the import removes what it made, unless somebody completed it since."""

import datetime as dt

from liangxin.audit.models import AuditRecord
from liangxin.census import services as census_services
from liangxin.talent import services
from liangxin.talent.models import InstructorAssignment, PoolEntry

AS_OF = dt.date(2026, 11, 30)
HEADER = "组织名称,组织类别,所属乡镇,组织类型,从业人员数,党建指导员\n"


def _import(user, unit, rows):
    data = (HEADER + "".join(f"{row}\n" for row in rows)).encode()
    outcome = census_services.import_file(by=user, unit=unit, data=data, file_name="指导员.csv", as_of=AS_OF)
    assert outcome.error_count == 0, outcome
    return outcome


def test_a_name_matches_the_entry_of_its_township_and_creates_the_rest(alice, census_county):
    banqiao, luoxiong = census_county["banqiao"], census_county["luoxiong"]
    known = services.add_entry(by=alice, data=services.EntryData(name="王 指导", township=banqiao, skills="党务"))
    elsewhere = services.add_entry(by=alice, data=services.EntryData(name="李明", township=luoxiong))
    outcome = _import(
        alice,
        census_county["county"],
        [
            "板桥镇甲餐馆,新经济组织,板桥镇,个体工商户,3,王指导",  # the pool's 王 指导: folded names match
            "板桥镇乙餐馆,新经济组织,板桥镇,个体工商户,4,李明",  # 李明 is in the pool, but of 罗雄街道
            "板桥镇丙餐馆,新经济组织,板桥镇,个体工商户,5,李明",  # the same new person as the row above
            "板桥镇丁餐馆,新经济组织,板桥镇,个体工商户,5,",
        ],
    )
    by_org = {a.organization.name: a.person for a in InstructorAssignment.objects.select_related("organization")}
    assert by_org["板桥镇甲餐馆"] == known
    made = by_org["板桥镇乙餐馆"]
    assert made != elsewhere and by_org["板桥镇丙餐馆"] == made
    assert (made.name, made.township, made.origin, made.to_complete, made.import_batch) == (
        "李明",
        banqiao,
        "census",
        True,
        outcome.batch,
    )
    assert "板桥镇丁餐馆" not in by_org
    assert PoolEntry.objects.count() == 3
    assert AuditRecord.objects.filter(action="create", object_type="talent.poolentry", object_id=str(made.pk)).exists()


def test_a_new_name_for_an_organization_ends_the_old_and_the_revert_removes_the_new(alice, census_county):
    county = census_county["county"]
    _import(alice, county, ["板桥镇甲餐馆,新经济组织,板桥镇,个体工商户,3,王指导"])
    old = InstructorAssignment.objects.get()
    second = census_services.import_file(
        by=alice,
        unit=county,
        data=(HEADER + "板桥镇甲餐馆,新经济组织,板桥镇,个体工商户,3,赵指导\n").encode(),
        file_name="指导员2.csv",
        as_of=AS_OF + dt.timedelta(days=31),
    )
    old.refresh_from_db()
    assert old.valid_to == AS_OF + dt.timedelta(days=31)
    assert InstructorAssignment.objects.get(valid_to__isnull=True).person.name == "赵指导"
    census_services.revert_batch(by=alice, batch=second.batch)
    old.refresh_from_db()
    assert old.valid_to is None
    assert set(PoolEntry.objects.values_list("name", flat=True)) == {"王指导"}


def test_the_revert_keeps_an_entry_somebody_completed(alice, census_county):
    outcome = _import(alice, census_county["county"], ["板桥镇甲餐馆,新经济组织,板桥镇,个体工商户,3,王指导"])
    entry = PoolEntry.objects.get()
    services.update_entry(
        by=alice, entry=entry, data=services.EntryData(name="王指导", township=entry.township, skills="宣传")
    )
    census_services.revert_batch(by=alice, batch=outcome.batch)
    assert not InstructorAssignment.objects.exists()
    assert list(PoolEntry.objects.values_list("name", "to_complete")) == [("王指导", False)]
