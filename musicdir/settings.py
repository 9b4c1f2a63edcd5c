"""Settings for musicdir, driven by the environment.

Development defaults are safe; production (debug off) fails loudly when a required
variable is missing. See README.md, "Configuration".
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = os.environ.get("DJANGO_DEBUG") == "1"

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get(
        "DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else ""
    ).split(",")
    if host.strip()
]
if not DEBUG:
    required = {"DJANGO_SECRET_KEY": SECRET_KEY, "DJANGO_ALLOWED_HOSTS": ALLOWED_HOSTS}
    missing = [name for name, value in required.items() if not value]
    if missing:
        raise ImproperlyConfigured(
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set. With debug "
            "off musicdir needs a secret key (DJANGO_SECRET_KEY: a long random string) and the "
            "host names it serves (DJANGO_ALLOWED_HOSTS: comma-separated, e.g. "
            "musicdir.example). Set them, or set DJANGO_DEBUG=1 for development."
        )
SECRET_KEY = SECRET_KEY or "django-insecure-development-only"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_filters",
    "axes",
    # The history of every change to the directory (organisations/history.py).
    "simple_history",
    # Importing organisations and records from spreadsheets (organisations/imports.py).
    "import_export",
    "organisations",
    # The project's own tools (generate_synthetic, remove_synthetic): no models, no URLs.
    "devtools",
]

MIDDLEWARE = [
    # First: answers /healthz and /readyz before host checks, redirects and sessions.
    "musicdir.health.HealthCheckMiddleware",
    # With debug on, the site's own 404 and 500 pages instead of Django's technical ones,
    # unless DJANGO_TECHNICAL_ERRORS=1 (musicdir/errors.py).
    "musicdir.errors.DesignedErrorPagesMiddleware",
    # In web processes, each request's database work may take DATABASE_TIMEOUT seconds at most.
    "musicdir.deadline.DatabaseDeadlineMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy (musicdir/security.py).
    "musicdir.security.SecurityHeadersMiddleware",
    # A 400 for a NUL character in any parameter (musicdir/security.py).
    "musicdir.security.RejectNulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Who makes each change in the admin, for the directory's history.
    "simple_history.middleware.HistoryRequestMiddleware",
    # The directory's data version, read at most once per request (organisations/cache.py).
    "organisations.cache.DataVersionMiddleware",
    # Last, as django-axes requires: turns a locked-out login into a 429 response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "musicdir.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "musicdir.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers wait their turn instead of failing with "database is locked": each
    # transaction takes the write lock as it begins (so none has to upgrade a read lock, which
    # SQLite refuses at once), waits up to `timeout` seconds for it (well within gunicorn's
    # worker timeout), and readers never wait for writers (write-ahead logging).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        timeout=10,
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    )
# Web processes (gunicorn sets MUSICDIR_WEB_PROCESS=1: musicdir/gunicorn.py) bound each request's
# wait on the database to DATABASE_TIMEOUT seconds (musicdir/deadline.py); commands run without.
WEB_PROCESS = os.environ.get("MUSICDIR_WEB_PROCESS") == "1"
DATABASE_TIMEOUT = int(os.environ.get("DJANGO_DATABASE_TIMEOUT", "5")) if WEB_PROCESS else 0


def postgresql_options(settings_dict):
    """An unreachable database fails a request (and the readiness check) in seconds, not
    minutes; in web processes PostgreSQL also cancels a statement running for too long."""
    if settings_dict["ENGINE"] != "django.db.backends.postgresql":
        return
    options = settings_dict.setdefault("OPTIONS", {})
    options.setdefault("connect_timeout", DATABASE_TIMEOUT or 5)
    if DATABASE_TIMEOUT:
        options["options"] = f"-c statement_timeout={DATABASE_TIMEOUT * 1000}"


postgresql_options(DATABASES["default"])
# Optional: a read replica of the primary, which public pages read from (musicdir/routers.py).
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    postgresql_options(DATABASES["replica"])
    DATABASE_ROUTERS = ["musicdir.routers.ReplicaRouter"]
    MIDDLEWARE.insert(1, "musicdir.routers.ReplicaMiddleware")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
# Origins other than the site's own allowed to post its forms, e.g. "https://admin.example"
# (comma-separated; each with its scheme).
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content Security Policy, sent by musicdir.security.SecurityHeadersMiddleware in the shape
# Django 6.0's built-in SECURE_CSP takes. Everything from this site only: no inline scripts or
# styles, no eval, no plugins, no framing. With debug on it is report-only, so Django's debug
# pages (inline styles and scripts) still work while the browser console reports violations.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
SECURE_CSP = {} if DEBUG else CONTENT_SECURITY_POLICY
SECURE_CSP_REPORT_ONLY = CONTENT_SECURITY_POLICY if DEBUG else {}
# Browser features the site never uses, switched off for it and anything it might embed.
PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    ]
}
# How many proxies in front of the site append to X-Forwarded-For: the client's address is the
# entry the outermost of them added. 0 when nothing sits in front (use the socket's address).
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "1"))

# The admin: its address (a path, ending in "/") and the lockout of repeated failed logins.
ADMIN_URL = os.environ.get("DJANGO_ADMIN_URL", "admin/")

# With debug on, Django's technical 404 and 500 pages instead of the site's own.
TECHNICAL_ERRORS = os.environ.get("DJANGO_TECHNICAL_ERRORS") == "1"

# Where readers report an error or ask for a take-down (the page about the data, the footer):
# shown only when set.
CONTACT_EMAIL = os.environ.get("MUSICDIR_CONTACT_EMAIL", "")

# E-mail (readers' suggestions: organisations/suggestions.py). Through SMTP when
# DJANGO_EMAIL_HOST is set; otherwise written to the console (the process's output).
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("DJANGO_EMAIL_USE_TLS", "1") == "1"
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "musicdir <noreply@localhost>")
# Readers' suggestions: how many one address may send in an hour, and how old (in seconds) the
# form they send must be: at least a few seconds (no one reads and fills it faster), at most a day.
SUGGESTIONS_PER_HOUR = int(os.environ.get("MUSICDIR_SUGGESTIONS_PER_HOUR", "5"))
SUGGESTION_FORM_MIN_AGE = 3
SUGGESTION_FORM_MAX_AGE = 60 * 60 * 24
if not re.fullmatch(r"(?:[A-Za-z0-9._~-]+/)+", ADMIN_URL):
    raise ImproperlyConfigured(
        f"DJANGO_ADMIN_URL must be a path such as 'admin/' or 'editors-a8f3/': letters, "
        f"digits, '.', '_', '~' or '-' in segments that each end in '/'. It is {ADMIN_URL!r}."
    )
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out login before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# After 5 failed logins from one address, logins from it are refused for 15 minutes, whatever
# the password (a 429 response); the same for 5 failures for one user name. A successful login
# clears the count.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "musicdir.security.client_ip"
AXES_VERBOSE = False

# Where the source texts the fixtures are built from are kept, verbatim.
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
SOURCES_DIR = BASE_DIR / "fixtures" / "sources"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

# Caching: Redis when REDIS_URL is set (shared by every instance and worker), local memory
# otherwise. Public pages are cached whole, keyed by the directory's data version, which every
# write bumps (organisations/cache.py); MUSICDIR_CACHE=0 turns the page cache off. Below whole
# pages, facet counts and filter choices are kept once per data version too; MUSICDIR_MEMO=0
# works them out on every request.
# A cache that fails never fails a page (organisations/cache.py): each call to Redis gives up
# after CACHE_TIMEOUT seconds, and the pages are built without it.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_TIMEOUT = float(os.environ.get("MUSICDIR_CACHE_TIMEOUT", "0.25"))
# Imports (organisations/imports.py) run in a transaction: all rows or none.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = True  # the directory's own history records them

CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": CACHE_TIMEOUT,
                "socket_timeout": CACHE_TIMEOUT,
            },
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
PAGE_CACHE = os.environ.get("MUSICDIR_CACHE", "1") == "1"
MEMO = os.environ.get("MUSICDIR_MEMO", "1") == "1"
# The list's index (organisations/index.py) is kept in each process's memory once per data
# version; MUSICDIR_KEEP_INDEX=0 builds it for every request (as the tests do: they write
# without bumping the version).
KEEP_INDEX = os.environ.get("MUSICDIR_KEEP_INDEX", "1") == "1"
# After a write, a request waits this many seconds at most for the index's new build (it is
# built in the background: organisations/cache.py, `Kept`); past that it answers from the last
# one, saying so, and is not cached.
INDEX_WAIT = float(os.environ.get("MUSICDIR_INDEX_WAIT", "2"))
# A build's bound, in web processes, on a database that hangs (as DATABASE_TIMEOUT is a request's).
INDEX_BUILD_TIMEOUT = 20 * DATABASE_TIMEOUT
