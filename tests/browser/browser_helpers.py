"""What the browser tests watch on a page: Content-Security-Policy violations and other problems."""

from __future__ import annotations

# Playwright's init scripts are exempt from the page's policy: this one records every violation.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def csp_violations(page) -> list[str]:
    """The violations recorded on the page shown now (`watch_csp` or `watch_problems` first)."""
    return page.evaluate("window.__cspViolations")


def watch_csp(page) -> list[str]:
    """Record violations; returns the list that collects the console's CSP messages."""
    page.add_init_script(RECORD_VIOLATIONS)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    return console


def watch_problems(page) -> list[str]:
    """Record violations; returns the list that collects console errors and warnings, page errors and failed
    requests (the browser's own favicon.ico request is none of ours)."""
    page.add_init_script(RECORD_VIOLATIONS)
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(f"{m.type}: {m.text}")
            if m.type in ("error", "warning") and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    return problems
