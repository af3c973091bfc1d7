"""One settings module; everything a deployment changes comes from FUPIN_* environment variables."""

import os
import sys
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent

# Nothing fupin writes (the SQLite store, uploads, scratch folders, errors workbooks, exports, the secret
# key, the cache) may be read by other accounts of the machine: the mask is set here, before the first
# file is made, because every way in (`fupin`, fupin.wsgi under any server, the tests) loads the settings
# first. Default 027: files 0640, folders 0750 (a backup group may read; others nothing).
FUPIN_UMASK = int(os.environ.get("FUPIN_UMASK", "027"), 8)
os.umask(FUPIN_UMASK)

FUPIN_HOME = Path(os.environ.get("FUPIN_HOME", "var")).resolve()
FUPIN_HOME.mkdir(parents=True, exist_ok=True)
if FUPIN_HOME.stat().st_mode & FUPIN_UMASK & 0o777:  # a data folder made before (or by hand) open to others
    try:
        FUPIN_HOME.chmod(FUPIN_HOME.stat().st_mode & 0o777 & ~FUPIN_UMASK)
    except PermissionError:  # not ours: its owner decides
        pass


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """FUPIN_SECRET_KEY, or a random key kept in FUPIN_HOME so sessions survive restarts."""
    if key := os.environ.get("FUPIN_SECRET_KEY"):
        return key
    path = FUPIN_HOME / "secret_key"
    if not path.exists():
        from django.core.management.utils import get_random_secret_key

        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:  # 0600 at once
            f.write(get_random_secret_key())
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("FUPIN_DEBUG")


def _env_list(name: str) -> list[str]:
    return [v.strip() for v in os.environ.get(name, "").split(",") if v.strip()]


# Host names a request may carry. Default: this machine only. `fupin serve --host H` adds a concrete H
# itself (fupin/program/server.py); names reached through a proxy or DNS go in FUPIN_ALLOWED_HOSTS.
LOCAL_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
ALLOWED_HOSTS = _env_list("FUPIN_ALLOWED_HOSTS") or list(LOCAL_HOSTS)
CSRF_TRUSTED_ORIGINS = _env_list("FUPIN_CSRF_TRUSTED_ORIGINS")

