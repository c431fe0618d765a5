"""What nginx in front of the replicas enforces (deploy/nginx.conf), tried against the real thing.

Each test starts two replicas and nginx with scripts/serve_replicas.sh on free localhost
ports (no warm-up: these tests open pages and websockets, they run no views) and stops
them. Only 127.0.0.x is ever contacted; every loop is bounded in count and in time.

- one address opening 600 websockets takes its own share, not the server: a second
  address (the whole of 127.0.0.0/8 is loopback on Linux) still gets the page and its
  websocket at once;
- the security headers are on every answer, nginx does not say its version, Streamlit's
  metrics are not public and its health check is;
- an idle websocket is closed after the websocket location's proxy_read_timeout, which
  sits well above the interval at which Streamlit's server pings every websocket (a
  browser answers each ping, so a tab left open stays connected); here the test's copy of
  the config uses 2 s so the close can be watched, and with the replicas pinging every
  second a client that sends nothing but answers the pings stays connected;
- the map still draws through nginx in Chromium: its iframe comes from the same origin, so
  ``frame-ancestors 'self'`` and ``X-Frame-Options: SAMEORIGIN`` allow it; a page of another
  origin (served by the test on 127.0.0.2) that frames the atlas gets nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.web.server.starlette.starlette_server_config import DEFAULT_WEBSOCKET_PING_INTERVAL
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "serve_replicas.sh"
CONF = REPO / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
CHROMIUM = Path("/usr/bin/chromium")

needs_nginx = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx; scripts/test.sh does)")

#: The flood's address and a second person's (the whole of 127.0.0.0/8 is loopback on Linux); the
#: other tests use 127.0.0.1, so the flood's spent request allowance is not theirs.
FLOODER = "127.0.0.10"
OTHER = "127.0.0.11"
#: Where the test serves a page of another origin that frames the atlas.
OTHER_SITE = "127.0.0.2"
FLOOD = 600
SECURITY_HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'self'",
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
WS_LOCATION = re.compile(r"location\s+(?:=\s*)?/_stcore/stream\s*\{(?P<body>[^}]*)\}")
READ_TIMEOUT = re.compile(r"proxy_read_timeout\s+(?P<value>\d+)(?P<unit>s|m)?\s*;")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(command: str, run_dir: Path, *args: str, conf: Path | None = None,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HGA_RUN_DIR": str(run_dir), "HGA_PYTHON": sys.executable, **(env or {})}
    if conf is not None:
        env["HGA_NGINX_CONF"] = str(conf)
    return subprocess.run(["bash", str(SCRIPT), command, *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=240)


@contextlib.contextmanager
def _proxy(run_dir: Path, *, conf: Path | None = None, env: dict[str, str] | None = None) -> Iterator[int]:
    """Two replicas behind nginx on free ports (no warm-up); yields nginx's port; stops them all after."""
    port, first = _free_port(), _free_port()
    started = _serve("start", run_dir, "--port", str(port), "--first-port", str(first), "--no-warm", conf=conf,
                     env=env)
    try:
        assert started.returncode == 0, started.stderr
        yield port
    finally:
        stopped = _serve("stop", run_dir)
        assert stopped.returncode == 0, stopped.stderr


@pytest.fixture(scope="module")
def proxy(data_dir, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    if NGINX is None:
        pytest.skip("nginx is not installed")
    with _proxy(tmp_path_factory.mktemp("proxy") / "run") as port:
        yield port


def _get(port: int, path: str, *, source: str = "127.0.0.1", timeout: float = 10) -> tuple[int, http.client.HTTPMessage]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return resp.status, resp.headers
    finally:
        conn.close()


async def _websocket(port: int, *, source: str = "127.0.0.1", timeout: float = 10) -> ClientConnection:
    return await connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],  # type: ignore[list-item]
                         open_timeout=timeout, ping_interval=None, close_timeout=2, proxy=None,
                         local_addr=(source, 0))


def _status(outcome: object) -> int | str:
    """101 for an open websocket, the HTTP status nginx refused it with, or the exception's name."""
    if isinstance(outcome, ClientConnection):
        return 101
    if isinstance(outcome, InvalidStatus):
        return outcome.response.status_code
    return type(outcome).__name__


