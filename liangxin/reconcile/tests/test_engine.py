"""The reconciliation rules on constructed lists with planted cases and known answers."""

from __future__ import annotations

from liangxin.reconcile.engine import PlaceFinder, RegisterRecord, Township, reconcile
from liangxin.reconcile.keys import fold_key, prefixes_of
from liangxin.reconcile.listfile import ListEntry
from liangxin.testing.factories import valid_uscc

PREFIXES = prefixes_of(["罗平县"])
TOWNSHIPS = [
    Township("530324100", "罗雄街道", ("腊者村委会", "东华社区")),
    Township("530324101", "板桥镇", ("三汇村委会",)),
    Township("530324102", "九龙街道", ("大寨村委会",)),
]
U = [valid_uscc(n) for n in range(1, 20)]


def run(entries, register, source="market"):
    return reconcile(entries, register, source=source, townships=TOWNSHIPS, prefixes=PREFIXES)


def test_the_fold_ignores_width_brackets_the_county_prefix_and_the_suffix_form():
    written = ["罗平县（九龙）砖沙有限责任公司", "九龙砖沙有限公司", "羅平縣九龍磚沙有限公司", "罗平 九龙砖沙有限公司"]
    assert {fold_key(name, PREFIXES) for name in written} == {"九龙砖沙有限公司"}
    # A prefix is dropped only when a name is left after it.
    assert fold_key("罗平县", PREFIXES) == "罗平县"
    assert fold_key("罗平县农民专业合作社联合会", PREFIXES) != fold_key("罗平县合作社", PREFIXES)


def test_a_uscc_match_wins_and_a_differing_name_is_a_change():
    register = [RegisterRecord(1, "罗平县甲商贸有限公司", "530324100", U[0], "limited_company")]
    entries = [ListEntry(2, "罗平县甲乙商贸有限公司", uscc=U[0], kind="有限责任公司(自然人投资或控股)", status="存续")]
    result = run(entries, register)
    assert result.matched == 1
    assert result.missing == [] and result.unregistered == []
    [changed] = result.changed
    assert changed["organization"] == 1 and changed["score"] == 100.0
    assert changed["changes"] == {"name": {"register": "罗平县甲商贸有限公司", "list": "罗平县甲乙商贸有限公司"}}


def test_a_name_that_differs_only_in_writing_is_not_a_change():
    register = [RegisterRecord(1, "罗平县（九龙）砖沙有限责任公司", "530324102", U[0], "limited_company")]
    entries = [ListEntry(2, "九龙砖沙有限公司", uscc=U[0], kind="有限责任公司", status="在业")]
    result = run(entries, register)
    assert (result.matched, result.changed) == (1, [])


def test_a_name_match_fills_a_uscc_the_register_lacks_and_a_type_change_is_proposed():
    register = [RegisterRecord(1, "罗平县老王小吃店", "530324101", "", "private_enterprise")]
    entries = [ListEntry(5, "老王小吃店", uscc=U[1], kind="个体工商户", status="存续", address="罗平县板桥镇")]
    [changed] = run(entries, register).changed
    assert changed["changes"]["uscc"] == {"register": "", "list": U[1]}
    assert changed["changes"]["org_type"]["proposed"] == "individual_business"


def test_a_limited_company_kept_as_private_enterprise_is_no_type_change():
    register = [RegisterRecord(1, "罗平县丙有限公司", "530324100", U[2], "private_enterprise")]
    entries = [ListEntry(2, "罗平县丙有限公司", uscc=U[2], kind="有限责任公司(自然人独资)", status="存续")]
    assert run(entries, register).changed == []


def test_the_same_name_with_another_uscc_is_not_the_same_organization():
    register = [RegisterRecord(1, "罗平县丁有限公司", "530324100", U[3], "limited_company")]
    entries = [ListEntry(2, "罗平县丁有限公司", uscc=U[4], kind="有限责任公司", status="存续", address="罗雄街道")]
    result = run(entries, register)
    assert result.matched == 0
    assert [m["uscc"] for m in result.missing] == [U[4]]
    assert [u["organization"] for u in result.unregistered] == [1]


def test_two_townships_with_a_same_named_shop_are_told_apart_by_the_address():
    register = [
        RegisterRecord(1, "便民超市", "530324100", "", "individual_business"),
        RegisterRecord(2, "便民超市", "530324101", "", "individual_business"),
    ]
    entries = [
        ListEntry(
            2, "便民超市", reg_no="530324600012345", kind="个体工商户", status="存续", address="罗平县板桥镇三汇村"
        ),
        ListEntry(
            3, "便民超市", reg_no="530324600054321", kind="个体工商户", status="存续", address="罗雄街道东华社区"
        ),
    ]
    result = run(entries, register)
    assert result.matched == 2 and result.missing == [] and result.unregistered == []
    assert result.changed == []


