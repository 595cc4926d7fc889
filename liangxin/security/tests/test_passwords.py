"""Password policy: strength, history of five, expiry, forced change after an administrator set
the password (new account, reset), and the demo exemption."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from liangxin.accounts import services
from liangxin.accounts.models import User
from liangxin.accounts.roles import Role
from liangxin.registry.choices import FactSource
from liangxin.security import passwords
from liangxin.security.models import PasswordHistory
from liangxin.testing.factories import PASSWORD, UserFactory

CHANGE = "/accounts/password/"
HOME = "/registry/organizations/"


def messages_of(exc_info):
    return " ".join(exc_info.value.messages)


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Ab1!xyz", "10"),  # too short (Django's own message)
        ("abcdefghij1", "至少 3 类"),  # two classes
        ("ABCDEFGHIJ!", "至少 3 类"),
        ("1234567890", "至少 3 类"),
        ("Bob-Password1", "账号名"),  # contains the account name
        ("xBOBx#2026ab", "账号名"),
        ("Xbob#2026ab"[::-1], "账号名"),  # the name reversed
    ],
)
def test_weak_passwords_are_refused(bob, password, expected):
    with pytest.raises(ValidationError) as exc_info:
        validate_password(password, bob)
    assert expected in messages_of(exc_info)


@pytest.mark.parametrize("password", ["Liangxin#2027", "dang-jian-2026-Luo", "Zhanghao#Xin2026", "罗平县Lp2026党建"])
def test_good_passwords_pass(bob, password):
    validate_password(password, bob)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("password123!", "太常见"),
        ("P@ssw0rd2026", "太常见"),  # look-alike characters and a year
        ("Admin@123456", "太常见"),
        ("Woaini@1314", "太常见"),  # the Chinese list
        ("Zhangwei@1990", "太常见"),
        ("2026#Luoping", "太常见"),  # dressed up in front
        ("Qq123456789!", "太常见"),
        ("Zxcvbnm@12345", "键盘上相邻"),
        ("1qaz@WSX3edc", "键盘上相邻"),  # the columns of the keyboard
        ("Qwer!2345asdf", "键盘上相邻"),
        ("Poiuytre#7890", "键盘上相邻"),  # backwards, and counting
    ],
)
def test_common_and_keyboard_passwords_are_refused_with_the_reason(bob, password, reason):
    with pytest.raises(ValidationError) as exc_info:
        validate_password(password, bob)
    assert reason in messages_of(exc_info)


@pytest.mark.parametrize(
    "password",
    [
        "Liangxin#2027",  # like the demo password: its core is no common password and no pattern
        "Admin@83749261",  # a common word, but a tail no rule set guesses
        "Youcai#Huahai7",
        "Tr0ub4dor&3xx",
    ],
)
def test_a_common_word_needs_more_than_a_guessable_dressing(bob, password):
    validate_password(password, bob)


def test_the_demo_password_keeps_the_rules():
    validate_password(PASSWORD)


def test_the_pattern_rule():
    from liangxin.security.password_patterns import is_pattern

    assert is_pattern("qwertyuiop") and is_pattern("1qaz2wsx") and is_pattern("poiuy") and is_pattern("aaaa")
    assert is_pattern("abc123") and is_pattern("987654") and is_pattern("!@#$%^")  # shifted digits
    assert not is_pattern("liangxin") and not is_pattern("qwe") and not is_pattern("qwertyk")


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("bob", CHANGE),
        ("sysadm", "/accounts/users/new/"),
        ("sysadm", "/accounts/users/{carol}/"),  # the reset form
    ],
)
def test_every_password_form_shows_the_rules_before_typing(client, request, carol, who, url):
    client.force_login(request.getfixturevalue(who))
    content = client.get(url.format(carol=carol.pk)).content.decode()
    rules = content[content.index('class="password-rules"') :]
    form_input = content.index('type="password"', content.index('class="password-rules"'))
    assert form_input > content.index('class="password-rules"')  # above the field
    for text in ("10", "至少 3 类", "账号名", "键盘上相邻", "Admin@123456", "最近 5 次"):
        assert text in rules, text


def test_three_of_four_classes_is_enough():
    assert passwords.character_classes("abcDEF123") == 3
    assert passwords.character_classes("abc def!") == 2
    assert passwords.character_classes("aB3$") == 4


def _change(user, old, new):
    with passwords.set_by_owner(user):
        services.change_own_password(user=user, old_password=old, new_password=new)


def test_the_last_five_passwords_cannot_be_reused(bob):
    chosen = [PASSWORD, *(f"Neue#Pass{n}word" for n in range(1, 6))]
    for old, new in itertools.pairwise(chosen):
        _change(bob, old, new)
    assert PasswordHistory.objects.filter(user=bob).count() == 5
    current = chosen[-1]
    for reused in chosen[-5:-1]:
        with pytest.raises(Exception, match="最近 5 次"):
            _change(bob, current, reused)
    # The sixth most recent (the factory's) is allowed again.
    _change(bob, current, PASSWORD)
    bob.refresh_from_db()
    assert bob.check_password(PASSWORD)


def test_history_holds_hashes_only(bob):
    _change(bob, PASSWORD, "Neue#Password1")
    row = PasswordHistory.objects.get(user=bob)
    assert "Neue#Password1" not in row.password and row.password == User.objects.get(pk=bob.pk).password


def test_an_administrators_reset_forces_a_change_at_next_login(client, sysadm, bob):
    services.reset_password(by=sysadm, target=bob, new_password="Reset#Pass2026")
    bob.refresh_from_db()
    assert bob.must_change_password
    client.post("/accounts/login/", {"username": "bob", "password": "Reset#Pass2026"})
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"] == CHANGE
    response = client.get(CHANGE)
    assert response.status_code == 200 and "由管理员设置" in response.content.decode()
    # An htmx request is sent to the page as a whole, not swapped into a fragment.
    response = client.get(HOME, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == CHANGE
    # Logging out still works.
    assert client.post("/accounts/logout/").status_code == 302
    client.post("/accounts/login/", {"username": "bob", "password": "Reset#Pass2026"})
    response = client.post(
        CHANGE,
        {"old_password": "Reset#Pass2026", "new_password": "Mine#Own2026x", "new_password_confirm": "Mine#Own2026x"},
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    assert not bob.must_change_password and bob.password_changed_at is not None
    assert client.get(HOME).status_code == 200


def test_a_new_account_changes_its_password_at_first_login(client, sysadm):
    created = services.create_user(by=sysadm, username="newclerk", password="Start#Pass2026")
    assert created.must_change_password
    client.force_login(created)
    assert client.get(HOME)["Location"] == CHANGE


def test_own_change_without_the_owner_context_still_forces(bob):
    """Forgetting ``set_by_owner`` errs on the safe side."""
    services.change_own_password(user=bob, old_password=PASSWORD, new_password="Neue#Password1")
    bob.refresh_from_db()
    assert bob.must_change_password


def test_an_expired_password_must_be_changed(client, settings, bob):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    User.objects.filter(pk=bob.pk).update(password_changed_at=timezone.now() - dt.timedelta(days=91))
    client.force_login(User.objects.get(pk=bob.pk))
    response = client.get(HOME, follow=True)
    assert response.redirect_chain[-1][0] == CHANGE
    assert "超过 90 天未修改" in response.content.decode()


def test_expiry_can_be_turned_off_and_counts_from_joining(client, settings, bob):
    User.objects.filter(pk=bob.pk).update(date_joined=timezone.now() - dt.timedelta(days=400))
    settings.PASSWORD_MAX_AGE_DAYS = 0
    client.force_login(User.objects.get(pk=bob.pk))
    assert client.get(HOME).status_code == 200
    settings.PASSWORD_MAX_AGE_DAYS = 365
    assert client.get(HOME)["Location"] == CHANGE


@pytest.fixture
def demo_county_admin(org_in_a):
    """What load_demo leaves: demo facts, and county_admin created through create_user by nobody
    (so with a password set by someone else)."""
    org_in_a.facts.update(source=FactSource.DEMO)
    return services.create_user(by=None, username="county_admin", password=PASSWORD, role=Role.COUNTY_ADMIN)


def test_demo_accounts_are_exempt_in_demo_mode(client, settings, demo_county_admin):
    settings.DEMO_MODE = True
    assert demo_county_admin.must_change_password
    client.force_login(demo_county_admin)
    assert client.get(HOME).status_code == 200
    assert passwords.password_change_reason(demo_county_admin) is None


def test_demo_accounts_are_not_exempt_outside_demo_mode(client, settings, demo_county_admin):
    settings.DEMO_MODE = False
    client.force_login(demo_county_admin)
    assert client.get(HOME)["Location"] == CHANGE


def test_a_demo_name_without_demo_data_is_not_exempt(client, settings, county):
    settings.DEMO_MODE = True
    user = services.create_user(by=None, username="county_admin", password=PASSWORD, role=Role.COUNTY_ADMIN)
    client.force_login(user)
    assert client.get(HOME)["Location"] == CHANGE


def test_an_account_a_visitor_adds_to_the_demo_is_not_exempt(client, settings, demo_county_admin, sysadm):
    settings.DEMO_MODE = True
    other = services.create_user(by=sysadm, username="visitor_made", password=PASSWORD)
    client.force_login(other)
    assert client.get(HOME)["Location"] == CHANGE


def test_factory_accounts_are_not_forced(client, bob):
    user = UserFactory(username="plain", role=Role.LEADER)
    assert not user.must_change_password
    client.force_login(user)
    assert client.get(HOME).status_code == 200
