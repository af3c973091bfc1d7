"""Browser tests: pytest-playwright driving Debian's Chromium against pytest-django's live server.

Playwright's own browser download does not work offline, so the system Chromium is launched instead
(scripts/setup --test installs Debian's `chromium` and a CJK font). Every test in this folder is
marked `browser` (deselect with `-m "not browser"`).

Fixtures for other test files:
  live_url                       base URL of the live server, no trailing slash (transactional DB)
  login(page, username, password) sign in through the real page /accounts/login/
  phone_page                     a page in a 390×844 phone viewport with touch
Pages open with the zh-CN locale (the product's default language) in the Asia/Shanghai time zone.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django would then refuse ORM calls
# from fixtures and tests (SynchronousOnlyOperation) although nothing here is really async.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("FUPIN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE_VIEWPORT = {"width": 390, "height": 844}
LOGIN_PATH = "/accounts/login/"
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/setup --test (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def live_url(live_server, transactional_db) -> str:
    """The live server's base URL (no trailing slash); the database is shared with the server thread."""
    return live_server.url.rstrip("/")


@pytest.fixture
def login(live_url):
    """login(page, username, password, expect_success=True) signs in through the sign-in page.

    Returns the page, on the page the site sent the user to. With expect_success (the default) it
    fails the test if the browser is still on the sign-in page afterwards.
    """

    def _login(page, username: str, password: str, expect_success: bool = True):
        page.goto(live_url + LOGIN_PATH)
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("#login-form [type=submit]")
        page.wait_for_load_state()
        if expect_success:
            try:
                page.wait_for_url(lambda url: LOGIN_PATH not in url, timeout=10_000)
            except Exception:
                pytest.fail(f"sign-in as {username!r} did not leave {LOGIN_PATH}: {page.url}")
        return page

    return _login


@pytest.fixture
def phone_page(new_context):
    """A page in a phone-size viewport (390×844, touch, mobile), closed after the test.

    Made through pytest-playwright's new_context, so screenshots on failure cover it too.
    """
    context = new_context(
        viewport=PHONE_VIEWPORT,
        screen=PHONE_VIEWPORT,
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
    )
    return context.new_page()
