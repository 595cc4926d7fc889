"""The development forms find the workplace, the recommended member and the organization by
searching (``core.forms.PickerField``), not from a select of the whole scope: the page lists none of
them, a name typed without JavaScript is taken, an id outside the scope is refused."""

from __future__ import annotations

from django.urls import reverse

from liangxin.development.models import DevelopmentFile
from liangxin.testing.factories import valid_id_number

from .conftest import D


def _application(branch, **extra):
    return {
        "name": "新申请人",
        "id_number": valid_id_number(901),
        "party_organization": branch.pk,
        "work_role": "front_line",
        "applied_on": D(2026, 3, 1).isoformat(),
        **extra,
    }


def test_the_application_form_searches_for_the_workplace_within_the_scope(client, bob, branch_a, org_in_a, org_in_b):
    client.force_login(bob)
    url = reverse("development:file_create")
    page = client.get(url).content.decode()
    assert 'name="organization_q"' in page and f'hx-get="{reverse("registry:organization_pick")}"' in page
    assert org_in_a.name not in page.replace(branch_a.name, "")  # no list of his organizations
    refused = client.post(url, _application(branch_a, organization=org_in_b.pk))  # township B's
    assert refused.status_code == 200 and "不在您的管理范围内" in refused.content.decode()
    assert not DevelopmentFile.objects.exists()
    taken = client.post(url, _application(branch_a, organization_q=org_in_a.name))  # typed, no JavaScript
    assert taken.status_code == 302
    assert DevelopmentFile.objects.get().organization == org_in_a


def test_the_recommendation_form_searches_for_member_and_organization(client, carol, branch_b, member_b):
    client.force_login(carol)
    page = client.get(reverse("development:recommendation_create")).content.decode()
    assert 'name="member_q"' in page and 'name="organization_q"' in page
    assert member_b.name not in page
