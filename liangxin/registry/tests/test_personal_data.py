"""Members' personal data on every page and export that shows members, as each role sees it.

The reconstruction test plays the attacker of docs/personal-data.md: it knows the county's area
codes (current and former), reads everything a page or file shows about one member (the masked ID
number, the birth date or year, the sex) and counts the ID numbers that agree with all of it and
with the GB 11643 check character. No page may leave fewer than ``MIN_CANDIDATES``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from django.urls import reverse
from stdnum.cn import ric

from liangxin.accounts.roles import Role
from liangxin.testing.factories import MemberFactory, member_through_service, valid_id_number
from liangxin.testing.responses import body_text

# Four unknown digits and the check character: about 10,000 / 11.
MIN_CANDIDATES = 900
PHONE = "13812345678"
MASKED_PHONE = "138****5678"
BIRTH = dt.date(1990, 3, 21)
NUMBER = valid_id_number(457, birth=BIRTH)  # 532226 19900321 457 + check: 罗平县's code until 1997
COUNTY_AREA_CODES = ("530324", "532226")  # 罗平县 now, and 曲靖地区罗平县 before 1997


def _date_texts(day: dt.date) -> list[str]:
    return [
        day.isoformat(),
        f"{day:%Y/%m/%d}",
        f"{day:%Y%m%d}",
        f"{day.year}年{day.month}月{day.day}日",
        f"{day.year}-{day.month}-{day.day}",
        f"{day.year}/{day.month}/{day.day}",
    ]


def _known_characters(text: str, number: str) -> list[str | None]:
    """Characters of ``number`` that some masked or clear form in ``text`` gives away."""
    known: list[str | None] = [None] * 18
    for token in re.findall(r"[0-9Xx*]{18}", text):
        token = token.upper()
        shown = [(i, ch) for i, ch in enumerate(token) if ch != "*"]
        if shown and all(number[i] == ch for i, ch in shown):  # this member's, not another's
            for i, ch in shown:
                known[i] = ch
    return known


def _days(year: int) -> Iterator[dt.date]:
    day = dt.date(year, 1, 1)
    while day.year == year:
        yield day
        day += dt.timedelta(days=1)


def candidates(text: str, *, number: str, birth: dt.date, sex_digit_odd: bool, enough: int = MIN_CANDIDATES) -> int:
    """How many ID numbers agree with what ``text`` shows, counted up to ``enough``. The attacker
    is granted the birth year whenever the year appears anywhere (it usually does), and the sex
    (always shown)."""
    known = _known_characters(text, number)
    if all(ch is not None for ch in known):
        return 1
    if any(t in text for t in _date_texts(birth)):
        days = [birth]
    elif str(birth.year) in text:
        days = list(_days(birth.year))
    else:
        days = [d for year in range(birth.year - 40, birth.year + 40) for d in _days(year)]
    areas = [a for a in COUNTY_AREA_CODES if all(known[i] in (None, a[i]) for i in range(6))]
    days = [d for d in days if all(known[6 + i] in (None, ch) for i, ch in enumerate(f"{d:%Y%m%d}"))]
    sequences = [
        f"{n:03d}"
        for n in range(1000)
        if (n % 2 == 1) == sex_digit_odd and all(known[14 + i] in (None, ch) for i, ch in enumerate(f"{n:03d}"))
    ]
    count = 0
    for area in areas:
        for day in days:
            for sequence in sequences:
                body = f"{area}{day:%Y%m%d}{sequence}"
                # python-stdnum takes the whole number and ignores its last character.
                if known[17] is None or ric.calc_check_digit(body + "0") == known[17]:
                    count += 1
                    if count >= enough:
                        return count
    return count


def test_the_attack_rebuilds_the_number_from_the_old_masked_form_and_the_birth_date():
    """The test's own check: the form shown before (first four, last four, and the birth date)
    leaves one candidate, and last four with the birth year still only a few dozen."""
    old = f"{NUMBER[:4]}{'*' * 10}{NUMBER[-4:]} {BIRTH.isoformat()}"
    assert candidates(old, number=NUMBER, birth=BIRTH, sex_digit_odd=True) == 1
    last_four_and_year = f"{'*' * 14}{NUMBER[-4:]} {BIRTH.year}"
    assert candidates(last_four_and_year, number=NUMBER, birth=BIRTH, sex_digit_odd=True) < 100
    now = f"{'*' * 16}{NUMBER[-2:]} {BIRTH.year}"
    assert candidates(now, number=NUMBER, birth=BIRTH, sex_digit_odd=True, enough=10**6) > 5000


@pytest.fixture
def subject(alice, branch_a, org_in_a):
    """A member of township A, created through the service (so its creation is audited)."""
    return member_through_service(
        by=alice, name="周敏", id_number=NUMBER, phone=PHONE, party_organization=branch_a, employer=org_in_a
    )


@pytest.fixture
def unrostered(org_in_a):
    """A member on no roster, for the 一个不能少 pages."""
    number = valid_id_number(458, birth=BIRTH)
    return MemberFactory(name="吴刚", id_number=number, birth_date=BIRTH, phone=PHONE, employer=org_in_a), number


def _member_pages(subject, org_in_a, branch_a) -> list[str]:
    return [
        reverse("registry:member_list"),
        reverse("registry:member_list") + "?q=周敏",
        reverse("registry:member_export") + "?format=csv",
        reverse("registry:member_export") + "?format=xlsx",
        subject.get_absolute_url(),
        org_in_a.get_absolute_url(),
        reverse("registry:organization_member_export", args=[org_in_a.pk]) + "?format=csv",
        reverse("registry:organization_member_export", args=[org_in_a.pk]) + "?format=xlsx",
        branch_a.get_absolute_url(),
        reverse("registry:party_organization_member_export", args=[branch_a.pk]) + "?format=csv",
    ]


@pytest.mark.parametrize("who", ["bob", "alice", "lily", "dave", "sam"])
def test_no_page_or_export_lets_a_role_rebuild_the_id_number(client, request, who, subject, org_in_a, branch_a):
    client.force_login(request.getfixturevalue(who))
    for url in _member_pages(subject, org_in_a, branch_a):
        response = client.get(url)
        assert response.status_code == 200, url
        text = body_text(response)
        assert "周敏" in text, url  # the page does show the member
        assert NUMBER not in text, url
        found = candidates(text, number=NUMBER, birth=BIRTH, sex_digit_odd=True)
        assert found >= MIN_CANDIDATES, f"{who} {url}: {found} candidates"


def test_the_member_list_export_as_a_township_clerk(client, bob, subject):
    client.force_login(bob)
    text = body_text(client.get(reverse("registry:member_export"), {"format": "csv"}))
    assert "周敏" in text and str(BIRTH.year) in text and BIRTH.isoformat() not in text
    assert "*" * 16 + NUMBER[-2:] in text
    assert candidates(text, number=NUMBER, birth=BIRTH, sex_digit_odd=True) >= MIN_CANDIDATES


@pytest.mark.parametrize("who", ["bob", "alice"])
def test_the_pages_of_members_on_no_roster_give_nothing_away(client, request, who, unrostered):
    member, number = unrostered
    client.force_login(request.getfixturevalue(who))
    for url in (reverse("formation:unrostered_list"), reverse("formation:member_action", args=[member.pk])):
        text = body_text(client.get(url))
        assert "吴刚" in text, url
        assert candidates(text, number=number, birth=BIRTH, sex_digit_odd=False) >= MIN_CANDIDATES, url
        assert PHONE not in text


def test_the_audit_administrator_cannot_rebuild_it_from_the_audit_log(client, auditor, subject):
    from liangxin.audit.models import AuditAction, AuditRecord

    record = AuditRecord.objects.get(action=AuditAction.CREATE, object_id=str(subject.pk))
    assert record.changes["birth_date"] == [None, str(BIRTH.year)]
    assert record.changes["phone"] == [None, MASKED_PHONE]
    client.force_login(auditor)
    for url in (
        reverse("audit:record_detail", args=[record.pk]),
        reverse("audit:record_list"),
        reverse("audit:record_list") + "?format=csv",
    ):
        text = body_text(client.get(url))
        assert "周敏" in text, url
        assert PHONE not in text, url
        assert candidates(text, number=NUMBER, birth=BIRTH, sex_digit_odd=True) >= MIN_CANDIDATES, url


# --- Phone numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "in_full"),
    [("bob", True), ("sam", True), ("alice", False), ("lily", False), ("dave", False)],
)
def test_the_full_phone_number_only_for_those_who_call_members(client, request, who, in_full, subject):
    user = request.getfixturevalue(who)
    assert (user.role in (Role.TOWNSHIP_CLERK, Role.SECRETARY)) is in_full
    client.force_login(user)
    html = client.get(subject.get_absolute_url()).content.decode()
    if in_full:
        assert PHONE in html
    else:
        assert PHONE not in html and MASKED_PHONE in html


@pytest.mark.parametrize("who", ["bob", "sam", "alice", "lily", "dave"])
def test_lists_and_exports_never_hold_a_full_phone_number(client, request, who, subject, org_in_a, branch_a):
    client.force_login(request.getfixturevalue(who))
    for url in _member_pages(subject, org_in_a, branch_a):
        if url == subject.get_absolute_url():
            continue
        assert PHONE not in body_text(client.get(url)), url
