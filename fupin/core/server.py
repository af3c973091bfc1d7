"""The production web server (`fupin serve`): the Django WSGI application under waitress.

waitress is pure Python, runs the same on every platform and needs no reverse proxy for a county
office's intranet. Static files (CSS, JS, fonts) are served by WhiteNoise from the installed packages,
so the machine needs no internet. Nothing is migrated here: `fupin init` does that.
"""

from __future__ import annotations

import errno
import sys

ALL_INTERFACES = {"0.0.0.0", "::", ""}


def make_server(host: str = "127.0.0.1", port: int = 8000, threads: int = 8):
    """A waitress server bound to host:port (port 0 = any free port), not yet running."""
    from waitress.server import create_server

    from fupin.wsgi import application

    return create_server(
        application,
        host=host,
        port=port,
        threads=threads,
        ident="fupin",
        # Imports upload workbooks; keep in step with DATA_UPLOAD_MAX_MEMORY_SIZE and a margin.
        max_request_body_size=200 * 1024 * 1024,
        clear_untrusted_proxy_headers=True,
    )


def server_url(server, host: str) -> str:
    """The address to open in a browser for a server made by make_server."""
    port = getattr(server, "effective_port", None)
    if port is None:  # several sockets (e.g. "localhost" on IPv4 and IPv6): take the first
        port = server.effective_listen[0][1]
    shown = "127.0.0.1" if host in ALL_INTERFACES else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def serve(host: str = "127.0.0.1", port: int = 8000, threads: int = 8) -> int:
    """Run the web application until Ctrl+C. Returns the exit status (0, or 2 if the port is taken)."""
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
    print("按 Ctrl+C 停止 / Ctrl+C to stop", flush=True)
    try:
        server.run()  # waitress turns Ctrl+C into a clean shutdown of its worker threads
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    print("已停止 / stopped")
    return 0
