"""A campaign over townships A (罗雄街道) and B (板桥镇) and department X (县工商联), and
census files restricted to one township."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest

from liangxin.campaigns import services
from liangxin.testing.factories import valid_uscc

AS_OF = dt.date(2026, 11, 1)
SURVEY_DEADLINE = dt.date(2026, 11, 30)
PLAN_DEADLINE = dt.date(2026, 12, 5)
HEADER = (
    "统一社会信用代码,组织名称,组织类别,组织类型,所属乡镇,行业主管部门,经营状况,从业人员数,"
    "正式党员数,预备党员数,业主对组建党组织态度,有无合适支部书记人选\n"
)


def row(seq: int, name: str, township: str, *, department: str = "", members: int = 3, attitude: str = "支持") -> str:
    return (
        f"{valid_uscc(seq)},{name},新经济组织,私营企业,{township},{department},正常经营,20,{members},0,{attitude},是\n"
    )


def census_csv(*rows: str) -> bytes:
    return (HEADER + "".join(rows)).encode()


A_FILE = census_csv(
    row(5001, "罗雄甲科技有限公司", "罗雄街道", department="县工商联"),
    row(5002, "罗雄乙商贸有限公司", "罗雄街道", members=1),
)
B_FILE = census_csv(
    row(5101, "板桥丙建材有限公司", "板桥镇", department="县工商联", members=4),
    row(5102, "板桥丁养殖有限公司", "板桥镇", members=0, attitude=""),
    row(5103, "板桥戊运输有限公司", "板桥镇"),
)


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.set(dt.date(2026, 11, 20))

    def set(self, day: dt.date) -> None:
        self.day = day
        self.monkeypatch.setattr("liangxin.campaigns.services.today", lambda: self.day)
        self.monkeypatch.setattr("liangxin.campaigns.board.business_today", lambda: self.day)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    yield Clock(monkeypatch)


@pytest.fixture
def erin(township_b):
    """A second clerk of 板桥镇, to edit the same row as carol."""
    from liangxin.accounts.roles import Role
    from liangxin.testing.factories import UserFactory

    return UserFactory(username="erin", role=Role.TOWNSHIP_CLERK, township=township_b)


@pytest.fixture
def campaign(alice, township_a, township_b, department_x, clock):
    created = services.create_campaign(
        by=alice,
        name="2026年两新组织集中摸底",
        code="MD2026",
        as_of=AS_OF,
        survey_deadline=SURVEY_DEADLINE,
        plan_deadline=PLAN_DEADLINE,
    )
    return services.open_campaign(by=alice, campaign=created)


@pytest.fixture
def sub_a(campaign, township_a):
    return campaign.submissions.get(township=township_a)


@pytest.fixture
def sub_b(campaign, township_b):
    return campaign.submissions.get(township=township_b)


@pytest.fixture
def sub_x(campaign, department_x):
    return campaign.submissions.get(department=department_x)


@pytest.fixture
def stage() -> Callable[..., services.Staging]:
    def do(submission, user, data: bytes, name: str = "摸底表.csv", confirm: bool = True) -> services.Staging:
        """Upload ``data``; when it would replace staged rows, confirm that too (``confirm``)."""
        submission.refresh_from_db()
        staging = services.import_into_submission(
            by=user, submission=submission, data=data, file_name=name, expected_version=submission.version
        )
        if staging.pending is None or not confirm:
            return staging
        return services.confirm_pending_upload(
            by=user,
            submission=submission,
            sha256=staging.pending.sha256,
            expected_version=staging.pending.submission_version,
        )

    return do


def fresh(obj):
    obj.refresh_from_db()
    return obj
