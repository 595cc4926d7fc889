"""The API object (django-ninja): its version-1 router, the bearer scheme the OpenAPI document
declares, the JSON renderer, and the reference page — rendered here from the OpenAPI document on
the server, with no script, so that it works under the site's strict Content-Security-Policy and
needs nothing from outside."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from ninja import NinjaAPI
from ninja.openapi.docs import DocsBase
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer

from . import tokens
from .models import ApiToken
from .pagination import ApiError
from .v1 import router as v1

DESCRIPTION = """两新党建管理系统的只读数据接口。

每个数据请求带请求头 `Authorization: Bearer <令牌>`;令牌由账号本人在“数据接口令牌”页面创建(只显示一次),
范围与该账号的页面完全相同:范围外的对象为 404,角色无权的页面为 403,无令牌或令牌无效为 401,
每个令牌每分钟超过限额为 429。列表按 id 升序分页:用返回的 `next_cursor` 取下一页。
地点和分组一律以代码标识:乡镇 9 位区划代码、村(社区)12 位、行业主管部门代码、组织的统一社会信用代码。"""


class TokenAuth(HttpBearer):
    """The bearer scheme of the document. ``ApiTokenMiddleware`` has checked the token before
    the view (401 otherwise); this second check only accepts the token it found."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found: ApiToken | None = getattr(request, "api_token", None)
        if found is None or found.key_hash != tokens.digest(token):
            return None
        return found


class Renderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}


def _type(schema: Any) -> str:
    """A schema fragment as a short type for the reference page."""
    if not isinstance(schema, dict):
        return "any"
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(_type(s) for s in schema["anyOf"])
    if "allOf" in schema:
        return " & ".join(_type(s) for s in schema["allOf"])
    kind = schema.get("type", "")
    if kind == "array":
        return f"list[{_type(schema.get('items', {}))}]"
    if kind == "object" and "additionalProperties" in schema:
        return f"dict[str, {_type(schema['additionalProperties'])}]"
    if "format" in schema:
        return f"{kind} ({schema['format']})"
    return str(kind or "any")


def _constraints(schema: dict[str, Any]) -> str:
    parts = []
    if "enum" in schema:
        parts.append(" / ".join(str(v) for v in schema["enum"]))
    for key, label in (("pattern", "格式"), ("minimum", "≥"), ("maximum", "≤"), ("maxLength", "最长")):
        if key in schema:
            parts.append(f"{label} {schema[key]}")
    if "default" in schema and schema["default"] is not None:
        parts.append(f"默认 {schema['default']}")
    return ";".join(parts)


def reference(document: dict[str, Any]) -> dict[str, Any]:
    """What the reference page shows of the OpenAPI document: each operation with its parameters
    and answers, each schema with its fields."""
    schemas = document.get("components", {}).get("schemas", {})
    operations = []
    for path, methods in document.get("paths", {}).items():
        for method, op in methods.items():
            parameters = []
            for p in op.get("parameters", []):
                schema = p.get("schema", {})
                if "$ref" in schema:  # an enum of codes
                    schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1], schema)
                if "anyOf" in schema:
                    inner = [s for s in schema["anyOf"] if s.get("type") != "null"]
                    if len(inner) == 1:
                        schema = {**schemas.get(inner[0].get("$ref", "").rsplit("/", 1)[-1], inner[0]), **schema}
                parameters.append(
                    {
                        "name": p["name"],
                        "where": p["in"],
                        "required": p.get("required", False),
                        "type": _type(schema),
                        "constraints": _constraints(schema),
                        "description": p.get("description", schema.get("description", "")),
                    }
                )
            responses = [
                {"status": status, "type": _type(body.get("content", {}).get("application/json", {}).get("schema", {}))}
                for status, body in op.get("responses", {}).items()
            ]
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": parameters,
                    "responses": responses,
                    "anchor": op.get("operationId", ""),
                }
            )
    models = [
        {
            "name": name,
            "description": schema.get("description", ""),
            "enum": " / ".join(str(v) for v in schema.get("enum", [])),
            "fields": [
                {
                    "name": field,
                    "type": _type(spec),
                    "required": field in schema.get("required", []),
                    "description": spec.get("description", ""),
                }
                for field, spec in schema.get("properties", {}).items()
            ],
        }
        for name, schema in sorted(schemas.items())
    ]
    return {"operations": operations, "models": models}


class ReferencePage(DocsBase):
    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        document = api.get_openapi_schema(path_params=kwargs)
        context = {
            "title": api.title,
            "version": api.version,
            "description": api.description,
            "openapi_url": reverse("api:openapi-json"),
            "security": document.get("components", {}).get("securitySchemes", {}),
            **reference(dict(document)),
        }
        return render(request, "api/reference.html", context)


def _api_error(request: HttpRequest, exc: ApiError | type[ApiError]) -> HttpResponse:
    assert isinstance(exc, ApiError)  # ninja passes the raised instance
    return api.create_response(request, {"detail": exc.detail}, status=exc.status)


api = NinjaAPI(
    title="两新党建管理系统数据接口",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs=ReferencePage(),
    docs_url="/docs/",
    # The document and its reference page are public; the data paths answer 401 without a token.
    docs_decorator=login_not_required,
    auth=TokenAuth(),
    renderer=Renderer(),
)
api.add_exception_handler(ApiError, _api_error)
api.add_router("/v1/", v1)
