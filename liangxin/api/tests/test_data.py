"""What the API answers: the pages' scope on lists, places and groups by their codes, census
figures as of a date, members masked, cursor pages in a stable order, ``updated_since``, the
pages' filters, and the indicator table (``indicators --json`` with the same codes)."""

from __future__ import annotations

import datetime as dt
import io
import json

from django.core.management import call_command
from django.utils import timezone

from liangxin.core import crypto
from liangxin.core.dates import today
from liangxin.coverage import selectors as coverage_selectors
from liangxin.registry.models import Member, Organization, OrganizationFacts, PartyOrganization
from liangxin.testing.api import bearer
from liangxin.testing.factories import OrganizationFactory

ORGS = "/api/v1/organizations"


def _get(client, user, path, **params):
    response = client.get(path, params, **bearer(user))
    assert response.status_code == 200, (path, response.status_code, response.content[:300])
    return response.json()


def test_lists_hold_exactly_the_accounts_scope(client, carol, bob, alice, org_in_a, org_in_b, member_a, member_b):
    for user, mine in ((carol, org_in_b), (bob, org_in_a)):
        ids = [o["id"] for o in _get(client, user, ORGS)["results"]]
        assert ids == [mine.pk]
        names = [m["name"] for m in _get(client, user, "/api/v1/members")["results"]]
        assert names == [Member.objects.get(relations__party_organization__township=mine.township).name]
        pos = [p["name"] for p in _get(client, user, "/api/v1/party-organizations")["results"]]
        assert pos == list(PartyOrganization.objects.filter(township=mine.township).values_list("name", flat=True))
    assert [o["id"] for o in _get(client, alice, ORGS)["results"]] == sorted([org_in_a.pk, org_in_b.pk])


def test_an_organization_names_its_places_by_code_with_the_figures_of_the_date(client, alice, org_in_a, branch_a):
    data = _get(client, alice, f"{ORGS}/{org_in_a.pk}")
    assert data["uscc"] == org_in_a.uscc
    assert data["township"] == {"code": "530324001", "name": "罗雄街道"}
    assert data["village"] == {"code": "530324001001", "name": "九龙社区居民委员会"}
    assert data["department"] == {"code": "GSL", "name": "县工商联"}
    assert data["category"]["code"] == org_in_a.category and data["category"]["label"]
    facts = org_in_a.facts.get()
    assert data["facts"]["employees"] == facts.employees and data["has_party_organization"] is True
    assert [h["valid_from"] for h in data["facts_history"]] == [facts.valid_from.isoformat()]
    assert data["coverages"][0]["party_organization"] == {"id": branch_a.pk, "name": branch_a.name}
    # Before its first census figures and its party organization: none of either.
    before = facts.valid_from - dt.timedelta(days=1)
    data = _get(client, alice, f"{ORGS}/{org_in_a.pk}", as_of=before.isoformat())
    assert data["as_of"] == before.isoformat() and data["facts"] is None
    assert data["has_party_organization"] is (branch_a.founded_on <= before)


def test_members_are_masked_and_no_full_id_number_goes_out(client, carol, member_b):
    full = crypto.decrypt(member_b.id_number_encrypted)
    listed = client.get("/api/v1/members", **bearer(carol))
    detail = client.get(f"/api/v1/members/{member_b.pk}", **bearer(carol))
    for response in (listed, detail):
        body = response.content.decode()
        assert member_b.name in body and full not in body and member_b.birth_date.isoformat() not in body
    data = detail.json()
    assert data["id_number_masked"] == member_b.id_number_masked and data["id_number_masked"].endswith(full[-2:])
    assert data["birth_year"] == member_b.birth_date.year
    assert data["relations"][0]["party_organization"]["name"] == "板桥星火煤业有限公司党支部"
    document = client.get("/api/openapi.json").json()
    fields = {f for s in document["components"]["schemas"].values() for f in s.get("properties", {})}
    assert "id_number_masked" in fields and not {"id_number", "id_number_encrypted", "birth_date"} & fields


def test_cursor_pages_follow_the_id_and_skip_or_repeat_nothing(client, carol, township_b):
    made = [OrganizationFactory(township=township_b) for _ in range(5)]
    header = bearer(carol)
    first = client.get(ORGS, {"limit": 2}, **header).json()
    assert [o["id"] for o in first["results"]] == [o.pk for o in made[:2]]
    late = OrganizationFactory(township=township_b)  # added between two pages: on a later page
    seen = [o["id"] for o in first["results"]]
    following = first["next"]
    while following:
        data = client.get(following, **header).json()
        seen += [o["id"] for o in data["results"]]
        following = data["next"]
    assert seen == [o.pk for o in made] + [late.pk]
    response = client.get(ORGS, {"cursor": "bm9uc2Vuc2U"}, **header)
    assert response.status_code == 400 and "cursor" in response.json()["detail"]


