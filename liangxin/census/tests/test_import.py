"""The census import end to end: preview, confirm, stale preview, revert, atomicity."""

import datetime as dt

import pytest

from liangxin.audit.models import AuditRecord
from liangxin.census import services
from liangxin.census.models import BatchStatus, ImportBatch, ImportChange
from liangxin.core.errors import ServiceError
from liangxin.coverage import materialized
from liangxin.coverage.models import OrganizationState, StaleOrganization
from liangxin.registry import services as registry_services
from liangxin.registry.models import Organization, OrganizationFacts, PartyOrganization
from liangxin.talent.models import InstructorAssignment

from .conftest import fixture_bytes

AS_OF = dt.date(2026, 11, 30)


def _import(user, unit, name="canonical.xlsx", **kwargs):
    return services.import_file(by=user, unit=unit, data=fixture_bytes(name), file_name=name, as_of=AS_OF, **kwargs)


def test_canonical_file_imports_every_row_with_facts_links_and_audit(alice, census_county):
    outcome = _import(alice, census_county["county"])
    assert outcome.error_count == 0
    assert outcome.counts() == {"new": 4, "changed": 0, "unchanged": 0, "rejected": 0}
    bee = Organization.objects.get(uscc="91530324MA6K3BQ103")
    assert bee.name == "罗平县蜂业有限公司"
    assert bee.township == census_county["luoxiong"] and bee.village.name == "九龙社区居民委员会"
    assert bee.department.name == "县工商联" and bee.industry_code == "C13" and bee.above_designated_size
    facts = bee.facts.get()
    assert (facts.employees, facts.full_members, facts.probationary_members) == (120, 5, 1)
    assert facts.valid_from == AS_OF and facts.import_batch == outcome.batch and facts.source == "import"
    assert (
        str(facts.payroll) == "350.50" and facts.owner_attitude == "supportive" and facts.has_womens_federation is False
    )
    branch = PartyOrganization.objects.get(name="罗平县蜂业有限公司党支部")
    assert branch.kind == "branch" and list(branch.organizations.all()) == [bee]
    assert InstructorAssignment.objects.get(organization=bee).instructor_name == "李四"
    shop = Organization.objects.get(name="板桥镇小王餐馆")
    assert shop.uscc is None and shop.org_type == "individual_business"
    assert outcome.batch.status == BatchStatus.APPLIED
    assert ImportChange.objects.filter(batch=outcome.batch).count() == 4
    record = AuditRecord.objects.get(action="import")
    assert record.changes["new"] == 4 and record.actor == alice


def test_the_import_marks_the_organizations_it_wrote_for_the_coverage_state(alice, census_county):
    """The census intervals an import inserts fire the same stale-marking trigger as any other
    write: the organizations it wrote, and only those, are recomputed on the next read."""
    outcome = _import(alice, census_county["county"])
    written = OrganizationFacts.objects.filter(import_batch=outcome.batch)
    imported = set(written.values_list("organization_id", flat=True))
    assert len(imported) == 4
    assert set(StaleOrganization.objects.values_list("organization_id", flat=True)) == imported
    materialized.refresh_stale()
    states = OrganizationState.objects.filter(valid_from=AS_OF, valid_to__isnull=True)
    assert set(states.values_list("organization_id", flat=True)) == imported


def test_reimport_of_the_same_file_changes_nothing(alice, census_county):
    _import(alice, census_county["county"])
    second = _import(alice, census_county["county"])
    assert second.counts() == {"new": 0, "changed": 0, "unchanged": 4, "rejected": 0}
    assert OrganizationFacts.objects.count() == 4
    assert PartyOrganization.objects.count() == 1


def test_dry_run_writes_nothing_to_the_register(alice, census_county):
    outcome = _import(alice, census_county["county"], dry_run=True)
    assert outcome.counts()["new"] == 4
    assert not Organization.objects.exists()
    assert outcome.batch.status == BatchStatus.PREVIEWED


