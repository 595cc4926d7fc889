from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from . import views
from .openapi import api

app_name = "api"

# The API's own URL conf (``api:…`` names), taken without its namespace so that the token pages
# share this app's. Every API path is exempt from the login middleware: none answers with the
# login page. The document and reference page are public; the data paths answer 401 without a
# valid token (``middleware.ApiTokenMiddleware``, which stands in for the login there).
# django-ninja exempts its views from CSRF; here no view is exempt (a POST to the read-only API
# is refused anyway, and a bearer token is not a credential a browser sends by itself).
_api_patterns, _app, _namespace = api.urls
for _pattern in _api_patterns:
    _view: Any = _pattern.callback
    _view.csrf_exempt = False
    _pattern.callback = login_not_required(_view)

urlpatterns = [
    path("api/", include(_api_patterns)),
    path("tokens/", views.token_list, name="token_list"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
