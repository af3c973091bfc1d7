"""Root of the test tree: every test session runs in its own FUPIN_HOME.

pytest-django would load the Django settings before any conftest is imported if
DJANGO_SETTINGS_MODULE were in the pytest configuration, and the settings read FUPIN_HOME when they
load. So the configuration leaves it out and this module, the first conftest pytest imports, sets
FUPIN_HOME (a fresh temporary folder unless the caller gave one) and then DJANGO_SETTINGS_MODULE,
and sets Django up so that app conftests may import models at module level.

pytest-django creates the test databases (SQLite in memory by default; with FUPIN_DATABASE_URL
pointing at PostgreSQL, a `test_…` database on that server, which needs a superuser or CREATEDB).
Fixtures for one app live in tests/<app>/conftest.py; browser fixtures in tests/browser/conftest.py.
"""

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

_settings_loaded_early = "django.conf" in sys.modules and sys.modules["django.conf"].settings.configured
if not os.environ.get("FUPIN_HOME"):
    _home = tempfile.mkdtemp(prefix="fupin-test-home-")
    os.environ["FUPIN_HOME"] = _home
    atexit.register(shutil.rmtree, _home, ignore_errors=True)
# WhiteNoise warns when STATIC_ROOT is missing; the static files themselves come from the finders.
(Path(os.environ["FUPIN_HOME"]) / "static").mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

django.setup()

if _settings_loaded_early and settings.FUPIN_HOME != Path(os.environ["FUPIN_HOME"]).resolve():
    raise pytest.UsageError(
        "Django settings were loaded before tests/conftest.py could isolate FUPIN_HOME "
        "(DJANGO_SETTINGS_MODULE is set in the environment): set FUPIN_HOME too, or unset it. / "
        "测试前请同时设置 FUPIN_HOME 或取消 DJANGO_SETTINGS_MODULE。"
    )

# Real password hashing (PBKDF2, about half a second each on CI) would dominate the suite's time and is
# not under test; the real hashers stay listed so stored hashes of any kind still verify.
settings.PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    *[h for h in settings.PASSWORD_HASHERS if not h.endswith("MD5PasswordHasher")],
]


def pytest_report_header(config):
    db = settings.DATABASES["default"]
    return [f"fupin: FUPIN_HOME={settings.FUPIN_HOME} database={db['ENGINE'].rsplit('.', 1)[-1]}"]
