"""The production web server (`fupin serve`): the Django WSGI application under waitress.

waitress is pure Python, runs the same on every platform and needs no reverse proxy for a county
office's intranet. Static files (CSS, JS, fonts) are served by WhiteNoise from the installed packages,
so the machine needs no internet. Nothing is migrated here: `fupin init` does that.

Host names: a request must name this machine (settings.ALLOWED_HOSTS, FUPIN_ALLOWED_HOSTS) or the
concrete address given with --host, which the server adds. Listening on all interfaces adds nothing —
the names that reach it are not known here, so they go in FUPIN_ALLOWED_HOSTS — except for the demo,
whose data and passwords are public: it then accepts any host name. Behind a reverse proxy
(FUPIN_TRUSTED_PROXY) waitress believes that proxy's X-Forwarded-For and X-Forwarded-Proto only.
"""

from __future__ import annotations

import errno
import os
import sys

ALL_INTERFACES = {"0.0.0.0", "::", ""}


def make_server(host: str = "127.0.0.1", port: int = 8000, threads: int = 8):
    """A waitress server bound to host:port (port 0 = any free port), not yet running."""
    from django.conf import settings
    from waitress.server import create_server

    from fupin.wsgi import application

    proxy = {}
    if trusted := getattr(settings, "FUPIN_TRUSTED_PROXY", ""):
        proxy = {
            "trusted_proxy": trusted,
            "trusted_proxy_count": 1,
            "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
        }
    return create_server(
        application,
        host=host,
        port=port,
        threads=threads,
        ident="fupin",
        # Imports upload workbooks; keep in step with DATA_UPLOAD_MAX_MEMORY_SIZE and a margin.
        max_request_body_size=200 * 1024 * 1024,
        clear_untrusted_proxy_headers=True,
        **proxy,
    )


def allow_host(host: str, demo: bool = False) -> None:
    """Let requests that name the address the server listens on through (see the module's note)."""
    from django.conf import settings

    if host in ALL_INTERFACES:
        name = "*" if demo and not os.environ.get("FUPIN_ALLOWED_HOSTS") else None
    else:
        name = f"[{host}]" if ":" in host else host  # an IPv6 address, as it appears in a Host header
    if name and name not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, name]


def server_url(server, host: str) -> str:
    """The address to open in a browser for a server made by make_server."""
    port = getattr(server, "effective_port", None)
    if port is None:  # several sockets (e.g. "localhost" on IPv4 and IPv6): take the first
        port = server.effective_listen[0][1]
    shown = "127.0.0.1" if host in ALL_INTERFACES else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def serve(host: str = "127.0.0.1", port: int = 8000, threads: int = 8, demo: bool = False) -> int:
    """Run the web application until Ctrl+C. Returns the exit status (0, or 2 if the port is taken)."""
    from django.conf import settings

    allow_host(host, demo=demo)
    if getattr(settings, "FUPIN_HTTPS", False) and not getattr(settings, "FUPIN_TRUSTED_PROXY", ""):
        # waitress itself speaks plain HTTP: without the proxy's word every request looks like http://,
        # and Django refuses the forms that browsers send from the https:// pages (CSRF origin check).
        print(
            "警告：设置了 FUPIN_HTTPS 但未设 FUPIN_TRUSTED_PROXY（HTTPS 反向代理的地址）/ warning: FUPIN_HTTPS "
            "is set but FUPIN_TRUSTED_PROXY (the address of the HTTPS reverse proxy) is not",
            file=sys.stderr,
        )
    try:
        server = make_server(host, port, threads)
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            print(
                f"端口 {port} 已被占用，请换一个端口 (--port) / port {port} is already in use; choose another with --port",
                file=sys.stderr,
            )
            return 2
        print(f"无法监听 {host}:{port} / cannot listen on {host}:{port}: {e}", file=sys.stderr)
        return 2

    print(f"fupin 运行于 / running at {server_url(server, host)}")
    if host in ALL_INTERFACES:
        print("（监听所有网络接口 / listening on all network interfaces）")
        if "*" not in settings.ALLOWED_HOSTS:
            hosts = ", ".join(settings.ALLOWED_HOSTS)
            print(
                f"只接受这些主机名的请求 / answering requests for these host names only: {hosts}\n"
                "（用 FUPIN_ALLOWED_HOSTS 加上本机的地址或域名 / add this machine's address or domain name "
                "with FUPIN_ALLOWED_HOSTS）"
            )
    print("按 Ctrl+C 停止 / Ctrl+C to stop", flush=True)
    try:
        server.run()  # waitress turns Ctrl+C into a clean shutdown of its worker threads
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    print("已停止 / stopped")
    return 0
