"""One settings module, driven by environment variables with safe defaults.

Development (``LIANGXIN_DEBUG=1``, what ``make run`` sets) works with no other variable.
Production (the default) refuses to start without a secret key and a field-encryption key.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LIANGXIN_VAR_DIR", BASE_DIR / "var"))


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("LIANGXIN_DEBUG", False)
# Demo mode lists the demo accounts on the login page. It follows DEBUG unless set explicitly.
DEMO_MODE = env_flag("LIANGXIN_DEMO", DEBUG)

_DEV_SECRET = "liangxin-development-only-secret-key-not-for-production"  # noqa: S105 (DEBUG only)
SECRET_KEY = os.environ.get("LIANGXIN_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "LIANGXIN_SECRET_KEY is not set. Set it (a long random string) or run with "
            "LIANGXIN_DEBUG=1 for development."
        )
    SECRET_KEY = _DEV_SECRET

# Key for citizen ID numbers at rest: 32 random bytes, base64-encoded
# (python -c "import os,base64;print(base64.b64encode(os.urandom(32)).decode())").
FIELD_ENCRYPTION_KEY = os.environ.get("LIANGXIN_FIELD_KEY", "")
if not FIELD_ENCRYPTION_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "LIANGXIN_FIELD_KEY is not set. ID numbers are encrypted at rest with this key; "
            'generate one with: python -c "import os,base64;'
            'print(base64.b64encode(os.urandom(32)).decode())"'
        )
    # A fixed development key, so a demo database survives restarts. Never used in production.
    FIELD_ENCRYPTION_KEY = "bGlhbmd4aW4tZGV2ZWxvcG1lbnQta2V5LTMyYnl0ZXM="

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("LIANGXIN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("LIANGXIN_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "liangxin.core",
    "liangxin.accounts",
    "liangxin.geo",
    "liangxin.registry",
    "liangxin.audit",
    "liangxin.census",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
]

ROOT_URLCONF = "liangxin.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "liangxin.core.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "liangxin.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'liangxin.sqlite3'}",
        conn_max_age=int(os.environ.get("LIANGXIN_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            # WAL lets the web server read while the import worker writes.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "registry:organization_list"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LIANGXIN_LOG_LEVEL", "WARNING")},
}

# Rows per page on list pages, and the most rows one export may hold.
PAGE_SIZE = 50
EXPORT_MAX_ROWS = int(os.environ.get("LIANGXIN_EXPORT_MAX_ROWS", "200000"))
