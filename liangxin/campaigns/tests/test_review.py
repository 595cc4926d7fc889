"""The county sees what it approves: on the submission's page, what the approval would write to
the register (counts, completeness, problems, and per organization old → new), and the approval
writes exactly that or nothing."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from liangxin.campaigns import services
from liangxin.campaigns.models import SubmissionState
from liangxin.census import services as census_services
from liangxin.core.errors import ConflictError
from liangxin.registry import services as registry_services
from liangxin.registry.models import Organization
from liangxin.registry.services import OrganizationData

from .conftest import AS_OF, census_csv, fresh, row

BING = row(5101, "板桥丙建材有限公司", "板桥镇", department="县工商联", members=4)
FILE = census_csv(
    BING,  # already in the register as it is: unchanged
    row(5102, "板桥丁养殖有限公司", "板桥镇", members=0, attitude=""),  # new, leaves a required column blank
    row(5103, "板桥戊运输有限公司", "板桥镇", members=3),  # in the register with 2 full members: changed
)


@pytest.fixture
def submitted(sub_b, carol, alice, township_b, stage, campaign):
    census_services.import_file(
        by=alice,
        unit=township_b,
        data=census_csv(BING, row(5103, "板桥戊运输有限公司", "板桥镇", members=2)),
        file_name="去年.csv",
        as_of=AS_OF,
    )
    staging = stage(sub_b, carol, FILE)
    assert staging.staged == 3, staging.problems
    return services.submit_submission(by=carol, submission=fresh(sub_b), expected_version=fresh(sub_b).version)


def _number(page, name):
    return int(re.search(rf"data-{name}>(\d+)<", page).group(1))


def test_the_approval_page_shows_what_the_approval_writes(submitted, alice, client):
    client.force_login(alice)
    page = client.get(submitted.get_absolute_url()).content.decode()
    counts = {k: _number(page, k) for k in ("rows", "new", "changed", "unchanged", "errors")}
    assert counts == {"rows": 3, "new": 1, "changed": 1, "unchanged": 1, "errors": 0}
    assert "必填项完整 <strong>2 / 3</strong>(66.7%)" in page
    assert "板桥丁养殖有限公司:缺业主对组建党组织态度" in page
    changes = page.split("各组织的变化", 1)[1].split("</section>", 1)[0]
    assert "板桥戊运输有限公司" in changes and "板桥丁养殖有限公司" in changes
    assert "板桥丙建材有限公司" not in changes  # unchanged: nothing to show
    wu = changes.split("板桥戊运输有限公司", 1)[1].split("</tr>", 1)[0]
    assert re.search(r"正式党员数:</span>\s*<del>2</del> → <ins>3</ins>", wu)
    assert 'name="fingerprint"' in page
    from liangxin.security.tests.test_pages_csp import problems_in

    assert not problems_in(page)


def test_others_do_not_get_the_review(submitted, carol, lily, client):
    for user in (carol, lily):
        client.force_login(user)
        page = client.get(submitted.get_absolute_url()).content.decode()
        assert "审核核对" not in page and 'name="fingerprint"' not in page


def _approve(client, submission, **extra):
    return client.post(
        reverse("campaigns:submission_transition", args=[submission.pk]),
        {"action": "approve", "version": fresh(submission).version, **extra},
        follow=True,
    )


def _fingerprint(client, submission):
    page = client.get(submission.get_absolute_url()).content.decode()
    return re.search(r'name="fingerprint" value="([0-9a-f]+)"', page).group(1)


def test_approving_writes_what_was_shown(submitted, alice, client):
    client.force_login(alice)
    fingerprint = _fingerprint(client, submitted)
    response = _approve(client, submitted, fingerprint=fingerprint)
    assert "已审核" in response.content.decode()
    sub = fresh(submitted)
    assert sub.state == SubmissionState.APPROVED
    assert (sub.register_batch.new_count, sub.register_batch.changed_count) == (1, 1)
    assert sub.register_batch.unchanged_count == 1


def test_an_approval_of_something_else_than_was_shown_is_refused(submitted, alice, client, township_b):
    client.force_login(alice)
    fingerprint = _fingerprint(client, submitted)
    # Meanwhile the register moves: a clerk edits 戊 (its version is part of the plan).
    wu = Organization.objects.get(name="板桥戊运输有限公司")
    data = OrganizationData(
        name=wu.name, category=wu.category, org_type=wu.org_type, township=wu.township, uscc=wu.uscc, address="新址"
    )
    registry_services.update_organization(by=alice, organization=wu, data=data, expected_version=wu.version)
    organizations = Organization.objects.count()

    page = _approve(client, submitted, fingerprint=fingerprint).content.decode()
    assert "审核没有通过" in page
    assert fresh(submitted).state == SubmissionState.SUBMITTED and fresh(submitted).register_batch is None
    assert Organization.objects.count() == organizations
    # The page now shows the new plan; approving that one works.
    assert _fingerprint(client, submitted) != fingerprint
    _approve(client, submitted, fingerprint=_fingerprint(client, submitted))
    assert fresh(submitted).state == SubmissionState.APPROVED


def test_the_page_approval_needs_the_review(submitted, alice, client):
    client.force_login(alice)
    assert "核对" in _approve(client, submitted).content.decode()
    assert fresh(submitted).state == SubmissionState.SUBMITTED
    with pytest.raises(ConflictError):
        services.approve_submission(
            by=alice, submission=fresh(submitted), expected_version=fresh(submitted).version, expected_fingerprint="0"
        )