# HTTPS (docs/deployment.md). waitress speaks plain HTTP: HTTPS is a reverse proxy's job in front of it.
# FUPIN_HTTPS=1 says the site is reached over HTTPS only: cookies are sent over HTTPS only, and browsers
# are told (HSTS) to use nothing else for FUPIN_HSTS_SECONDS. Subdomains are left out by default: other
# hosts of an office's domain may not serve HTTPS.
FUPIN_HTTPS = _env_bool("FUPIN_HTTPS")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = FUPIN_HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("FUPIN_HSTS_SECONDS", 365 * 24 * 3600 if FUPIN_HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("FUPIN_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = False
SECURE_SSL_REDIRECT = _env_bool("FUPIN_SSL_REDIRECT")  # usually the proxy redirects http:// itself
# The address of the reverse proxy in front (one address, or * for any): its X-Forwarded-For and
# X-Forwarded-Proto are believed (waitress: fupin/program/server.py), so the client's own address is what
# sign-in throttling and the self-report limits count, and https:// requests are seen as such. The same
# header from anyone else is removed by waitress before Django sees it.
FUPIN_TRUSTED_PROXY = os.environ.get("FUPIN_TRUSTED_PROXY", "").strip()
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if FUPIN_TRUSTED_PROXY else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
# `check --deploy` on purpose: HSTS without subdomains unless asked; never on the browsers' preload list.
SILENCED_SYSTEM_CHECKS = ["security.W021", *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"])]

# Content-Security-Policy of every page and API answer (fupin/core/middleware.py): scripts, images, fonts
# and requests from this server only — never a CDN — and no inline script (every script is a static file).
# Inline styles stay allowed: several pages carry a <style> block and htmx adds its indicator style; with
# every source limited to 'self', an injected style has nowhere to send anything.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "ninja",
    "fupin.core",
    "fupin.accounts",
    "fupin.regions",
    "fupin.registry",
    "fupin.policy",
    "fupin.reports",
    "fupin.quality",
    "fupin.assistance",
    "fupin.funds",
    "fupin.monitoring",
    "fupin.evaluation",
    "fupin.cppcc",
    "fupin.supervision",
    "fupin.overview",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # /static/ answers here: what follows is Django's
    "fupin.core.middleware.ContentSecurityPolicyMiddleware",
    "fupin.core.middleware.NoStoreMiddleware",
    "fupin.core.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "fupin.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fupin.urls"
WSGI_APPLICATION = "fupin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("FUPIN_DATABASE_URL", f"sqlite:///{FUPIN_HOME / 'fupin.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web pages read while a background import writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
        "transaction_mode": "IMMEDIATE",
    }
    # Tests run on a file like production, not on a shared-cache memory database: there, a writer waiting
    # for another fails at once ("database table is locked") instead of waiting its busy timeout.
    DATABASES["default"]["TEST"] = {"NAME": str(FUPIN_HOME / "test.sqlite3")}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "overview:overview"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sign-in throttling: five failures lock the username+address pair for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("FUPIN_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_AGE = 8 * 3600
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = FUPIN_HOME / "static"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(FUPIN_HOME / "files")},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# npm packages installed by scripts/setup next to the Python environment (.venv/npm, never committed): the
# chart library ECharts, of which one file is served, as /static/echarts/echarts.min.js (fupin/overview/finders.py).
FUPIN_NPM_DIR = Path(sys.prefix) / "npm"
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "fupin.overview.finders.EchartsFinder",
]
MEDIA_ROOT = FUPIN_HOME / "files"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
# What an uploaded xlsx/xlsb/ods or zip of CSVs may inflate to (core/ziplimits.py): a few MB of zip can
# hold gigabytes. A county's member sheet of 200,000 households is ≈ 600 MB of XML compressed ≈ 12:1.
FUPIN_IMPORT_MAX_MEMBER_BYTES = int(os.environ.get("FUPIN_IMPORT_MAX_MEMBER_BYTES", 2 * 2**30))
FUPIN_IMPORT_MAX_UNCOMPRESSED_BYTES = int(os.environ.get("FUPIN_IMPORT_MAX_UNCOMPRESSED_BYTES", 4 * 2**30))
FUPIN_IMPORT_MAX_COMPRESSION_RATIO = int(os.environ.get("FUPIN_IMPORT_MAX_COMPRESSION_RATIO", "100"))
# The shared-string table of an xlsx is held in memory whole: its text and its number of items.
FUPIN_IMPORT_MAX_SHARED_STRINGS_BYTES = int(
    os.environ.get("FUPIN_IMPORT_MAX_SHARED_STRINGS_BYTES", 256 * 2**20)
)
FUPIN_IMPORT_MAX_SHARED_STRINGS = int(os.environ.get("FUPIN_IMPORT_MAX_SHARED_STRINGS", "5000000"))
# The engine reads the registry from a columnar snapshot in FUPIN_HOME/snapshots (registry/snapshot.py), kept
# in step with the store by its change version; off: every run reads through the database cursor.
FUPIN_REGISTRY_SNAPSHOT = _env_bool("FUPIN_REGISTRY_SNAPSHOT", True)
# The statistics page and the monitoring dashboard of a region at this level or above (0 country, 1 province,
# 2 prefecture, 3 county) are kept and shown at once, refreshed in the background after a change
# (reports/kept.py).
FUPIN_STATISTICS_CACHE_LEVEL = int(os.environ.get("FUPIN_STATISTICS_CACHE_LEVEL", "2"))

NINJA_PAGINATION_PER_PAGE = 50


def _cache(url: str) -> dict:
    """CACHES["default"] from FUPIN_CACHE_URL: file:///folder, redis://host:6379/0,
    memcached://host:11211 or locmem:// (one process only: each process would count on its own)."""
    from urllib.parse import urlsplit
    from urllib.request import url2pathname

    parts = urlsplit(url)
    if parts.scheme == "file":
        return {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": url2pathname(parts.path),
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    if parts.scheme in ("redis", "rediss"):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if parts.scheme == "memcached":
        return {"BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache", "LOCATION": parts.netloc}
    if parts.scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    raise ValueError(
        f"FUPIN_CACHE_URL: unknown kind of cache {url!r} (file://, redis://, memcached://, locmem://)"
    )


# What must be counted across processes (the public self-report form's rate limits): by default a folder
# of FUPIN_HOME, which every `fupin serve` process of the machine shares. Several machines: redis://.
CACHES = {"default": _cache(os.environ.get("FUPIN_CACHE_URL") or (FUPIN_HOME / "cache").as_uri())}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every line passes MaskIdNumbers: request paths and messages may carry ID numbers.
    "filters": {"mask_ids": {"()": "fupin.core.log_privacy.MaskIdNumbers"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_ids"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("FUPIN_LOG_LEVEL", "WARNING")},
    # Django's own console handler (debug only) would print unmasked lines: its records go to the root.
    "loggers": {
        "django": {"handlers": [], "propagate": True, "level": os.environ.get("FUPIN_LOG_LEVEL", "WARNING")}
    },
}

FUPIN_APP_NAME = _("fupin poverty monitoring")

# A Dask scheduler (tcp://host:8786) for the registry-wide engine runs — identification, the quality rules,
# the monitoring batch, the statistics — partitioned by county over its workers (fupin/engine/partitioned.py;
# the `--dask` option of those commands overrides it). Empty: one process, the default.
FUPIN_DASK_SCHEDULER = os.environ.get("FUPIN_DASK_SCHEDULER", "").strip()