# ---------------------------------------------------------------- one client cannot lock out everyone
async def _flood_then_visit(port: int) -> tuple[list[int | str], int, int, float]:
    """FLOODER opens FLOOD websockets and holds them; then OTHER loads the page.

    All at once first, then one at a time until one is refused (as an attacker tops up):
    against 1024 worker_connections the burst holds about 480 and the top-up fills the
    rest of the worker's slots (511 websockets, two connections each).
    """
    outcomes: list[object] = []
    held: list[ClientConnection] = []
    try:
        outcomes = list(await asyncio.wait_for(
            asyncio.gather(*(_websocket(port, source=FLOODER, timeout=20) for _ in range(FLOOD)), return_exceptions=True), 60))
        held = [o for o in outcomes if isinstance(o, ClientConnection)]
        deadline = time.monotonic() + 30
        for _ in range(FLOOD - len(held)):  # bounded: at most FLOOD in all, 30 s
            if time.monotonic() > deadline:
                break
            try:
                held.append(await _websocket(port, source=FLOODER, timeout=5))
                outcomes.append(held[-1])
            except Exception as exc:
                outcomes.append(exc)
                break
        t0 = time.monotonic()
        try:
            page = (await asyncio.to_thread(_get, port, "/", source=OTHER, timeout=5))[0]
        except OSError:  # refused, reset or timed out: the lock-out
            page = -1
        try:
            ws: object = await _websocket(port, source=OTHER, timeout=5)
        except Exception as exc:  # reported as a status below
            ws = exc
        elapsed = time.monotonic() - t0
        upgrade = _status(ws)
        if isinstance(ws, ClientConnection):
            await ws.close()
        return [_status(o) for o in outcomes], page, upgrade if isinstance(upgrade, int) else -1, elapsed
    finally:
        await asyncio.gather(*(ws.close() for ws in held), return_exceptions=True)


@needs_nginx
def test_one_address_with_600_websockets_does_not_lock_out_another(proxy: int) -> None:
    statuses, page, upgrade, elapsed = asyncio.run(_flood_then_visit(proxy))
    opened = statuses.count(101)
    assert (page, upgrade) == (200, 101), f"the second address got {page} for / and {upgrade} for the websocket"
    assert elapsed < 5, f"the second address waited {elapsed:.1f} s"
    # The first address got its per-address share, and every other attempt a clean 429 at once.
    assert 0 < opened <= 100, f"{opened} of {FLOOD} websockets from one address were let through"
    refused = {s for s in statuses if s != 101}
    assert refused == {429}, f"refusals other than 429: {sorted(map(str, refused))}"


# ---------------------------------------------------------------- headers and endpoints
@needs_nginx
@pytest.mark.parametrize("path", ["/", "/_stcore/health", "/no-such-file.js"])
def test_security_headers_on_every_answer(proxy: int, path: str) -> None:
    _status_code, headers = _get(proxy, path)
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, f"{path}: {name} is {headers.get(name)!r}"
    assert headers.get("Server") == "nginx", f"{path}: Server is {headers.get('Server')!r}"
    cookies = headers.get_all("Set-Cookie") or []
    assert any(c.startswith("hga_route=") for c in cookies), f"{path}: the affinity cookie is missing: {cookies}"


@needs_nginx
def test_metrics_are_not_public_and_health_and_the_websocket_still_are(proxy: int) -> None:
    assert _get(proxy, "/_stcore/metrics")[0] == 404
    assert _get(proxy, "/_stcore/metrics?format=proto")[0] == 404
    assert _get(proxy, "/_stcore/health")[0] == 200

    async def one() -> int | str:
        try:
            ws = await _websocket(proxy)
        except Exception as exc:
            return _status(exc)
        await ws.close()
        return 101

    assert asyncio.run(one()) == 101


# ---------------------------------------------------------------- idle websockets
def _websocket_read_timeout(conf: str) -> int:
    """Seconds of the websocket location's own proxy_read_timeout."""
    found = WS_LOCATION.search(conf)
    assert found, "deploy/nginx.conf has no location for the websocket (/_stcore/stream)"
    timeout = READ_TIMEOUT.search(found["body"])
    assert timeout, "the websocket location sets no proxy_read_timeout of its own (in s or m)"
    return int(timeout["value"]) * (60 if timeout["unit"] == "m" else 1)


def test_websocket_idle_timeout_sits_above_streamlits_ping_interval() -> None:
    seconds = _websocket_read_timeout(CONF.read_text(encoding="utf-8"))
    # Streamlit's server pings each websocket every DEFAULT_WEBSOCKET_PING_INTERVAL s (30 in 1.67) and the
    # browser answers: a live tab is never idle that long. Two missed pings is still generous; ten minutes is not idle.
    assert 2 * DEFAULT_WEBSOCKET_PING_INTERVAL <= seconds <= 600, seconds


def _conf_with_websocket_timeout(tmp_path: Path, seconds: int) -> Path:
    """A copy of deploy/nginx.conf whose websocket location closes after ``seconds`` of quiet."""
    text = CONF.read_text(encoding="utf-8")
    _websocket_read_timeout(text)
    found = WS_LOCATION.search(text)
    assert found is not None
    body = READ_TIMEOUT.sub(f"proxy_read_timeout {seconds}s;", found["body"])
    conf = tmp_path / "nginx.conf"
    conf.write_text(text[: found.start("body")] + body + text[found.end("body"):], encoding="utf-8")
    return conf


