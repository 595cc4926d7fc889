import io

import pytest
from django.core.management import CommandError, call_command

from liangxin.accounts.models import User
from liangxin.accounts.roles import Role
from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.registry.choices import FactSource
from liangxin.testing.factories import PASSWORD


def account(username, role, **scope):
    # An unusable password: these tests list accounts and never log in, so no hashing.
    return User.objects.create(username=username, role=role, password="!", **scope)


def call(name, *args, **options):
    out = io.StringIO()
    call_command(name, *args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


# --- create_county_admin -------------------------------------------------------------------------


def test_create_county_admin_creates_an_audited_county_administrator(db):
    out = call("create_county_admin", "--username", "zhangsan", "--password", PASSWORD, "--full-name", "张三")

    user = User.objects.get(username="zhangsan")
    assert (user.role, user.full_name, user.is_active) == (Role.COUNTY_ADMIN, "张三", True)
    assert user.check_password(PASSWORD)
    assert (user.township, user.department, user.party_organization) == (None, None, None)
    record = AuditRecord.objects.get(object_type="accounts.user", object_id=str(user.pk))
    assert (record.action, record.actor) == (AuditAction.CREATE, None)
    assert "已创建县级管理员账号 zhangsan" in out
    # A county that is not set up yet is told what comes next.
    assert "setup_county" in out


def test_create_county_admin_prompts_for_the_password_twice(db, monkeypatch):
    answers = iter([PASSWORD, PASSWORD])
    prompts = []

    def fake_getpass(prompt):
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr("getpass.getpass", fake_getpass)

    call("create_county_admin", "--username", "zhangsan")

    assert prompts == ["密码:", "再次输入密码:"]
    assert User.objects.get(username="zhangsan").check_password(PASSWORD)


def test_create_county_admin_refuses_two_different_passwords(db, monkeypatch):
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))

    with pytest.raises(CommandError, match="两次输入的密码不一致"):
        call("create_county_admin", "--username", "zhangsan")

    assert not User.objects.exists()


def test_create_county_admin_refuses_an_existing_username(db):
    account(username="zhangsan", role=Role.LEADER)

    with pytest.raises(CommandError, match="账号 ZhangSan 已存在"):
        call("create_county_admin", "--username", "ZhangSan", "--password", PASSWORD)

    assert User.objects.count() == 1
    assert User.objects.get().role == Role.LEADER


@pytest.mark.parametrize(
    ("password", "message"),
    [("12345678901", "只包含数字"), ("Ab#1", "10"), ("password123", "太常见")],
)
def test_create_county_admin_refuses_a_password_that_fails_validation(db, password, message):
    with pytest.raises(CommandError, match=message):
        call("create_county_admin", "--username", "zhangsan", "--password", password)

    assert not User.objects.exists()
    assert not AuditRecord.objects.exists()


# --- create_administrator --------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.SYS_ADMIN, Role.SEC_ADMIN, Role.AUDIT_ADMIN])
def test_create_administrator_creates_each_of_the_three(db, role):
    out = call("create_administrator", "--role", role, "--username", f"first_{role}", "--password", PASSWORD)
    user = User.objects.get(username=f"first_{role}")
    assert user.role == role and user.check_password(PASSWORD)
    assert AuditRecord.objects.get(action=AuditAction.CREATE, object_id=str(user.pk)).actor is None
    assert f"first_{role}" in out and str(role.label) in out


@pytest.mark.parametrize("role", [Role.COUNTY_ADMIN, Role.LEADER, Role.UNASSIGNED])
def test_create_administrator_makes_only_administrators(db, role):
    with pytest.raises(CommandError):
        call("create_administrator", "--role", role, "--username", "x", "--password", PASSWORD)
    assert not User.objects.exists()


def test_a_fresh_install_gets_going_with_the_bootstrap_commands(client, db, township_a):
    """County administrator and the three administrators from the command line; then the system
    administrator creates a clerk's account and the security administrator gives it its role."""
    call("create_county_admin", "--username", "admin", "--password", PASSWORD)
    for role in (Role.SYS_ADMIN, Role.SEC_ADMIN):
        call("create_administrator", "--role", role, "--username", role, "--password", PASSWORD)
    from liangxin.accounts import services

    sysadm, secadm = User.objects.get(username="sys_admin"), User.objects.get(username="sec_admin")
    clerk = services.create_user(by=sysadm, username="clerk", password=PASSWORD)
    services.assign_role(by=secadm, target=clerk, role=Role.TOWNSHIP_CLERK, township=township_a)
    assert User.objects.get(username="clerk").township == township_a


# --- demo_logins ---------------------------------------------------------------------------------


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