def test_a_changed_figure_opens_a_new_interval_and_revert_restores_it(alice, census_county):
    first = _import(alice, census_county["county"])
    bee = Organization.objects.get(uscc="91530324MA6K3BQ103")
    OrganizationFacts.objects.filter(organization=bee).update(valid_from=dt.date(2026, 1, 1))
    first_facts = bee.facts.get()
    # The same file, read against a register where the figure differs: one organization changes.
    OrganizationFacts.objects.filter(pk=first_facts.pk).update(employees=100)
    second = _import(alice, census_county["county"])
    assert second.counts() == {"new": 0, "changed": 1, "unchanged": 3, "rejected": 0}
    change = ImportChange.objects.get(batch=second.batch)
    assert change.before == {"employees": 100} and change.after == {"employees": 120}
    assert bee.facts.count() == 2
    assert bee.facts.get(valid_to__isnull=True).employees == 120

    services.revert_batch(by=alice, batch=second.batch)
    assert bee.facts.get().employees == 100
    assert bee.facts.get().valid_to is None
    with pytest.raises(ServiceError):
        services.revert_batch(by=alice, batch=second.batch)
    services.revert_batch(by=alice, batch=first.batch)
    assert not Organization.objects.exists()
    assert not PartyOrganization.objects.exists()


def test_the_audit_record_seals_the_change_rows_as_stored(alice, census_county):
    """The writer digests the change rows as it writes them; recomputing the digest from the
    table gives the same value, and any later alteration of the revert data shows."""
    first = _import(alice, census_county["county"])
    OrganizationFacts.objects.filter(organization__uscc="91530324MA6K3BQ103").update(employees=100)
    second = _import(alice, census_county["county"])
    assert second.counts()["changed"] == 1
    for batch in (first.batch, second.batch):
        record = AuditRecord.objects.get(action="import", object_id=str(batch.pk))
        assert record.changes["changes_digest"] == services.changes_digest(batch)
    ImportChange.objects.filter(batch=second.batch).update(before={"employees": 99})
    record = AuditRecord.objects.get(action="import", object_id=str(second.batch.pk))
    assert record.changes["changes_digest"] != services.changes_digest(second.batch)


def test_revert_refused_after_a_later_batch_touched_the_rows(alice, census_county):
    first = _import(alice, census_county["county"])
    OrganizationFacts.objects.filter(organization__uscc="91530324MA6K3BQ103").update(employees=1)
    _import(alice, census_county["county"])
    with pytest.raises(ServiceError) as info:
        services.revert_batch(by=alice, batch=first.batch)
    assert "后来的导入批次" in info.value.message


def test_revert_refused_after_a_manual_edit(alice, census_county):
    first = _import(alice, census_county["county"])
    shop = Organization.objects.get(name="板桥镇小王餐馆")
    registry_services.deregister_organization(by=alice, organization=shop, on=AS_OF)
    with pytest.raises(ServiceError):
        services.revert_batch(by=alice, batch=first.batch)
    assert Organization.objects.count() == 4


def test_stale_preview_is_refused_and_re_previewed(alice, census_county):
    _import(alice, census_county["county"])
    preview = services.preview_import(
        by=alice,
        unit=census_county["county"],
        data=fixture_bytes("canonical.xlsx"),
        file_name="canonical.xlsx",
        as_of=AS_OF,
    )
    assert preview.counts()["unchanged"] == 4
    bee = Organization.objects.get(uscc="91530324MA6K3BQ103")
    OrganizationFacts.objects.filter(organization=bee).update(employees=7)
    with pytest.raises(services.StalePreview):
        services.confirm_import(by=alice, batch=preview.batch)
    preview.batch.refresh_from_db()
    assert preview.batch.status == BatchStatus.PREVIEWED
    assert preview.batch.changed_count == 1  # the new preview
    outcome = services.confirm_import(by=alice, batch=preview.batch)
    assert outcome.batch.status == BatchStatus.APPLIED
    assert bee.facts.get(valid_to__isnull=True).employees == 120


