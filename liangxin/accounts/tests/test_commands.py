import io

import pytest
from django.core.management import CommandError, call_command

from liangxin.accounts.models import User
from liangxin.accounts.roles import Role
from liangxin.audit.models import AuditAction, AuditRecord
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
