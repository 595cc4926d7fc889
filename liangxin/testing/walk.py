"""Walking the site as a user, for the tests that must reach every page, form and parameter.

``crawl`` starts from every pattern of the URL conf (object patterns with the objects the test
gives) and follows the links of the pages it gets, as the logged-in client. From each page it
reads what a browser could send:

- every ``<form>``: its method, action, and each field with its type, the page's value and the
  options of a select, a radio group or a checkbox group;
- every link with a query string and every htmx request (``hx-get``/``hx-post``): the
  parameters they carry;
- the parameters each view reads itself, found in its source: ``request.GET.get("page")`` and
  the fields of a form bound to ``request.GET`` or ``request.POST``, with their types.

The result is a list of ``Target``s (method, path, fields) to feed.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from django import forms
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404

# Kinds of value a field takes.
TEXT, DATE, NUMBER, CHOICE, MULTIPLE, CHECK, FILE, PASSWORD, SECRET = (
    "text",
    "date",
    "number",
    "choice",
    "multiple",
    "check",
    "file",
    "password",
    "secret",
)


@dataclass
class Field:
    name: str
    kind: str
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class Target:
    method: str  # "get" or "post"
    path: str
    view_name: str
    fields: dict[str, Field] = field(default_factory=dict)
    found_on: str = ""
    multipart: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)


def url_views(
    patterns: list[Any] | None = None, namespace: str = "", route: str = ""
) -> Iterator[tuple[str, str, Callable[..., Any]]]:
    """(name, route, view) of every named pattern of the URL conf."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_views(entry.url_patterns, ns, route + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", route + str(entry.pattern), entry.callback


def url_patterns() -> Iterator[tuple[str, str]]:
    """(name, route) of every named pattern of the URL conf."""
    for name, route, _view in url_views():
        yield name, route


# --- Reading a page -------------------------------------------------------------------------------

_INPUT_KINDS = {
    "date": DATE,
    "number": NUMBER,
    "checkbox": CHECK,
    "radio": CHOICE,
    "file": FILE,
    "password": PASSWORD,
}


class PageReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self.links: list[str] = []
        self.htmx: list[tuple[str, str, dict[str, Field]]] = []
        self._form: dict[str, Any] | None = None
        self._select: Field | None = None
        self._selected = False
        self._textarea: Field | None = None

    def _add(self, fields: dict[str, Field], new: Field) -> None:
        old = fields.get(new.name)
        if old is None:
            fields[new.name] = new
            return
        if new.value and not old.value:  # the checked one of a radio group
            old.value = new.value
        # A radio or checkbox group, or a name used twice: one field with every value as an option.
        for value in (new.value, *new.options):
            if value and value not in old.options:
                old.options.append(value)
        if old.kind in (CHECK, TEXT) and new.kind in (CHECK, CHOICE):
            old.kind = MULTIPLE if new.kind == CHECK else CHOICE

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        for method in ("get", "post"):
            url = attrs.get(f"hx-{method}")
            if url:
                fields: dict[str, Field] = {}
                if attrs.get("name"):
                    fields[attrs["name"]] = Field(attrs["name"], TEXT, attrs.get("value", ""))
                self.htmx.append((method, url, fields))
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "form":
            self._form = {
                "method": (attrs.get("method") or "get").lower(),
                "action": attrs.get("action", ""),
                "multipart": "multipart" in attrs.get("enctype", ""),
                "fields": {},
            }
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        fields = self._form["fields"]
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "reset", "image"):
            kind = _INPUT_KINDS.get(attrs.get("type", "text"), TEXT)
            if kind == TEXT and attrs.get("type") == "hidden" and attrs.get("value", "").isdigit():
                kind = NUMBER
            value = attrs.get("value", "on" if kind == CHECK else "")
            checked = "checked" in attrs
            options = [value] if kind in (CHECK, CHOICE) else []
            self._add(fields, Field(name, kind, value if (checked or kind not in (CHECK, CHOICE)) else "", options))
        elif tag == "select" and name:
            self._select = Field(name, MULTIPLE if "multiple" in attrs else CHOICE)
            self._add(fields, self._select)
            self._select = fields[name]
            self._selected = False
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            self._select.options.append(value)
            if "selected" in attrs or (not self._selected and self._select.kind == CHOICE):
                # A single select sends its first option unless another is selected.
                self._select.value = value
                self._selected = "selected" in attrs
        elif tag == "textarea" and name:
            self._textarea = Field(name, TEXT)
            self._add(fields, self._textarea)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._form = None


# --- What a view reads itself ---------------------------------------------------------------------

_PARAM = re.compile(r"request\.(GET|POST)(?:\.get|\.getlist)?[\(\[]\s*[\"'](\w+)[\"']")
_BOUND_FORM = re.compile(r"(\w+Form)\(\s*(?:data=)?request\.(GET|POST)")
_CALLS = re.compile(r"\b(_?\w+)\(")


def _form_field_kind(form_field: forms.Field) -> str:
    if isinstance(form_field, forms.FileField):
        return FILE
    if isinstance(form_field, (forms.DateField, forms.DateTimeField)):
        return DATE
    if isinstance(form_field, forms.ModelMultipleChoiceField | forms.MultipleChoiceField):
        return MULTIPLE
    if isinstance(form_field, (forms.ModelChoiceField, forms.IntegerField, forms.DecimalField, forms.FloatField)):
        return NUMBER
    if isinstance(form_field, forms.ChoiceField | forms.NullBooleanField):
        return CHOICE
    if isinstance(form_field, forms.BooleanField):
        return CHECK
    if isinstance(form_field.widget, forms.PasswordInput):
        return PASSWORD
    return TEXT