def test_file_with_errors_imports_nothing_unless_valid_rows_are_accepted(alice, census_county):
    with pytest.raises(services.ImportRefused) as info:
        _import(alice, census_county["county"], name="many_problems.xlsx")
    assert info.value.outcome.error_count > 0
    assert not Organization.objects.exists()
    outcome = _import(alice, census_county["county"], name="many_problems.xlsx", mode="accept_valid")
    assert outcome.counts()["rejected"] > 0
    assert Organization.objects.count() == outcome.counts()["new"] > 0


def test_township_clerk_imports_only_his_township(bob, census_county):
    with pytest.raises(ServiceError):
        _import(bob, census_county["banqiao"])
    with pytest.raises(services.ImportRefused) as info:
        _import(bob, census_county["luoxiong"])
    codes = {p.code for p in info.value.outcome.problems}
    assert "out_of_scope" in codes
    assert not Organization.objects.exists()


def test_a_crash_in_the_write_phase_leaves_nothing(alice, census_county, monkeypatch):
    from liangxin.census.services.staging import Stager

    original = Stager.write_instructors

    def explode(self):
        original(self)
        raise RuntimeError("disk full")

    monkeypatch.setattr(Stager, "write_instructors", explode)
    with pytest.raises(RuntimeError):
        _import(alice, census_county["county"])
    assert not Organization.objects.exists()
    assert not OrganizationFacts.objects.exists()
    assert not PartyOrganization.objects.exists()
    assert not InstructorAssignment.objects.exists()
    batch = ImportBatch.objects.get()
    assert batch.status == BatchStatus.FAILED and "disk full" in batch.failure_reason


def test_preloaded_register_keys_and_index_probes_plan_alike(alice, census_county, monkeypatch):
    """A file much smaller than the register is matched by probing the indexes, a large one with
    the register's keys loaded once (selectors.register_keys): both must find the same matches."""
    from liangxin.census import selectors

    _import(alice, census_county["county"])
    OrganizationFacts.objects.filter(organization__uscc="91530324MA6K3BQ103").update(employees=100)
    outcomes = {}
    for factor in (-1, 10**9):  # -1: never preload; 10**9: always
        monkeypatch.setattr(selectors, "_PRELOAD_FACTOR", factor)
        outcomes[factor] = services.preview_import(
            by=alice, unit=census_county["county"], data=fixture_bytes("canonical.xlsx"), file_name="canonical.xlsx",
            as_of=AS_OF,
        )  # fmt: skip
    probed, preloaded = outcomes[-1], outcomes[10**9]
    assert probed.counts() == preloaded.counts() == {"new": 0, "changed": 1, "unchanged": 3, "rejected": 0}
    assert probed.batch.preview_fingerprint == preloaded.batch.preview_fingerprint
    assert [(r.kind, r.org_pk) for r in probed.plan.rows] == [(r.kind, r.org_pk) for r in preloaded.plan.rows]


def test_a_row_breaking_a_check_constraint_is_refused_before_the_write_lock(alice, census_county, monkeypatch):
    """The CHECK constraints of what the write will copy are evaluated on the staged rows before
    the write transaction begins (SQLite: ``bulk.StagingTable.check_into``), so the lock is not
    taken for a write that must fail; on PostgreSQL the write evaluates them. Nothing is written."""
    from django.db import IntegrityError, connection

    from liangxin.census.services import staging

    original = staging.org_columns

    def broken(*args, **kwargs):
        return {**original(*args, **kwargs), "org_type": "no_such_type"}

    locked = []
    moved = staging.Stager.moved

    def spy(self):
        locked.append(True)
        return moved(self)

    monkeypatch.setattr(staging, "org_columns", broken)
    monkeypatch.setattr(staging.Stager, "moved", spy)
    with pytest.raises(IntegrityError):
        _import(alice, census_county["county"])
    assert locked == ([] if connection.vendor == "sqlite" else [True])
    assert not Organization.objects.exists() and not OrganizationFacts.objects.exists()
    assert ImportBatch.objects.get().status == BatchStatus.FAILED
