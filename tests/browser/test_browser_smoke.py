"""The browser set-up itself works: Chromium starts, pages render offline, the fixtures do what they say."""

from urllib.parse import urlsplit

from playwright.sync_api import expect


def _block_other_hosts(page, live_url):
    """Abort every request that leaves the live server and return the list of aborted URLs."""
    own = urlsplit(live_url).netloc
    blocked: list[str] = []

    def route(r):
        url = r.request.url
        if urlsplit(url).netloc == own or url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    page.route("**/*", route)
    return blocked


def test_api_docs_render_in_chromium_without_network(page, live_url):
    blocked = _block_other_hosts(page, live_url)
    failed: list[str] = []
    page.on("requestfailed", lambda req: failed.append(req.url))

    page.goto(live_url + "/api/docs")

    expect(page).to_have_title("fupin API")
    # Swagger UI is drawn by JavaScript from the app's own static files after it fetched the
    # OpenAPI document: seeing the title it read from that document proves both were served.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("fupin API")
    assert blocked == []
    assert failed == []


def test_static_files_are_served_by_the_application(page, live_url):
    response = page.request.get(live_url + "/static/ninja/swagger-ui-bundle.js")
    assert response.status == 200
    assert "javascript" in response.headers["content-type"]


def test_phone_page_has_a_phone_viewport(phone_page):
    phone_page.set_content('<meta name="viewport" content="width=device-width, initial-scale=1"><p>扶贫</p>')
    assert phone_page.evaluate("[window.innerWidth, window.innerHeight]") == [390, 844]
    assert phone_page.evaluate("navigator.maxTouchPoints") > 0


def test_pages_ask_for_chinese_first(page, live_url):
    page.goto(live_url + "/api/docs")
    assert page.evaluate("navigator.language") == "zh-CN"


def test_browser_tests_are_marked(request):
    assert request.node.get_closest_marker("browser") is not None
