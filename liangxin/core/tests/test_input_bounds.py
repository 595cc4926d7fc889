"""The server errors and the silently accepted nonsense found by attacking a running copy: each
request as reported, now a clear answer (an error message, a 400, a 404), never a 500."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from liangxin.campaigns.models import Campaign
from liangxin.core.dates import today
from liangxin.registry.models import Organization, OrganizationFacts

INVISIBLE_NAME = "\u200b\u200c\u200d\ufeff"


@pytest.mark.parametrize(
    "query",
    [
        {"as_of": "0001-01-01"},
        {"as_of": "0004-06-30", "period": "year"},
        {"as_of": "0001-01-01", "period": "quarter"},
        {"as_of": "9999-12-31", "period": "year"},
    ],
)
def test_the_dashboard_with_a_date_in_year_one(client, alice, org_in_a, query):
    client.force_login(alice)
    response = client.get("/coverage/", query)
    assert response.status_code == 200
    assert response.context["as_of"] == today()  # the date is refused; the page shows today
    assert "请检查年份" in response.content.decode()


@pytest.mark.parametrize("url", ["/coverage/table/", "/coverage/gaps/", "/audit/"])
def test_other_pages_with_dates_out_of_range(client, alice, auditor, url):
    client.force_login(auditor if url == "/audit/" else alice)
    for value in ("0001-01-01", "9999-12-31"):
        params = {"date_from": value, "date_to": value} if url == "/audit/" else {"as_of": value}
        response = client.get(url, params)
        assert response.status_code == 200 and "请检查年份" in response.content.decode()


def test_a_campaign_with_a_township_id_beyond_every_integer(client, alice, township_a):
    client.force_login(alice)
    response = client.post(
        "/campaigns/new/",
        {
            "name": "2027年集中摸底",
            "code": "MD2027",
            "as_of": "2026-11-01",
            "survey_deadline": "2026-11-30",
            "plan_deadline": "2026-12-05",
            "townships": ["99999999999999999999999"],
        },
    )
    assert response.status_code == 200
    assert "townships" in response.context["form"].errors
    assert not Campaign.objects.filter(code="MD2027").exists()


def test_a_login_form_in_another_charset_with_a_bad_token_is_a_400(db, settings):
    """Production settings (no debug), not logged in, a CSRF cookie and a wrong token, a body
    declared GBK: Django refuses to read it, and its own error pages read it again."""
    settings.DEBUG = False
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.cookies["csrftoken"] = "a" * 32
    body = b"username=%C4%E3&password=x&csrfmiddlewaretoken=bad"
    response = client.generic(
        "POST", "/accounts/login/", body, content_type="application/x-www-form-urlencoded; charset=gbk"
    )
    assert response.status_code == 400
    assert "提交的内容格式不正确" in response.content.decode()


def test_a_broken_multipart_body_is_a_400(client, alice):
    client.force_login(alice)
    response = client.generic(
        "POST", "/registry/organizations/new/", b"--x\r\nbroken", content_type="multipart/form-data"
    )
    assert response.status_code == 400 and "提交的内容格式不正确" in response.content.decode()


def test_facts_effective_in_year_9999_are_refused(client, carol, org_in_b):
    client.force_login(carol)
    before = OrganizationFacts.objects.count()
    data = {
        "valid_from": "9999-12-31",
        "operating_status": "operating",
        "employees": "10",
        "full_members": "1",
        "probationary_members": "0",
    }
    response = client.post(f"/registry/organizations/{org_in_b.pk}/facts/", data)
    assert response.status_code == 200
    assert "不能晚于今天" in str(response.context["form"].errors["valid_from"])
    assert OrganizationFacts.objects.count() == before


def test_a_number_no_column_holds_is_refused(client, carol, org_in_b):
    client.force_login(carol)
    before = OrganizationFacts.objects.count()
    data = {
        "valid_from": str(today()),
        "operating_status": "operating",
        "employees": "9" * 40,
        "full_members": "1",
        "probationary_members": "0",
    }
    response = client.post(f"/registry/organizations/{org_in_b.pk}/facts/", data)
    assert response.status_code == 200 and "2147483647" in str(response.context["form"].errors["employees"])
    assert OrganizationFacts.objects.count() == before


def test_a_deregistration_in_2099_is_refused(client, carol, org_in_b):
    client.force_login(carol)
    response = client.post(f"/registry/organizations/{org_in_b.pk}/deregister/", {"on": "2099-01-01", "reason": "x"})
    assert response.status_code == 200
    assert "注销日期不能晚于今天" in response.content.decode()
    assert not OrganizationFacts.objects.filter(organization=org_in_b, operating_status="deregistered").exists()


def _create(client, name):
    return client.post(
        "/registry/organizations/new/",
        {
            "name": name,
            "category": "economic",
            "org_type": "private_enterprise",
            "township": "",
            "valid_from": str(today() - dt.timedelta(days=1)),
            "operating_status": "operating",
            "employees": "3",
            "full_members": "0",
            "probationary_members": "0",
        },
    )


def test_a_name_of_invisible_characters_is_refused(client, carol, township_b):
    client.force_login(carol)
    before = Organization.objects.count()
    response = _create(client, INVISIBLE_NAME)
    assert "请填写名称(只有空格或不可见字符的不算)" in response.content.decode()
    assert Organization.objects.count() == before


def test_a_campaign_named_with_invisible_characters_is_refused(client, alice):
    client.force_login(alice)
    response = client.post(
        "/campaigns/new/",
        {
            "name": INVISIBLE_NAME,
            "code": "\u200b",
            "as_of": "2026-11-01",
            "survey_deadline": "2099-01-01",
            "plan_deadline": "2026-12-05",
        },
    )
    errors = response.context["form"].errors
    assert "请填写名称" in str(errors["name"]) and "请填写这一项" in str(errors["code"])
    assert "请检查年份" in str(errors["survey_deadline"])
    assert not Campaign.objects.exists()
