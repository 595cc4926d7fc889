"""Matching a file's rows to the register: a name never changes a legal identifier, duplicates
within a file, names kept as written, and what a clerk may learn of another township's codes."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from liangxin.census import services, template
from liangxin.census.models import BatchStatus, ImportBatch
from liangxin.registry.models import Organization
from liangxin.testing.factories import valid_uscc

AS_OF = dt.date(2026, 11, 30)
HEADER = "统一社会信用代码,组织名称,组织类别,组织类型,所属乡镇,从业人员数\n"
U1, U2, U3 = valid_uscc(501), valid_uscc(502), valid_uscc(503)
NAME = "罗平县乙有限公司"


def _csv(*rows: str) -> bytes:
    return (HEADER + "".join(f"{r}\n" for r in rows)).encode()


def _row(uscc: str, name: str = NAME, township: str = "板桥镇", employees: int = 10) -> str:
    org_type = "个体工商户" if not uscc else "有限责任公司"
    return f"{uscc},{name},新经济组织,{org_type},{township},{employees}"


def _import(user, unit, data: bytes, **kwargs):
    return services.import_file(by=user, unit=unit, data=data, file_name="census.csv", as_of=AS_OF, **kwargs)


def _codes(outcome) -> list[tuple[int | None, str]]:
    return [(p.row, p.code) for p in outcome.problems if p.severity == "error"]


# --- A name match never changes a USCC ----------------------------------------------------------


def test_a_name_matching_an_organization_with_another_uscc_is_an_error_naming_both(alice, census_county):
    county = census_county["county"]
    _import(alice, county, _csv(_row(U1)))
    with pytest.raises(services.ImportRefused) as refused:
        _import(alice, county, _csv(_row(U2, employees=99)))
    [problem] = [p for p in refused.value.outcome.problems if p.severity == "error"]
    assert problem.code == "name_uscc_conflict" and problem.row == 2
    assert U1 in problem.message and U2 in problem.message and NAME in problem.message
    assert problem.value == U2  # what the preview's "new organization" choice names
    org = Organization.objects.get()
    assert org.uscc == U1 and org.facts.get().employees == 10

    # Importing the valid rows leaves the conflicting one out: still one organization, code u1.
    outcome = _import(alice, county, _csv(_row(U2, employees=99)), mode="accept_valid")
    assert outcome.counts() == {"new": 0, "changed": 0, "unchanged": 0, "rejected": 1}
    assert list(Organization.objects.values_list("uscc", flat=True)) == [U1]


def test_a_name_match_still_fills_in_a_code_the_register_lacks(alice, census_county):
    county = census_county["county"]
    _import(alice, county, _csv(_row("")))
    outcome = _import(alice, county, _csv(_row(U1)))
    assert outcome.counts()["changed"] == 1 and _codes(outcome) == []
    assert Organization.objects.get().uscc == U1


def test_the_clerk_may_say_the_row_is_a_new_organization(alice, census_county):
    county = census_county["county"]
    _import(alice, county, _csv(_row(U1)))
    outcome = _import(alice, county, _csv(_row(U2, employees=99)), new_organizations=[U2])
    assert outcome.counts()["new"] == 1 and _codes(outcome) == []
    assert outcome.batch.new_organizations == [U2]
    assert sorted(Organization.objects.values_list("uscc", flat=True)) == [U1, U2]
    assert Organization.objects.get(uscc=U1).facts.get().employees == 10


def test_the_command_line_refuses_the_conflict_and_takes_new_organization(alice, census_county, tmp_path):
    _import(alice, census_county["county"], _csv(_row(U1)))
    path = tmp_path / "census.csv"
    path.write_bytes(_csv(_row(U2)))
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("import_census", str(path), "--json", stdout=out)
    assert exited.value.code == 1
    assert [p["code"] for p in json.loads(out.getvalue())["problems"]] == ["name_uscc_conflict"]
    assert Organization.objects.count() == 1

    out = io.StringIO()
    call_command("import_census", str(path), "--json", "--new-organization", U2.lower(), stdout=out)
    assert json.loads(out.getvalue())["new"] == 1
    assert sorted(Organization.objects.values_list("uscc", flat=True)) == [U1, U2]


def test_the_browser_preview_offers_new_organization_and_previews_again(client, carol, census_county):
    _import(None, census_county["banqiao"], _csv(_row(U1)))
    client.force_login(carol)
    upload = SimpleUploadedFile("census.csv", _csv(_row(U2, employees=99), _row(U3, name="罗平县丙有限公司")))
    client.post(reverse("census:index"), {"unit": census_county["banqiao"].pk, "as_of": "2026-11-30", "file": upload})
    first = ImportBatch.objects.order_by("-pk")[0]
    assert (first.error_count, first.new_count) == (1, 1)
    page = client.get(first.get_absolute_url())
    form = page.context["new_organizations_form"]
    assert [code for code, _label in form.fields["new_organizations"].choices] == [U2]
    assert "同名不同代码" in page.content.decode()

    response = client.post(reverse("census:batch_new_organizations", args=[first.pk]), {"new_organizations": [U2]})
    second = ImportBatch.objects.order_by("-pk")[0]
    assert response.status_code == 302 and response["Location"] == second.get_absolute_url()
    assert second.pk != first.pk and second.new_organizations == [U2]
    assert (second.error_count, second.new_count) == (0, 2)
    assert not ImportBatch.objects.filter(pk=first.pk).exists()  # replaced, as by a new mapping
    # The declaration stays listed (ticked) so that it can be taken back.
    form = client.get(second.get_absolute_url()).context["new_organizations_form"]
    assert form.fields["new_organizations"].initial == [U2]

    client.post(reverse("census:batch_confirm", args=[second.pk]), {"mode": "all_or_nothing"})
    second.refresh_from_db()
    assert second.status == BatchStatus.APPLIED
    assert sorted(Organization.objects.values_list("uscc", flat=True)) == [U1, U2, U3]


def test_only_codes_the_preview_listed_may_be_declared_new(client, alice, census_county):
    client.force_login(alice)
    upload = SimpleUploadedFile("census.csv", _csv(_row(U1)))
    client.post(reverse("census:index"), {"unit": census_county["county"].pk, "as_of": "2026-11-30", "file": upload})
    batch = ImportBatch.objects.get()
    response = client.post(reverse("census:batch_new_organizations", args=[batch.pk]), {"new_organizations": [U2]})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.new_organizations == [] and ImportBatch.objects.count() == 1


# --- Duplicates within one file ------------------------------------------------------------------


@pytest.mark.parametrize("codes", [(U1, ""), ("", U1)], ids=["code-first", "code-second"])
def test_same_name_rows_are_duplicates_when_one_has_no_code(alice, census_county, codes):
    outcome = _import(alice, census_county["county"], _csv(_row(codes[0]), _row(codes[1])), mode="accept_valid")
    assert _codes(outcome) == [(3, "duplicate_row")]
    assert Organization.objects.count() == 1


def test_same_name_rows_with_two_codes_are_a_conflict_unless_declared_new(alice, census_county):
    county = census_county["county"]
    with pytest.raises(services.ImportRefused) as refused:
        _import(alice, county, _csv(_row(U1), _row(U2)))
    assert _codes(refused.value.outcome) == [(3, "name_uscc_conflict")]
    assert not Organization.objects.exists()
    outcome = _import(alice, county, _csv(_row(U1), _row(U2)), new_organizations=[U2])
    assert outcome.counts()["new"] == 2


def test_a_row_without_code_after_a_row_matched_by_code_is_a_duplicate(alice, census_county):
    county = census_county["county"]
    _import(alice, county, _csv(_row(U1, name="罗平县旧名有限公司")))
    # Row 2 renames the registered organization (matched by its code); row 3 names it again.
    outcome = _import(alice, county, _csv(_row(U1), _row("")), mode="accept_valid")
    assert _codes(outcome) == [(3, "duplicate_row")]
    assert Organization.objects.count() == 1


# --- Names as written ---------------------------------------------------------------------------


def test_registered_names_keep_their_full_width_brackets_in_the_register_and_exports(alice, census_county):
    county = census_county["county"]
    written = "罗平县（九龙）砖沙协会"
    _import(alice, county, _csv(_row(U1, name=written)))
    org = Organization.objects.get()
    assert org.name == written and org.name_normalized == "罗平县(九龙)砖沙协会"
    [row] = list(template.template_rows(Organization.objects.all()))
    assert written in row
    export = "".join(template.csv_lines([row])).encode("utf-8")
    assert written.encode() in export
    # The export imports again as no change.
    again = services.import_file(by=alice, unit=county, data=export, file_name="export.csv", as_of=AS_OF)
    assert again.counts() == {"new": 0, "changed": 0, "unchanged": 1, "rejected": 0}


def test_other_spellings_of_a_name_match_it(alice, census_county):
    county = census_county["county"]
    _import(alice, county, _csv(_row("", name="罗平县（九龙）砖沙经营部")))
    for spelling in ("罗平县(九龙)砖沙经营部", "羅平縣 （九龍）磚沙經營部"):
        outcome = _import(alice, county, _csv(_row("", name=spelling)))
        assert outcome.counts()["new"] == 0, spelling
    assert Organization.objects.count() == 1


# --- Another township's code --------------------------------------------------------------------


def test_another_townships_code_is_refused_without_that_organizations_name(alice, bob, census_county):
    secret = "罗平县不该看到的名字有限公司"
    _import(alice, census_county["county"], _csv(_row(U1, name=secret, township="板桥镇")))
    with pytest.raises(services.ImportRefused) as refused:
        _import(bob, census_county["luoxiong"], _csv(_row(U1, name="罗平县乙有限公司", township="罗雄街道")))
    [problem] = [p for p in refused.value.outcome.problems if p.severity == "error"]
    assert problem.code == "uscc_other_township"
    assert "其他乡镇" in problem.message and secret not in problem.message
    assert secret not in (problem.value or "")


def test_counts_in_the_file_survey_an_organization_known_only_from_a_registration_list(alice, census_county):
    """Even counts equal to its placeholders: the file's row is a survey; a row leaving them blank
    is not."""
    from liangxin.registry.choices import FactSource
    from liangxin.registry.models import OrganizationFacts

    county = census_county["county"]
    _import(alice, county, _csv(_row(U1, employees=0)))
    OrganizationFacts.objects.update(source=FactSource.REGISTRATION, full_members=0, probationary_members=0)
    blank = _import(alice, county, _csv(f"{U1},{NAME},新经济组织,有限责任公司,板桥镇,"))
    assert blank.counts()["unchanged"] == 1
    surveyed = _import(alice, county, _csv(_row(U1, employees=0)))
    assert surveyed.counts()["changed"] == 1
    assert OrganizationFacts.objects.get(valid_to__isnull=True).source == FactSource.IMPORT
