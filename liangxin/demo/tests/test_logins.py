"""The demo logins: the table on the login page (demo mode only, demo county only), the
``demo_logins`` command, and the demo's two-factor secrets (``demo_totp``)."""

from __future__ import annotations

import base64
import io

import pytest
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from liangxin.accounts.models import User
from liangxin.accounts.roles import Role
from liangxin.demo import accounts as demo
from liangxin.registry.choices import FactSource
from liangxin.security.testing import login_with_totp
from liangxin.testing.factories import PASSWORD, UserFactory

LOGIN = "/accounts/login/"


def account(username, role, **scope):
    # An unusable password: these tests list accounts and never log in, so no hashing.
    return User.objects.create(username=username, role=role, password="!", **scope)


def call(name, *args, **options):
    out = io.StringIO()
    call_command(name, *args, stdout=out, **options)
    return out.getvalue()


# --- The login page -------------------------------------------------------------------------------


@pytest.fixture
def demo_users(township_a, department_x, branch_a):
    """Accounts named the way the demo loader names them, plus a disabled demo account and two
    that are not demo accounts."""
    UserFactory(username="county_admin", role=Role.COUNTY_ADMIN)
    UserFactory(username="township_530324001", role=Role.TOWNSHIP_CLERK, township=township_a)
    UserFactory(username="dept_gsl", role=Role.DEPARTMENT_CLERK, department=department_x)
    UserFactory(username=f"secretary_{branch_a.pk}", role=Role.SECRETARY, party_organization=branch_a)
    UserFactory(username="audit_admin", role=Role.AUDIT_ADMIN)
    UserFactory(username="sys_admin", role=Role.SYS_ADMIN)
    UserFactory(username="township_closed", role=Role.TOWNSHIP_CLERK, township=township_a, is_active=False)
    UserFactory(username="zhangsan", role=Role.COUNTY_ADMIN)
    UserFactory(username="township_fake", role=Role.COUNTY_ADMIN)  # demo-like name, wrong role


@pytest.fixture
def demo_loaded(org_in_a):
    """What `load_demo` leaves behind and `demo_accounts` looks for: census facts from the demo."""
    org_in_a.facts.update(source=FactSource.DEMO)


def test_demo_accounts_are_listed_in_demo_mode(client, settings, demo_users, demo_loaded, branch_a):
    settings.DEMO_MODE = True
    response = client.get(LOGIN)
    assert response.status_code == 200
    content = response.content.decode()
    assert "演示账号" in content and "Liangxin#2026" in content
    rows = [u.username for u in response.context["demo_accounts"]]
    # County-wide and administrator roles first, then townships, departments, secretaries; only
    # active accounts whose name follows the demo convention for their role and scope.
    assert rows == [
        "county_admin",
        "sys_admin",
        "audit_admin",
        "township_530324001",
        "dept_gsl",
        f"secretary_{branch_a.pk}",
    ]
    assert "罗雄街道" in content and "县工商联" in content and "罗平县蜂产业协会党支部" in content
    assert "乡镇(街道)工作人员" in content
    assert "zhangsan" not in content and "township_closed" not in content and "township_fake" not in content


def test_no_demo_table_without_demo_data(client, settings, demo_users):
    """A real county with DEBUG on (so demo mode on) never shows its accounts with a password."""
    settings.DEMO_MODE = True
    content = client.get(LOGIN).content.decode()
    assert "演示账号" not in content and "Liangxin#2026" not in content


def test_demo_accounts_are_never_listed_outside_demo_mode(client, settings, demo_users, demo_loaded):
    settings.DEMO_MODE = False
    response = client.get(LOGIN)
    content = response.content.decode()
    assert 'name="username"' in content and 'name="password"' in content
    assert "演示账号" not in content
    assert "Liangxin#2026" not in content
    assert "county_admin" not in content and "township_530324001" not in content
    assert "demo_accounts" not in response.context


# --- demo_logins ------------------------------------------------------------------------------------


def test_demo_logins_without_demo_data_prints_the_url_and_how_to_begin(db):
    out = call("demo_logins", "--url", "http://example.test:8000/")

    assert out.splitlines() == [
        "系统地址:http://example.test:8000/",
        "数据库中没有演示数据。首次使用请创建县级管理员:python manage.py create_county_admin --username 账号",
    ]


def test_demo_logins_in_a_real_county_lists_no_accounts(db, township_a):
    # A real county may well call its first administrator "county_admin": without demo data
    # no password is printed.
    account(username="county_admin", role=Role.COUNTY_ADMIN)
    account(username=f"township_{township_a.code}", role=Role.TOWNSHIP_CLERK, township=township_a)

    out = call("demo_logins", "--url", "http://example.test/")

    assert "Liangxin#2026" not in out
    assert "county_admin" not in out
    assert "请使用县级管理员账号登录" in out


