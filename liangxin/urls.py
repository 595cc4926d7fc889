from django.urls import include, path

from liangxin.accounts.views import home
from liangxin.core.views import todo_page
from liangxin.health import healthz

# Every URL name here needs a line in liangxin/accounts/access.py (who may use it); without one
# it answers 403 to everyone, and accounts/tests/test_access.py fails.
urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),  # monitoring, no login: liangxin/health.py
    path("todo/", todo_page, name="todo"),  # the clerks' home page
    path("accounts/", include("liangxin.accounts.urls")),
    path("registry/", include("liangxin.registry.urls")),
    path("audit/", include("liangxin.audit.urls")),
    path("census/", include("liangxin.census.urls")),  # census import in the browser
    path("campaigns/", include("liangxin.campaigns.urls")),  # census campaigns
    path("reconcile/", include("liangxin.reconcile.urls")),  # the register against registration lists
    path("security/", include("liangxin.security.urls")),  # two-factor login, lockouts
    path("formation/", include("liangxin.formation.urls")),  # the register of organizations without one
    path("coverage/", include("liangxin.coverage.urls")),  # coverage against targets
    path("funding/", include("liangxin.funding.urls")),  # budget allocation, dues, activity funds, rewards
    path("mobility/", include("liangxin.mobility.urls")),  # mobile party members
    path("development/", include("liangxin.development.urls")),  # member development (发展党员)
    path("talent/", include("liangxin.talent.urls")),  # the party workers' talent pool
    path("standards/", include("liangxin.standards.urls")),  # five ones checklist, five-goods assessment
    path("orglife/", include("liangxin.orglife.urls")),  # organization life: activities, compliance
    path("training/", include("liangxin.training.urls")),  # training records and the yearly gap list
    path("liaison/", include("liangxin.liaison.urls")),  # liaison and demonstration points, joint meeting
    path("", include("liangxin.api.urls")),  # the JSON API (/api/) and its tokens (/tokens/)
]

# Django's own 400 page reads the request body again for its CSRF check (a 500 when that body is
# what was bad), and is in English.
handler400 = "liangxin.security.views.bad_request"