def test_updated_since_gives_the_rows_written_since(client, carol, org_in_b, township_b, member_b, branch_b):
    old = timezone.now() - dt.timedelta(days=30)
    quiet = OrganizationFactory(township=township_b)
    Organization.objects.update(updated_at=old)
    OrganizationFacts.objects.update(recorded_at=old)
    Member.objects.update(updated_at=old)
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert _get(client, carol, ORGS, updated_since=since)["results"] == []
    Organization.objects.filter(pk=org_in_b.pk).update(updated_at=timezone.now())
    assert [o["id"] for o in _get(client, carol, ORGS, updated_since=since)["results"]] == [org_in_b.pk]
    # New census figures count as a change of the organization.
    OrganizationFacts.objects.filter(organization=quiet).update(recorded_at=timezone.now())
    ids = [o["id"] for o in _get(client, carol, ORGS, updated_since=since)["results"]]
    assert ids == [org_in_b.pk, quiet.pk]
    assert _get(client, carol, "/api/v1/members", updated_since=since)["results"] == []
    # Party organizations keep no change time of their own: the audit log's is theirs.
    assert _get(client, carol, "/api/v1/party-organizations", updated_since=since)["results"] == []
    from liangxin.audit.services import log_change

    log_change(actor=carol, action="update", obj=branch_b, changes={"name": [branch_b.name, branch_b.name]})
    assert [p["id"] for p in _get(client, carol, "/api/v1/party-organizations", updated_since=since)["results"]] == [
        branch_b.pk
    ]


def test_filters_take_codes_as_the_pages_filter(client, alice, org_in_a, org_in_b):
    by_township = _get(client, alice, ORGS, township="530324102")["results"]
    assert [o["id"] for o in by_township] == [org_in_b.pk]
    assert [o["id"] for o in _get(client, alice, ORGS, department="GSL")["results"]] == [org_in_a.pk]
    assert _get(client, alice, ORGS, township="530324999")["results"] == []  # a code that names none
    assert [o["id"] for o in _get(client, alice, ORGS, q="板桥")["results"]] == [org_in_b.pk]
    assert client.get(ORGS, {"township": "530"}, **bearer(alice)).status_code == 422


def test_plans_campaigns_and_submissions_read_as_on_their_pages(client, carol, formation_plan_b, campaign_submission_b):
    plans = _get(client, carol, "/api/v1/formation-plans")["results"]
    assert [(p["id"], p["organization"]["township"], p["reason"]["code"]) for p in plans] == [
        (formation_plan_b.pk, "530324102", "no_members")
    ]
    campaigns = _get(client, carol, "/api/v1/campaigns")["results"]
    assert [c["code"] for c in campaigns] == ["MD2026"]
    submissions = _get(client, carol, "/api/v1/submissions")["results"]
    assert [(s["id"], s["township"]["code"], s["entry_count"]) for s in submissions] == [
        (campaign_submission_b.pk, "530324102", 1)
    ]
    detail = _get(client, carol, f"/api/v1/submissions/{campaign_submission_b.pk}")
    assert [e["name"] for e in detail["entries"]] == ["板桥镇摸底甲有限公司"]


def test_indicators_by_township_are_named_by_code_with_the_pages_figures(client, alice, carol, org_in_a, org_in_b):
    on = today()
    rows = _get(client, alice, "/api/v1/indicators", by="township")
    groups = coverage_selectors.indicator_table(user=alice, as_of=on, by="township")
    assert [(r["label"], r["code"]) for r in rows] == [
        (g.label, {"罗雄街道": "530324001", "板桥镇": "530324102"}.get(g.label)) for g in groups
    ]
    for row, group in zip(rows, groups, strict=True):
        assert {c: v["numerator"] for c, v in row["indicators"].items()} == {
            c: v.numerator for c, v in group.values.items()
        }
    [total] = _get(client, carol, "/api/v1/indicators")
    assert total["code"] == "530324102"  # a township clerk's total is his township's
    [total] = _get(client, alice, "/api/v1/indicators")
    assert total["code"] == org_in_a.township.parent.code


def test_the_indicators_command_keeps_its_shape_and_adds_the_code(org_in_a, org_in_b):
    out = io.StringIO()
    call_command("indicators", "--by", "township", "--json", stdout=out)
    rows = json.loads(out.getvalue())
    assert {r["label"]: r["code"] for r in rows if r["label"] in ("罗雄街道", "板桥镇")} == {
        "罗雄街道": "530324001",
        "板桥镇": "530324102",
    }
    assert all({"as_of", "by", "key", "code", "label", "indicators"} <= set(r) for r in rows)
    out = io.StringIO()
    call_command("indicators", "--by", "department", "--json", stdout=out)
    codes = {r["label"]: r["code"] for r in json.loads(out.getvalue())}
    assert codes["县工商联"] == "GSL"


def test_dates_outside_the_pages_range_are_a_clear_422(client, alice, org_in_a):
    response = client.get(ORGS, {"as_of": "1850-01-01"}, **bearer(alice))
    assert response.status_code == 422 and "as_of" in response.json()["detail"]


def test_a_member_is_mobile_while_registered_as_a_mobile_member(client, alice, carol, member_a, member_b):
    from liangxin.mobility import services as mobility

    mobility.register_outflow(
        by=carol, member=member_b, destination="广东省东莞市长安镇", since=dt.date(2026, 3, 1), employer_name="某厂"
    )
    members = {m["name"]: m["is_mobile"] for m in _get(client, alice, "/api/v1/members")["results"]}
    assert members == {member_a.name: False, member_b.name: True}
    assert [m["name"] for m in _get(client, alice, "/api/v1/members", is_mobile="true")["results"]] == [member_b.name]
    assert [m["name"] for m in _get(client, alice, "/api/v1/members", is_mobile="false")["results"]] == [member_a.name]
    assert _get(client, carol, f"/api/v1/members/{member_b.pk}")["is_mobile"] is True