async def _watch(port: int, *, seconds: float, ping_every: float | None) -> float | None:
    """Seconds until a websocket was closed, or None if it was open after ``seconds``.

    It sends nothing (or a ping every ``ping_every`` s) and answers the server's pings, as
    a browser does (the websockets library answers them).
    """
    ws = await _websocket(port)
    t0 = time.monotonic()
    last_ping = t0
    try:
        for _ in range(int(seconds / 0.25)):  # bounded: ``seconds`` at most
            await asyncio.sleep(0.25)
            if ws.state.name == "CLOSED":
                return time.monotonic() - t0
            if ping_every and time.monotonic() - last_ping >= ping_every:
                last_ping = time.monotonic()
                with contextlib.suppress(ConnectionClosed, TimeoutError):
                    await asyncio.wait_for(await ws.ping(), timeout=2)
        return None
    finally:
        await ws.close()


async def _idle_and_live(port: int, *, seconds: float) -> list[float | None]:
    return list(await asyncio.gather(_watch(port, seconds=seconds, ping_every=None),
                                     _watch(port, seconds=seconds, ping_every=0.5)))


@needs_nginx
def test_an_idle_websocket_is_closed_after_the_timeout(data_dir, tmp_path: Path) -> None:
    short = 2
    with _proxy(tmp_path / "run", conf=_conf_with_websocket_timeout(tmp_path, short)) as port:
        idle, live = asyncio.run(_idle_and_live(port, seconds=4 * short))
    assert idle is not None, f"an idle websocket was still open after {4 * short} s (timeout {short} s)"
    assert short - 0.5 <= idle <= short + 2, idle
    assert live is None, f"a websocket with a ping every 0.5 s was closed after {live} s"


@needs_nginx
def test_streamlits_own_pings_keep_a_quiet_tab_open(data_dir, tmp_path: Path) -> None:
    # The same short timeout, with the replicas pinging every second instead of every 30 s:
    # a client that sends nothing but answers pings, as an open browser tab, stays connected.
    short = 3
    with _proxy(tmp_path / "run", conf=_conf_with_websocket_timeout(tmp_path, short),
                env={"STREAMLIT_SERVER_WEBSOCKET_PING_INTERVAL": "1"}) as port:
        closed = asyncio.run(_watch(port, seconds=3 * short, ping_every=None))
    assert closed is None, f"a tab answering the server's pings was closed after {closed} s"


# ---------------------------------------------------------------- the map through nginx
@contextlib.contextmanager
def _other_site(atlas: str) -> Iterator[str]:
    """Another origin (a page on 127.0.0.2 that puts the atlas in an iframe); its URL. Stopped after."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = f'<iframe src="{atlas}" width="1200" height="700"></iframe>'.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer((OTHER_SITE, 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{OTHER_SITE}:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@needs_nginx
@pytest.mark.browser
def test_the_map_draws_through_nginx_and_no_other_site_can_frame_it(proxy: int) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS, MAP_FRAME

    atlas = f"http://127.0.0.1:{proxy}/"
    failed: list[str] = []
    blocked: list[str] = []
    with _other_site(atlas) as other, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1366, "height": 768})

            def _route(route: object) -> None:
                url = route.request.url  # type: ignore[attr-defined]
                if url.startswith(("data:", "blob:", "about:", atlas, other)):
                    route.continue_()  # type: ignore[attr-defined]
                else:
                    blocked.append(url)
                    route.abort()  # type: ignore[attr-defined]

            context.route("**/*", _route)
            page = context.new_page()
            page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            page.goto(atlas, timeout=60_000)
            element = page.wait_for_selector(MAP_FRAME, timeout=90_000)
            frame = element.content_frame() if element is not None else None
            assert frame is not None
            frame.wait_for_selector("path.leaflet-interactive", timeout=90_000)
            polygons = frame.locator("path.leaflet-interactive").count()

            framing = context.new_page()
            refusals: list[str] = []
            framing.on("console", lambda m: refusals.append(m.text) if "frame-ancestors" in m.text else None)
            framing.goto(other, timeout=30_000)
            framing.wait_for_timeout(3_000)
            framed = [f.url for f in framing.frames if f is not framing.main_frame]
            drawn = sum(f.locator("[data-testid='stApp']").count() for f in framing.frames if f is not framing.main_frame)
        finally:
            browser.close()
    # Through nginx, with the frame headers, the page draws its map (a same-origin iframe) ...
    assert polygons > 100, polygons
    assert failed == [] and blocked == []
    # ... and a page of another origin gets no atlas in its frame.
    assert drawn == 0 and not any(u.startswith(atlas) for u in framed), f"another site framed the atlas: {framed}"
    assert refusals, "Chromium did not report the frame-ancestors refusal"
