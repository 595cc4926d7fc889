"""Objects of the API tests: the census campaign of the URL walk (``core/tests/conftest.py``), and a
formation plan in township B."""

from __future__ import annotations

import pytest

from liangxin.core.tests.conftest import (  # noqa: F401 (fixtures)
    campaign,
    campaign_entry_b,
    campaign_submission_b,
    clerk_of_department_y,
)


@pytest.fixture
def formation_plan_b(org_in_b):
    from liangxin.formation.models import FormationPlan

    return FormationPlan.objects.create(
        organization=org_in_b, ready=False, reason="no_members", countermeasure="发展党员", responsible_person="王五"
    )
