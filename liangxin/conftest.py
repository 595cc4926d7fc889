"""Named users per role and a small two-township county, shared by every app's tests.

alice — county administrator        bob — clerk of township A     carol — clerk of township B
dave — clerk of department X         sam — secretary of branch A   lily — county leader
sysadm / secadm / auditor — the three administrators
"""

from __future__ import annotations

import datetime as dt
import tempfile
import uuid
from collections.abc import Generator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from django.conf import settings

from liangxin.accounts.roles import Role
from liangxin.testing.factories import (
    CountyFactory,
    DepartmentFactory,
    MemberFactory,
    OrganizationFactory,
    PartyOrganizationFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
)


def pytest_configure(config: pytest.Config) -> None:
    # No timings in tests: Hypothesis's per-example deadline fails a correct rule on a busy machine.
    hypothesis.settings.register_profile("liangxin", deadline=None)
    hypothesis.settings.load_profile("liangxin")
    # PBKDF2 costs ~0.4 s a hash by design; tests create dozens of accounts.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Fixtures wider than a test (the demo loaded once for a module) write audit records before the
    # per-test anchor below exists: they get an anchor of the session's own, never the
    # development database's file in var/, whose entry for the test database a previous run left.
    settings.AUDIT_ANCHOR_PATH = Path(tempfile.mkdtemp(prefix="liangxin-audit-anchor-")) / "anchor.json"
    # Uploaded files of the whole run in one directory of its own, never var/media: a fixture that
    # stores a file and one that pointed MEDIA_ROOT elsewhere afterwards would lose it.
    settings.MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="liangxin-media-"))


