"""Objects of the API tests: those of the URL walk (``core/tests/conftest.py``)."""

from __future__ import annotations

from liangxin.core.tests.conftest import (  # noqa: F401 (fixtures)
    api_token_of_carol,
    campaign,
    campaign_entry_b,
    campaign_submission_b,
    clerk_of_department_y,
    formation_plan_b,
)
