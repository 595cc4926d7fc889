"""Every checkbox and radio button sits beside its label: on the forms it is drawn inside the
label of its choice, which the stylesheet lays out as one row at every width (a checkbox drawn
apart from its label ended on a line of its own, away from its text). What a browser draws is
checked by the browser tests; this one holds the markup and the stylesheet to the contract."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from liangxin.testing.factories import OrganizationFactory


class ChoiceInputs(HTMLParser):
    """Each checkbox/radio input: its id, and the text of the label that contains it (None when
    no label contains it)."""

    def __init__(self) -> None:
        super().__init__()
        self.labels: list[list[str]] = []
        self.found: list[tuple[str, list[str] | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "label":
            self.labels.append([])
        elif tag == "input" and a.get("type") in ("checkbox", "radio"):
            self.found.append((a.get("id") or a.get("name") or "?", self.labels[-1] if self.labels else None))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self.labels:
            self.labels.pop()

    def handle_data(self, data: str) -> None:
        for text in self.labels:
            text.append(data)


def _choices(body: str) -> list[tuple[str, str | None]]:
    """The choices of the page's forms, in ``<main>`` (the header's 菜单 checkbox on a phone is a
    toggle beside its button-like label, not a choice of a form)."""
    parser = ChoiceInputs()
    parser.feed(body[body.find("<main") : body.rfind("</main>")])
    return [(name, None if text is None else "".join(text).strip()) for name, text in parser.found]


@pytest.fixture
def pages(township_a, org_in_a):
    lead = OrganizationFactory(name="九龙茶叶公司", township=township_a, industry_code="C15", facts={"full_members": 2})
    OrganizationFactory(name="九龙茶厂", township=township_a, industry_code="C15", facts={"full_members": 1})
    return {
        "organization_create": reverse("registry:organization_create"),
        "plan_form": reverse("formation:plan_edit", args=[lead.pk]),
        "register_filters": reverse("formation:register_list"),
        "joint_review": reverse("formation:joint_review") + f"?township={township_a.pk}&organizations={lead.pk}",
    }


def test_every_checkbox_and_radio_is_inside_its_label(client, bob, pages):
    client.force_login(bob)
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        found = _choices(response.content.decode())
        assert found, f"{name}: no choices to check"
        apart = [field for field, text in found if not text]
        assert not apart, f"{name}: checkbox/radio outside its label: {apart}"


def test_the_stylesheet_lays_a_choice_and_its_label_out_in_one_row():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "app.css").read_text(encoding="utf-8")
    # The form grid stretches its inputs; a checkbox or radio must keep its own width.
    rule = re.search(r'input\[type="checkbox"\], input\[type="radio"\][^{]*\{([^}]*)\}', css)
    assert rule and "width: auto" in rule.group(1)
    row = re.search(r'label\.choice[^{]*label:has\(> input\[type="checkbox"\]\)[^{]*\{([^}]*)\}', css)
    assert row and "display: flex" in row.group(1) and "flex-direction: row" in row.group(1)