def test_demo_logins_lists_the_demo_accounts_with_role_and_scope(db, org_in_a, branch_a, township_a, department_x):
    # Demo facts are what marks the demo county as loaded.
    org_in_a.facts.update(source=FactSource.DEMO)
    for username, role in [
        ("county_admin", Role.COUNTY_ADMIN),
        ("leader", Role.LEADER),
        ("audit_admin", Role.AUDIT_ADMIN),
    ]:
        account(username=username, role=role)
    account(username="township_530324001", role=Role.TOWNSHIP_CLERK, township=township_a)
    account(username="dept_gsl", role=Role.DEPARTMENT_CLERK, department=department_x)
    account(username=f"secretary_{branch_a.pk}", role=Role.SECRETARY, party_organization=branch_a)
    account(username="alice", role=Role.COUNTY_ADMIN)

    out = call("demo_logins", "--url", "http://127.0.0.1:8000/")

    lines = out.splitlines()
    assert lines[0] == "系统地址:http://127.0.0.1:8000/"
    assert lines[1] == "演示账号(密码均为 Liangxin#2026):"
    rows = [line.split() for line in lines[3:]]
    assert rows == [
        ["county_admin", "县两新党工委/组织部管理员", "全县"],
        ["leader", "县级领导(只读)", "全县"],
        ["audit_admin", "审计管理员", "—"],
        ["township_530324001", "乡镇(街道)工作人员", "罗雄街道"],
        ["dept_gsl", "行业主管部门工作人员", "县工商联"],
        [f"secretary_{branch_a.pk}", "党组织书记", "罗平县蜂产业协会党支部"],
    ]
    assert "alice" not in out


# --- Two-factor secrets -----------------------------------------------------------------------------


@pytest.fixture
def totp_accounts(township_a, org_in_a):
    org_in_a.facts.update(source=FactSource.DEMO)
    made = {
        "county_admin": UserFactory(username="county_admin", role=Role.COUNTY_ADMIN),
        "audit_admin": UserFactory(username="audit_admin", role=Role.AUDIT_ADMIN),
        "township_530324001": UserFactory(username="township_530324001", role=Role.TOWNSHIP_CLERK, township=township_a),
    }
    return made


def test_demo_devices_are_deterministic_and_only_for_required_roles(totp_accounts):
    first = demo.create_demo_totp_devices()
    assert [a.username for a in first] == ["county_admin", "audit_admin"]
    expected = base64.b32encode(demo.demo_totp_key("county_admin")).decode().rstrip("=")
    assert first[0].secret == expected and first[0].uri.startswith("otpauth://totp/")
    again = demo.create_demo_totp_devices()
    assert again == first
    assert TOTPDevice.objects.filter(user=totp_accounts["county_admin"]).count() == 1
    assert not TOTPDevice.objects.filter(user=totp_accounts["township_530324001"]).exists()


def test_no_demo_devices_without_demo_data(db, county):
    UserFactory(username="county_admin", role=Role.COUNTY_ADMIN)
    assert demo.create_demo_totp_devices() == []
    assert not TOTPDevice.objects.exists()


def test_demo_totp_command_prints_the_secrets(totp_accounts):
    out = io.StringIO()
    call_command("demo_totp", stdout=out)
    text = out.getvalue()
    assert "county_admin" in text and "audit_admin" in text and "township_530324001" not in text
    assert base64.b32encode(demo.demo_totp_key("audit_admin")).decode().rstrip("=") in text


def test_demo_login_page_shows_qr_codes_in_demo_mode_only(client, settings, totp_accounts):
    demo.create_demo_totp_devices()
    settings.DEMO_MODE = True
    response = client.get(LOGIN)
    items = response.context["demo_totp"]
    assert [i.username for i in items] == ["county_admin", "audit_admin"]
    assert all(i.qr.startswith("data:image/svg+xml;base64,") and i.qr in response.content.decode() for i in items)
    settings.DEMO_MODE = False
    response = client.get(LOGIN)
    assert "demo_totp" not in response.context and "data:image/svg" not in response.content.decode()


def test_a_visitor_logs_in_to_the_demo_with_the_printed_secret(client, totp_accounts):
    demo.create_demo_totp_devices()
    response = login_with_totp(client, totp_accounts["county_admin"], PASSWORD)
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(totp_accounts["county_admin"].pk)