def test_a_deregistered_entry_proposes_deregistering_and_is_never_missing():
    register = [RegisterRecord(1, "罗平县戊有限公司", "530324100", U[5], "limited_company")]
    entries = [
        ListEntry(2, "罗平县戊有限公司", uscc=U[5], kind="有限责任公司", status="注销"),
        ListEntry(3, "罗平县己有限公司", uscc=U[6], kind="有限责任公司", status="吊销,未注销"),
    ]
    result = run(entries, register)
    assert [d["organization"] for d in result.deregistered] == [1]
    assert result.missing == [] and result.already_closed == 1


def test_an_organization_already_deregistered_in_the_register_is_not_proposed_again():
    register = [RegisterRecord(1, "罗平县戊有限公司", "530324100", U[5], "limited_company", deregistered=True)]
    entries = [ListEntry(2, "罗平县戊有限公司", uscc=U[5], kind="有限责任公司", status="注销")]
    result = run(entries, register)
    assert result.deregistered == [] and result.unregistered == []


def test_a_renamed_company_is_a_scored_candidate_not_an_automatic_match():
    register = [RegisterRecord(1, "罗平县鑫源建材有限公司", "530324101", "", "limited_company")]
    entries = [ListEntry(4, "罗平县鑫源新型建材有限公司", kind="有限责任公司", status="存续", address="板桥镇三汇村")]
    result = run(entries, register)
    [changed] = result.changed
    assert changed["match"] == "candidate" and 75 <= changed["score"] < 90
    assert "相似" in changed["reason"] and "板桥" in changed["reason"]
    assert result.missing == []


def test_missing_entries_carry_the_inferred_township_and_its_evidence():
    entries = [
        ListEntry(2, "罗平县庚养殖场", uscc=U[7], kind="个人独资企业", status="存续", address="罗平县九龙街道大寨村"),
        ListEntry(3, "罗平县辛茶叶农民专业合作社", uscc=U[8], kind="农民专业合作社", status="存续", address="腊者村"),
        ListEntry(4, "罗平县壬酒店", uscc=U[9], kind="有限责任公司", status="存续", address="罗平县城某路8号"),
        ListEntry(
            5,
            "罗平县癸汽修",
            uscc=U[10],
            kind="个体工商户",
            status="存续",
            address="某路",
            authority="罗平县市场监督管理局板桥市场监督管理所",
        ),
    ]
    missing = {m["row"]: m for m in run(entries, []).missing}
    assert (missing[2]["township"], missing[2]["evidence"]) == ("530324102", "地址含乡镇名“九龙街道”(九龙街道)")
    assert (missing[3]["township"], missing[3]["evidence"]) == ("530324100", "地址含村(社区)名“腊者”(腊者村委会)")
    assert missing[4]["township"] is None and "县里确定" in missing[4]["evidence"]
    assert missing[5]["township"] == "530324101" and "登记机关" in missing[5]["evidence"]


def test_an_address_naming_two_townships_goes_to_the_county():
    finder = PlaceFinder(TOWNSHIPS)
    township, evidence = finder.find("罗雄街道与板桥镇交界处")
    assert township is None and "多个" in evidence


def test_public_institutions_and_state_enterprises_are_counted_and_set_aside():
    entries = [
        ListEntry(2, "罗平县自来水公司", uscc=U[11], kind="全民所有制", status="存续"),
        ListEntry(3, "罗平县某国有独资公司", uscc=U[12], kind="有限责任公司(国有独资)", status="存续"),
    ]
    result = run(entries, [])
    assert result.out_of_scope == 2 and result.missing == []
    assert "全民所有制" in result.out_of_scope_rule


def test_unregistered_counts_only_the_kinds_the_list_covers():
    register = [
        RegisterRecord(1, "罗平县子有限公司", "530324100", U[13], "limited_company"),
        RegisterRecord(2, "罗平县丑协会", "530324100", "", "industry_association"),
    ]
    assert [u["organization"] for u in run([], register, source="market").unregistered] == [1]
    assert [u["organization"] for u in run([], register, source="civil").unregistered] == [2]


def test_duplicates_within_the_register_are_names_that_fold_alike_in_one_township():
    register = [
        RegisterRecord(1, "罗平县（九龙）砖沙有限责任公司", "530324102", U[14], "limited_company"),
        RegisterRecord(2, "九龙砖沙有限公司", "530324102", "", "limited_company"),
        RegisterRecord(3, "九龙砖沙有限公司", "530324100", "", "limited_company"),
    ]
    [dup] = run([], register).duplicates
    assert dup["organizations"] == [1, 2] and dup["township"] == "530324102"
