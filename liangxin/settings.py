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
# Rotating the secret key without ending every session: the new key in LIANGXIN_SECRET_KEY, the
# old one here (comma-separated) until the sessions signed with it have expired (deploy/README.md).
SECRET_KEY_FALLBACKS = [k.strip() for k in os.environ.get("LIANGXIN_SECRET_KEY_FALLBACKS", "").split(",") if k.strip()]

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
    "liangxin.policy",
    "liangxin.campaigns",
    "liangxin.reconcile",
    "liangxin.formation",
    "liangxin.coverage",
    "liangxin.funding",
    "liangxin.mobility",
    "liangxin.development",
    "liangxin.talent",
    "liangxin.standards",
    "liangxin.orglife",
    "liangxin.training",
    "liangxin.liaison",
    "liangxin.api",
    # The demo county builds on every other app, and none of them imports it.
    "liangxin.demo",
]

MIDDLEWARE = [
    # Outermost: a write that waited too long for the database's lock (an import is writing)
    # is answered with the 503 page "正在导入,请稍后再试", never with a 500 (``core.busy``).
    "liangxin.core.busy.BusyMiddleware",
    # First, so every audit record of the request carries its client address and request id.
    "liangxin.audit.context.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
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

# How long a write waits for a lock another transaction holds (a census import writing) before the
# request is answered "正在导入,请稍后再试" (``core.busy``): SQLite's busy timeout, PostgreSQL's
# lock_timeout. The import worker's own write waits longer.
DB_LOCK_WAIT_SECONDS = float(os.environ.get("LIANGXIN_DB_LOCK_WAIT_SECONDS", "5"))

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'liangxin.sqlite3'}",
        conn_max_age=int(os.environ.get("LIANGXIN_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})
    # No JIT: PostgreSQL's cost model JIT-compiles the coverage indicator queries (one wide
    # SUM(CASE …) per subject, dozens of expressions over the whole register); the compilation
    # costs more than it saves — the benchmark's 0.1-scale indicator table took 0.735 s with it
    # and 0.269 s without. Nothing else here runs long enough to gain from it.
    DATABASES["default"]["OPTIONS"]["options"] = " ".join(
        filter(
            None,
            [
                DATABASES["default"]["OPTIONS"].get("options", ""),
                "-c jit=off",
                f"-c lock_timeout={int(DB_LOCK_WAIT_SECONDS * 1000)}",
            ],
        )
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            # WAL lets the web server read while the import worker writes. A 128 MiB page cache
            # (the default is 2 MiB) keeps the register's indexes in memory during large imports.
            # Temporary tables (an import's staged rows) live in a file behind a 64 MiB cache: in
            # memory a million-row import's staging alone took a gigabyte, and with the default
            # 2 MiB cache the write held the lock twice as long (bench/contention.md).
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-131072; "
                "PRAGMA temp_store=FILE; PRAGMA temp.cache_size=-65536;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": DB_LOCK_WAIT_SECONDS,
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"  # routes each role to its first page (accounts.access)
LOGOUT_REDIRECT_URL = "accounts:login"

# AUTH_PASSWORD_VALIDATORS: see the "Security" block at the end.

# zh-Hans for everyone. Every UI string goes through gettext, but until English / zh-Hant catalogs
# exist, negotiating the browser's language would only mix Django's own English strings into
# Chinese pages; LocaleMiddleware comes back with the first catalog.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
# Uploaded files: a directory (several servers: one shared filesystem mounted at the same path
# everywhere) or an S3-compatible object store — see STORAGES in the "Production" block.
MEDIA_ROOT = Path(os.environ.get("LIANGXIN_MEDIA_DIR", VAR_DIR / "media"))
MEDIA_URL = "media/"

# Cookies, sessions, headers: see the "Security" block at the end.

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LIANGXIN_LOG_LEVEL", "WARNING")},
}

# Rows per page on list pages, and the most rows one export may hold.
PAGE_SIZE = 50
EXPORT_MAX_ROWS = int(os.environ.get("LIANGXIN_EXPORT_MAX_ROWS", "200000"))
# Mobile members: days to verify a police registration, before a contact is too old, before a
# relation transfer not yet completed is flagged (docs/mobile-members.md).
MOBILITY_VERIFY_DAYS = int(os.environ.get("LIANGXIN_MOBILITY_VERIFY_DAYS", "30"))
MOBILITY_CONTACT_DAYS = int(os.environ.get("LIANGXIN_MOBILITY_CONTACT_DAYS", "90"))
MOBILITY_TRANSFER_DAYS = int(os.environ.get("LIANGXIN_MOBILITY_TRANSFER_DAYS", "30"))

# The JSON API (``liangxin/api``): tokens last API_TOKEN_DAYS unless their owner picks another
# term (at most API_TOKEN_MAX_DAYS); each token may send API_RATE_LIMIT requests a minute, counted
# in the cache (``CACHES``: share one, e.g. Redis, between several web servers).
API_TOKEN_DAYS = int(os.environ.get("LIANGXIN_API_TOKEN_DAYS", "90"))
API_TOKEN_MAX_DAYS = 365
API_RATE_LIMIT = int(os.environ.get("LIANGXIN_API_RATE_LIMIT", "60"))

# The joint-branch planner's time budget per request (seconds): past it, the page shows the best
# plan found so far, marked as not proven best (``formation/joint.py``).
JOINT_PLANNER_SECONDS = float(os.environ.get("LIANGXIN_JOINT_PLANNER_SECONDS", "1.0"))

# The county's pages of today (``coverage/county_snapshot.py``): the import worker computes them every
# LIANGXIN_DASHBOARD_REFRESH_MINUTES; a page shows its copy instead of computing when computing took at
# least LIANGXIN_DASHBOARD_COPY_SECONDS, half a page's one-second budget (a province's register, never
# a county's, whose pages compute in tens of milliseconds).
DASHBOARD_REFRESH_MINUTES = float(os.environ.get("LIANGXIN_DASHBOARD_REFRESH_MINUTES", "5"))
DASHBOARD_COPY_SECONDS = float(os.environ.get("LIANGXIN_DASHBOARD_COPY_SECONDS", "0.5"))


# --- Security ----------------------------------------------------------------------------------
# Login lockout (django-axes), password policy, two-factor login (django-otp), session timeout,
# Content-Security-Policy, export rate limit, upload limits, audit anchor, backups. The code is in
# ``liangxin/security``; README.md "Security" explains each variable.
import datetime as _dt  # noqa: E402

INSTALLED_APPS += [
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "liangxin.security",
]


def _after(existing: str, *names: str) -> None:
    at = MIDDLEWARE.index(existing) + 1
    MIDDLEWARE[at:at] = list(names)


_after("django.middleware.security.SecurityMiddleware", "liangxin.security.middleware.SecurityHeadersMiddleware")
# Before the CSRF check, which reads the form body: an unreadable one is a 400, not a 500.
_after("django.middleware.common.CommonMiddleware", "liangxin.security.middleware.RequestBodyMiddleware")
# Marks request.user.is_verified() from the session (the second factor of this login).
_after("django.contrib.auth.middleware.AuthenticationMiddleware", "django_otp.middleware.OTPMiddleware")
_after(
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "liangxin.security.middleware.IdleSessionMiddleware",
    "liangxin.security.middleware.AccountGateMiddleware",
    "liangxin.security.middleware.ExportRateLimitMiddleware",
)
# The role × page rules (liangxin/accounts/access.py): 403 before the view (and before an export
# is counted against the rate limit); no-store on every answer to a signed-in user.
_after("liangxin.security.middleware.AccountGateMiddleware", "liangxin.accounts.middleware.PageAccessMiddleware")
# A GET on a POST-only URL (a reloaded step) goes back to its page, not to a blank 405.
_after("django.contrib.messages.middleware.MessageMiddleware", "liangxin.core.middleware.PostOnlyGetMiddleware")
# The JSON API's bearer tokens, on the data paths only: after the session middlewares (they see no
# signed-in user there and write nothing), before the role × page rules it hands the token's user to.
_after("liangxin.security.middleware.AccountGateMiddleware", "liangxin.api.middleware.ApiTokenMiddleware")
# Last, as django-axes requires: turns a lockout into the login page with the lockout message.
MIDDLEWARE.append("axes.middleware.AxesMiddleware")

AUTHENTICATION_BACKENDS = [
    "liangxin.security.backends.LockoutBackend",  # refuses a locked-out account or address first
    "django.contrib.auth.backends.ModelBackend",
]

# Lockout (``security.lockouts``): 5 failures lock an account name for 15 minutes, from anywhere
# (and LIANGXIN_LOGIN_ACCOUNT_ADDRESS_FAILURE_LIMIT from one address); an address alone only at
# LIANGXIN_LOGIN_ADDRESS_FAILURE_LIMIT failures across accounts, so that one office behind one
# NAT address is not locked out together by a few colleagues' typing errors.
AXES_ENABLED = True
AXES_FAILURE_LIMIT = int(os.environ.get("LIANGXIN_LOGIN_FAILURE_LIMIT", "5"))
LOGIN_ACCOUNT_ADDRESS_FAILURE_LIMIT = int(
    os.environ.get("LIANGXIN_LOGIN_ACCOUNT_ADDRESS_FAILURE_LIMIT", str(AXES_FAILURE_LIMIT))
)
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LIANGXIN_LOGIN_ADDRESS_FAILURE_LIMIT", "50"))
AXES_COOLOFF_TIME = _dt.timedelta(minutes=int(os.environ.get("LIANGXIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", ["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
# Attempts during a lockout neither count nor extend it: the lockout ends 15 minutes after the
# fifth failure, as the message says.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HANDLER = "liangxin.security.lockouts.LockoutHandler"
AXES_LOCKOUT_CALLABLE = "liangxin.security.lockouts.lockout_response"
AXES_USERNAME_CALLABLE = "liangxin.security.lockouts.attempted_username"
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
# The client address, as every audit record has it (``core.clients``): REMOTE_ADDR, or behind a
# proxy named in LIANGXIN_TRUSTED_PROXIES the visitor's address it forwards — else every visitor
# would share the proxy's address, and its lockout.
AXES_CLIENT_IP_CALLABLE = "liangxin.core.clients.client_address"

# Passwords: at least 10 characters from three of four classes, not like the account, not common
# or a keyboard pattern, not one of the last five; changed every LIANGXIN_PASSWORD_MAX_AGE_DAYS days (0: never expires).
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "full_name", "phone", "email"), "max_similarity": 0.6},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "liangxin.security.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "liangxin.security.passwords.NotContainingUsernameValidator"},
    # Django's list of common passwords, the common Chinese choices, keyboard walks and sequences,
    # also dressed up with digits, years and symbols (``Admin@123456``).
    {"NAME": "liangxin.security.passwords.GuessablePasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Last: it also records each new password's hash (``password_changed``).
    {"NAME": "liangxin.security.passwords.PasswordHistoryValidator", "OPTIONS": {"history": 5}},
]
PASSWORD_MAX_AGE_DAYS = int(os.environ.get("LIANGXIN_PASSWORD_MAX_AGE_DAYS", "90"))

# Two-factor login: required for these roles, optional for the others.
OTP_REQUIRED_ROLES = frozenset({"county_admin", "leader", "sys_admin", "sec_admin", "audit_admin"})
OTP_TOTP_ISSUER = os.environ.get("LIANGXIN_OTP_ISSUER", "两新党建")
OTP_RECOVERY_CODES = 10
# How long the step between password and code may take.
OTP_PENDING_SECONDS = 300

# Sessions end after LIANGXIN_SESSION_IDLE_MINUTES without a request, and when the browser closes.
SESSION_IDLE_MINUTES = int(os.environ.get("LIANGXIN_SESSION_IDLE_MINUTES", "30"))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = 12 * 60 * 60  # a working day at most, even when active
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_HTTPONLY = True  # the token reaches htmx through the page, never through the cookie
CSRF_FAILURE_VIEW = "liangxin.security.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto: LIANGXIN_BEHIND_TLS_PROXY=1 lets
# Django see HTTPS and send HSTS.
if env_flag("LIANGXIN_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 0 if DEBUG else int(os.environ.get("LIANGXIN_HSTS_SECONDS", "31536000"))

# Content-Security-Policy (``security.middleware``): no inline script or style, nothing external.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

# Exports: at most EXPORT_RATE_LIMIT per user in EXPORT_RATE_WINDOW_MINUTES (answered 429).
EXPORT_RATE_LIMIT = int(os.environ.get("LIANGXIN_EXPORT_RATE_LIMIT", "30"))
EXPORT_RATE_WINDOW_MINUTES = int(os.environ.get("LIANGXIN_EXPORT_RATE_WINDOW_MINUTES", "10"))

# Uploads: a request body above MAX_UPLOAD_MB is refused (413) before it is read; every uploaded
# file passes ``security.uploads.UploadField`` (type by content, zip bombs, huge cells).
MAX_UPLOAD_MB = int(os.environ.get("LIANGXIN_MAX_UPLOAD_MB", "20"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024  # form fields (files excluded)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024  # larger files are streamed to a temporary file
UPLOAD_MAX_UNCOMPRESSED_MB = int(os.environ.get("LIANGXIN_UPLOAD_MAX_UNCOMPRESSED_MB", "200"))
UPLOAD_MAX_COMPRESSION_RATIO = 100
UPLOAD_MAX_ZIP_ENTRIES = 10_000
# A cell longer than this is refused (Excel holds at most 32,767 characters in a cell).
UPLOAD_MAX_CELL_KB = int(os.environ.get("LIANGXIN_UPLOAD_MAX_CELL_KB", "256"))

# The audit chain's head, kept outside the database so that cutting records off the end shows.
AUDIT_ANCHOR_PATH = Path(os.environ.get("LIANGXIN_AUDIT_ANCHOR", VAR_DIR / "audit-anchor.json"))
# The key of the audit chain's HMAC (base64 of 32 bytes), kept outside the database; empty: one
# derived from LIANGXIN_FIELD_KEY. Changing it later makes the chain written so far unverifiable.
AUDIT_KEY = os.environ.get("LIANGXIN_AUDIT_KEY", "")

# Backups: AES-256-GCM with LIANGXIN_BACKUP_KEY (base64 of 32 bytes), else a key derived from
# LIANGXIN_FIELD_KEY. Keep the key away from the backups.
BACKUP_KEY = os.environ.get("LIANGXIN_BACKUP_KEY", "")
BACKUP_DIR = Path(os.environ.get("LIANGXIN_BACKUP_DIR", VAR_DIR / "backups"))
# --- end of Security ---------------------------------------------------------------------------


# --- Production (deploy/) -----------------------------------------------------------------------
# What deploy/README.md sets up: gunicorn behind nginx, the import worker, health checks, and
# what several web servers on one PostgreSQL share. README.md "Configuration" lists the variables.
import ipaddress as _ipaddress  # noqa: E402

from liangxin.core import storage_config as _storage_config  # noqa: E402

# The reverse proxies whose X-Forwarded-For is believed (``core.clients``): addresses or networks.
TRUSTED_PROXIES = tuple(p.strip() for p in os.environ.get("LIANGXIN_TRUSTED_PROXIES", "").split(",") if p.strip())
for _proxy in TRUSTED_PROXIES:
    try:
        _ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"LIANGXIN_TRUSTED_PROXIES: {_proxy!r} is not an address or network") from None

try:
    _default_storage = _storage_config.default_storage(os.environ)
except _storage_config.StorageConfigError as _error:
    raise ImproperlyConfigured(str(_error)) from None
STORAGES = {
    "default": _default_storage,
    # Outside debug, static files get content-hashed names (and .gz copies) at collectstatic, so
    # nginx may let browsers keep them for a year and serve the compressed copy.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# nginx answers plain HTTP with a redirect; this one also covers a request that reaches the
# application some other way. /healthz stays reachable over plain HTTP for a load balancer's probe
# on the private network. HTTPS is known from gunicorn (forwarded_allow_ips, deploy/gunicorn.conf.py)
# or from LIANGXIN_BEHIND_TLS_PROXY above.
SECURE_SSL_REDIRECT = not DEBUG and env_flag("LIANGXIN_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# The site's own subdomains (there are none) are HTTPS-only too.
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SILENCED_SYSTEM_CHECKS = [
    # HSTS preload is a promise for every subdomain of the registrable domain (e.g. a county's
    # gov.cn domain), which only that domain's owner can make, not one system on it.
    "security.W021",
]

# /healthz (``liangxin/health.py``): the import worker counts as running while one beat within this
# many seconds (it beats every IMPORT_WORKER_HEARTBEAT_SECONDS), and VAR_DIR needs this much room.
IMPORT_WORKER_HEARTBEAT_SECONDS = float(os.environ.get("LIANGXIN_WORKER_HEARTBEAT_SECONDS", "10"))
HEALTH_WORKER_MAX_AGE_SECONDS = int(os.environ.get("LIANGXIN_HEALTH_WORKER_MAX_AGE_SECONDS", "60"))
HEALTH_MIN_FREE_MB = int(os.environ.get("LIANGXIN_HEALTH_MIN_FREE_MB", "1024"))
# --- end of Production ----------------------------------------------------------------------------
