"""One settings module; everything a deployment changes comes from FUPIN_* environment variables."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
FUPIN_HOME = Path(os.environ.get("FUPIN_HOME", "var")).resolve()
FUPIN_HOME.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """FUPIN_SECRET_KEY, or a random key kept in FUPIN_HOME so sessions survive restarts."""
    if key := os.environ.get("FUPIN_SECRET_KEY"):
        return key
    path = FUPIN_HOME / "secret_key"
    if not path.exists():
        from django.core.management.utils import get_random_secret_key

        path.write_text(get_random_secret_key())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("FUPIN_DEBUG")
ALLOWED_HOSTS = [h for h in os.environ.get("FUPIN_ALLOWED_HOSTS", "*").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("FUPIN_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
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
LOGIN_REDIRECT_URL = "registry:household_list"
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
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(FUPIN_HOME / "files")}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = FUPIN_HOME / "files"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
# What an uploaded xlsx/xlsb/ods or zip of CSVs may inflate to (core/ziplimits.py): a few MB of zip can
# hold gigabytes. A county's member sheet of 200,000 households is ≈ 600 MB of XML compressed ≈ 12:1.
FUPIN_IMPORT_MAX_MEMBER_BYTES = int(os.environ.get("FUPIN_IMPORT_MAX_MEMBER_BYTES", 2 * 2**30))
FUPIN_IMPORT_MAX_UNCOMPRESSED_BYTES = int(os.environ.get("FUPIN_IMPORT_MAX_UNCOMPRESSED_BYTES", 4 * 2**30))
FUPIN_IMPORT_MAX_COMPRESSION_RATIO = int(os.environ.get("FUPIN_IMPORT_MAX_COMPRESSION_RATIO", "100"))
# The shared-string table of an xlsx is held in memory whole: its text and its number of items.
FUPIN_IMPORT_MAX_SHARED_STRINGS_BYTES = int(os.environ.get("FUPIN_IMPORT_MAX_SHARED_STRINGS_BYTES", 256 * 2**20))
FUPIN_IMPORT_MAX_SHARED_STRINGS = int(os.environ.get("FUPIN_IMPORT_MAX_SHARED_STRINGS", "5000000"))

NINJA_PAGINATION_PER_PAGE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every line passes MaskIdNumbers: request paths and messages may carry ID numbers.
    "filters": {"mask_ids": {"()": "fupin.core.log_privacy.MaskIdNumbers"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_ids"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("FUPIN_LOG_LEVEL", "WARNING")},
    # Django's own console handler (debug only) would print unmasked lines: its records go to the root.
    "loggers": {"django": {"handlers": [], "propagate": True,
                           "level": os.environ.get("FUPIN_LOG_LEVEL", "WARNING")}},
}

FUPIN_APP_NAME = _("fupin poverty monitoring")
