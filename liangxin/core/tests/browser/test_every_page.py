"""Every page of every role, as the user sees it in Chromium: at 390 px (a phone) nothing makes the
page itself scroll sideways (a wide table scrolls inside its own box), and every checkbox and radio
button sits on the same line as its label, at 390 px and at 1366 px.

The pages are those a signed-in user reaches: the walk of the no-server-error test
(``liangxin.testing.walk``) from every pattern of the URL conf, with township B's object for each
object pattern, one page per pattern; downloads are left out.
"""

from __future__ import annotations

import pytest
from django.test import Client

from liangxin.testing import walk
from liangxin.testing.browser import DESKTOP, PHONE, choices_off_their_label, page_overflow

# Every role (None: an anonymous visitor), in two tests of about the same length: a browser test's
# setup (live server, the seeded rows restored) costs as much as walking a role's pages.
ROLE_GROUPS = [("alice", "lily", "carol"), ("dave", "sam", "sysadm", "secadm", "auditor", None)]
# Not a page: it ends the session the walk uses.
SKIP = {"accounts:logout"}


def pages_of(user, objects) -> list[str]:
    client = Client()
    if user is not None:
        client.force_login(user)
    seeds = [url for name, route in walk.url_patterns() if (url := walk.pattern_url(name, route, objects))]
    found = walk.crawl(client, seeds, skip=SKIP.__contains__, per_pattern=1)
    return sorted(
        path
        for path, status in found.pages.items()
        if status == 200 and not str(walk._view_name(path)).endswith("_export")
    )


@pytest.mark.parametrize("roles", ROLE_GROUPS, ids=["county-and-township", "others"])
def test_every_page_fits_a_phone_and_every_choice_sits_by_its_label(roles, request, page_for, township_b_objects):
    problems = []
    for role in roles:
        user = request.getfixturevalue(role) if role else None
        paths = pages_of(user, township_b_objects)
        assert paths, role
        phone = page_for(user, width=PHONE[0])
        desktop = page_for(user, width=DESKTOP[0])
        for path in paths:
            phone.goto(path)
            if not phone.locator("main").count():
                continue  # an htmx fragment, drawn inside a page
            problems += [f"{role or 'anonymous'}: {p}" for p in [page_overflow(phone)] if p]
            problems += [f"{role or 'anonymous'}: {p}" for p in choices_off_their_label(phone)]
            if phone.locator("input[type=checkbox], input[type=radio]").count():
                desktop.goto(path)
                problems += [f"{role or 'anonymous'}: {p}" for p in choices_off_their_label(desktop)]
    assert not problems, "\n".join(problems)