def _choices(form_field: forms.Field) -> list[str]:
    if isinstance(form_field, forms.ChoiceField) and not isinstance(form_field, forms.ModelChoiceField):
        try:
            return [str(value) for value, _label in form_field.choices if not isinstance(_label, (list, tuple))]
        except Exception:
            return []
    return []


def _source(func: Callable[..., Any]) -> str:
    try:
        return textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        return ""


def view_sources(callback: Callable[..., Any]) -> list[str]:
    """The source of a view and of the functions of its module it calls."""
    func = inspect.unwrap(getattr(callback, "view_class", None) or callback)
    module = inspect.getmodule(func)
    sources = [_source(func)]
    if module is not None:
        for name in set(_CALLS.findall(sources[0])):
            helper = getattr(module, name, None)
            if inspect.isfunction(helper) and helper.__module__ == module.__name__ and helper is not func:
                sources.append(_source(helper))
    return sources


def view_parameters(callback: Callable[..., Any]) -> dict[str, dict[str, Field]]:
    """{"get"|"post": fields} a view reads from its source and the module functions it calls."""
    func = inspect.unwrap(getattr(callback, "view_class", None) or callback)
    module = inspect.getmodule(func)
    sources = view_sources(callback)
    found: dict[str, dict[str, Field]] = {"get": {}, "post": {}}
    for source in sources:
        for where, name in _PARAM.findall(source):
            found[where.lower()].setdefault(name, Field(name, TEXT))
        for form_name, where in _BOUND_FORM.findall(source):
            form_class = getattr(module, form_name, None)
            if not (inspect.isclass(form_class) and issubclass(form_class, forms.BaseForm)):
                continue
            for name, form_field in form_class.base_fields.items():
                found[where.lower()].setdefault(
                    name, Field(name, _form_field_kind(form_field), options=_choices(form_field))
                )
    return found


# --- Crawling ------------------------------------------------------------------------------------


def _view_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


@dataclass
class Crawl:
    targets: dict[tuple[str, str], Target] = field(default_factory=dict)
    pages: dict[str, int] = field(default_factory=dict)  # path → status of the GET
    file_inputs: dict[str, str] = field(default_factory=dict)  # view name of an action → page it was on

    def target(self, method: str, path: str, view_name: str, found_on: str) -> Target:
        key = (method, path)
        if key not in self.targets:
            self.targets[key] = Target(method, path, view_name, found_on=found_on)
        return self.targets[key]


def _internal(url: str, base: str) -> tuple[str, list[tuple[str, str]]] | None:
    absolute = urljoin(f"http://testserver{base}", url)
    parts = urlsplit(absolute)
    if parts.netloc != "testserver" or parts.scheme not in ("http", "https"):
        return None
    return parts.path, parse_qsl(parts.query, keep_blank_values=True)


def crawl(
    client: Any,
    seeds: list[str],
    *,
    skip: Callable[[str], bool] = lambda view_name: False,
    per_pattern: int = 2,
) -> Crawl:
    """GET the seeds and the pages they link to (at most ``per_pattern`` paths per URL pattern);
    collect the targets found on them and the view parameters of every pattern reached."""
    result = Crawl()
    queue = list(dict.fromkeys(seeds))
    seen_per_pattern: dict[str, int] = {}
    seen: set[str] = set()
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        view_name = _view_name(path)
        if view_name is None or skip(view_name):
            continue
        if seen_per_pattern.get(view_name, 0) >= per_pattern:
            continue
        seen_per_pattern[view_name] = seen_per_pattern.get(view_name, 0) + 1
        response = client.get(path)
        result.pages[path] = response.status_code
        if response.status_code not in (403, 404):  # a page the user may not open: nothing to feed
            for method, params in view_parameters(resolve(path).func).items():
                if params:
                    target = result.target(method, path, view_name, found_on="view source")
                    for name, param in params.items():
                        target.fields.setdefault(name, param)
        content_type = response.get("Content-Type", "")
        if response.status_code != 200 or response.streaming or not content_type.startswith("text/html"):
            continue
        reader = PageReader()
        reader.feed(response.content.decode("utf-8", errors="replace"))
        for form in reader.forms:
            found = _internal(form["action"] or path, path)
            if found is None:
                continue
            action, query = found
            name = _view_name(action)
            if name is None or skip(name):
                continue
            target = result.target(form["method"], action, name, found_on=path)
            target.multipart = target.multipart or form["multipart"]
            for key, value in query:
                target.fields.setdefault(key, Field(key, TEXT, value))
            for form_field in form["fields"].values():
                if form_field.kind == FILE:
                    result.file_inputs.setdefault(name, path)
                known = target.fields.get(form_field.name)
                if known is None or known.kind == TEXT or not known.options:
                    target.fields[form_field.name] = form_field
        for method, url, params in reader.htmx:
            found = _internal(url, path)
            if found is None or _view_name(found[0]) is None:
                continue
            action, query = found
            target = result.target(method, action, str(_view_name(action)), found_on=path)
            for key, value in query:
                target.fields.setdefault(key, Field(key, TEXT, value))
            for key, param in params.items():
                target.fields.setdefault(key, param)
            queue.append(action)
        for href in reader.links:
            found = _internal(href, path)
            if found is None:
                continue
            link, query = found
            name = _view_name(link)
            if name is None:
                continue
            if query:
                target = result.target("get", link, name, found_on=path)
                for key, value in query:
                    target.fields.setdefault(key, Field(key, TEXT, value))
            queue.append(link)
    return result


def pattern_url(name: str, route: str, objects: dict[str, Any]) -> str | None:
    """The URL of a pattern: with ``objects[name].pk`` for an object pattern, else plain."""
    if "<" in route:
        obj = objects.get(name)
        return None if obj is None else reverse(name, kwargs={"pk": obj.pk})
    try:
        return reverse(name)
    except Exception:
        return None