@pytest.fixture(scope="session")
def _audit_anchor_dir(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return tmp_path_factory.mktemp("audit-anchors")


@pytest.fixture(autouse=True)
def _audit_anchor_per_test(_audit_anchor_dir: Any, settings: Any) -> None:
    """Each test its own audit anchor: the chain of one test must not be checked against the
    anchor another test (or the development database) left behind."""
    settings.AUDIT_ANCHOR_PATH = _audit_anchor_dir / f"{uuid.uuid4().hex}.json"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """The test database as the migrations leave it, kept as the snapshot that a live-server test
    (the browser tests) restores before it runs: Django's serialized rollback. Taken here for every
    session (pytest-django takes one only when it sees such a test, not in every xdist worker), and
    without the content types and permissions, which a transactional test's flush recreates and a
    restore would then insert twice."""
    from django.db import connections
    from django.test.utils import override_settings

    from liangxin.testing import browser

    with (
        django_db_blocker.unblock(),
        override_settings(TEST_NON_SERIALIZED_APPS=["django.contrib.contenttypes", "django.contrib.auth"]),
    ):
        for connection in connections.all():
            snapshot = connection.creation.serialize_db_to_string()
            connection._test_serialized_contents = snapshot  # type: ignore[attr-defined]
            browser.SNAPSHOTS[connection.alias] = snapshot


@pytest.fixture
def _django_db_helper(_django_db_helper: None, request: pytest.FixtureRequest) -> Generator[None, None, None]:
    """pytest-django's database set-up, wrapped: a transactional test's database is emptied after
    it (Django's flush), which the audit table's triggers refuse for young records, so that
    table is emptied first, as an administrator would (``testing.audit``)."""
    yield
    marker = request.node.get_closest_marker("django_db")
    names = request.fixturenames
    transactional = marker is not None and bool(marker.kwargs.get("transaction") or marker.args[:1] == (True,))
    if transactional or "transactional_db" in names or "live_server" in names:
        from liangxin.testing.audit import purge_audit_records

        purge_audit_records()


@pytest.fixture
def county(db):
    return CountyFactory()


@pytest.fixture
def township_a(county):
    return TownshipFactory(parent=county, code="530324001", name="罗雄街道")


@pytest.fixture
def township_b(county):
    return TownshipFactory(parent=county, code="530324102", name="板桥镇")


@pytest.fixture
def village_a(township_a):
    return VillageFactory(parent=township_a, code="530324001001", name="九龙社区居民委员会")


@pytest.fixture
def department_x(db):
    return DepartmentFactory(code="GSL", name="县工商联")


@pytest.fixture
def org_in_a(township_a, village_a, department_x):
    return OrganizationFactory(
        name="罗平县蜂产业协会",
        township=township_a,
        village=village_a,
        department=department_x,
        category="social",
        org_type="industry_association",
        facts={"employees": 40, "full_members": 5, "probationary_members": 1},
    )


@pytest.fixture
def org_in_b(township_b):
    return OrganizationFactory(name="板桥星火煤业有限公司", township=township_b, facts={"employees": 120})


@pytest.fixture
def branch_a(township_a, org_in_a):
    return PartyOrganizationFactory(name="罗平县蜂产业协会党支部", township=township_a, covers=[org_in_a])


@pytest.fixture
def branch_b(township_b, org_in_b):
    return PartyOrganizationFactory(name="板桥星火煤业有限公司党支部", township=township_b, covers=[org_in_b])


@pytest.fixture
def member_a(branch_a, org_in_a):
    return MemberFactory(name="张三", relation=branch_a, employer=org_in_a)


@pytest.fixture
def member_b(branch_b, org_in_b):
    return MemberFactory(name="李四", relation=branch_b, employer=org_in_b)


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", role=Role.COUNTY_ADMIN, full_name="县委组织部 艾丽斯")


@pytest.fixture
def lily(db):
    return UserFactory(username="lily", role=Role.LEADER)


@pytest.fixture
def bob(township_a):
    return UserFactory(username="bob", role=Role.TOWNSHIP_CLERK, township=township_a)


@pytest.fixture
def carol(township_b):
    return UserFactory(username="carol", role=Role.TOWNSHIP_CLERK, township=township_b)


@pytest.fixture
def dave(department_x):
    return UserFactory(username="dave", role=Role.DEPARTMENT_CLERK, department=department_x)


@pytest.fixture
def sam(branch_a):
    return UserFactory(username="sam", role=Role.SECRETARY, party_organization=branch_a)


@pytest.fixture
def sysadm(db):
    return UserFactory(username="sysadm", role=Role.SYS_ADMIN)


@pytest.fixture
def secadm(db):
    return UserFactory(username="secadm", role=Role.SEC_ADMIN)


@pytest.fixture
def auditor(db):
    return UserFactory(username="auditor", role=Role.AUDIT_ADMIN)


@pytest.fixture
def object_store(settings: Any, tmp_path: Path) -> Generator[Any, None, None]:
    """Uploads on an S3-compatible object store (in memory); a boto3 client of its bucket."""
    from liangxin.testing.objectstore import in_memory_object_store

    with in_memory_object_store(settings, tmp_path) as client:
        yield client


@pytest.fixture
def reward_b(carol, branch_b, org_in_b):
    """A submitted reward application (以奖代补) of township B's branch, with a PDF as evidence."""
    from decimal import Decimal

    from django.core.files.uploadedfile import SimpleUploadedFile

    from liangxin.funding import services
    from liangxin.security.uploads import UploadField, UploadKind
    from liangxin.testing.responses import tiny_pdf

    evidence = UploadField(kind=UploadKind.EVIDENCE).clean(
        SimpleUploadedFile("活动室照片.pdf", tiny_pdf("activity room photo"), "application/pdf")
    )
    return services.submit_reward(
        by=carol,
        party_organization=branch_b,
        data=services.RewardData(
            kind="activity_room",
            title="板桥星火煤业党员活动室",
            description="自建活动室32平方米,配齐桌椅和党建书籍。",
            amount=Decimal("5000.00"),
            organization=org_in_b,
            five_ones_item="activity_room",
        ),
        evidence=evidence,
    )


@pytest.fixture
def standards_evidence_b(carol, branch_b):
    """A photo of township B's branch's member bulletin board (五个一), a PDF, uploaded by its clerk."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from liangxin.security.uploads import UploadField, UploadKind
    from liangxin.standards import services
    from liangxin.testing.responses import tiny_pdf

    file = UploadField(kind=UploadKind.EVIDENCE).clean(
        SimpleUploadedFile("公示栏.pdf", tiny_pdf("bulletin board photo"), "application/pdf")
    )
    return services.add_evidence(by=carol, party_organization=branch_b, item="bulletin_board", file=file)


@pytest.fixture
def activity_b(carol, branch_b, member_b, org_in_b):
    """A theme day (主题党日) of township B's branch, held in its company, 李四 present."""
    from liangxin.core.dates import today
    from liangxin.orglife import services
    from liangxin.testing.factories import activity_type

    return services.record_activity(
        by=carol,
        data=services.ActivityData(
            party_organization=branch_b,
            activity_type=activity_type("theme_day"),
            held_on=today() - dt.timedelta(days=20),
            duration_minutes=150,
            place="星火煤业党员活动室",
            topic="板桥星火煤业主题党日",
            content="重温入党誓词,学习安全生产法规。",
            present=[member_b],
            held_in=org_in_b,
        ),
    )


@pytest.fixture
def activity_file_b(carol, activity_b):
    """A photo (a PDF here) of township B's activity, through the upload gate."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from liangxin.orglife import services
    from liangxin.security.uploads import UploadField, UploadKind
    from liangxin.testing.responses import tiny_pdf

    upload = UploadField(kind=UploadKind.EVIDENCE).clean(
        SimpleUploadedFile("主题党日.pdf", tiny_pdf("theme day photo"), "application/pdf")
    )
    return services.add_file(by=carol, activity=activity_b, upload=upload)
