"""Benchmark the national small-area map against a naive ``GeoDataFrame.explore()`` of the same layer.

Usage: .venv/bin/python scripts/benchmark_national.py [--repeat N] [--vintage 2021]

Headless Chromium at 1366x768 with every non-localhost request aborted. The atlas runs
as a Streamlit server (file watcher off), warmed by one page view first; each measured
view then opens ``?level=lsoa&vintage=...`` in a fresh browser context (empty HTTP
cache, so the geometry is fetched every time). The baseline is ``explore()`` of the
same LSOAs joined to the same values (column ``value``), with Leaflet pointed at the
vendored copy and no base tiles or colormap (both would need the internet), served as
a static file from localhost.

Figures, from the pages' own clocks (``performance.now()`` plus ``timeOrigin``):
- bytes received: every response body and websocket message, opening zoom, no interaction;
- open to painted: navigation start to the last area drawn;
- indicator switch: the option's click to the repaint, and the bytes and geometry
  requests it caused (explore: a new page per indicator, so its reload);
- hover: the mouse move to the tooltip holding the area's name, code and value;
- server memory: resident set of the Streamlit process after both vintages were shown.
Writes a Markdown table to stdout and everything to artifacts/benchmark_national.json.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from geo import boundaries, indicators  # noqa: E402
from layers import assets  # noqa: E402
from tests.browser.conftest import CHROMIUM_ARGS  # noqa: E402

ARTIFACTS = REPO / "artifacts"
IFRAME = "iframe[title='streamlit_folium.st_folium']"
VIEWPORT = {"width": 1366, "height": 768}
FIRST = {"2021": "imd2025_imd_decile", "2011": "imd2019_imd_decile"}
SWITCH_TO = {"2021": "IMD 2025: score", "2011": "IMD 2019: score"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class _Counter:
    """Bytes received by a page (responses and websocket frames) through the DevTools protocol."""

    def __init__(self, context: Any, page: Any) -> None:
        self.bytes = 0
        self.by_kind: dict[str, int] = {}
        self.requests: list[str] = []
        self.blocked: list[str] = []
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.loadingFinished", lambda e: self._add(e.get("encodedDataLength", 0)))
        cdp.on("Network.webSocketFrameReceived", lambda e: self._add(_frame_bytes(e["response"]), "websocket"))
        page.on("request", lambda r: self.requests.append(r.url))

    def _add(self, n: float, kind: str = "http") -> None:
        self.bytes += int(n)
        self.by_kind[kind] = self.by_kind.get(kind, 0) + int(n)


def _frame_bytes(frame: dict[str, Any]) -> int:
    """A websocket message's size: DevTools reports binary frames (Streamlit's protobuf) in base64."""
    data = str(frame["payloadData"])
    return len(data) * 3 // 4 - data[-2:].count("=") if frame.get("opcode") == 2 else len(data.encode("utf-8"))


def _context(browser: Any) -> tuple[Any, Any, _Counter]:
    context = browser.new_context(viewport=VIEWPORT)
    counter_ref: dict[str, _Counter] = {}

    def route(r: Any) -> None:
        host = urlparse(r.request.url).hostname or ""
        if r.request.url.startswith(("data:", "blob:", "about:")) or host in ("127.0.0.1", "localhost"):
            r.continue_()
        else:
            counter_ref["c"].blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    counter_ref["c"] = _Counter(context, page)
    return context, page, counter_ref["c"]


def _frame(page: Any) -> Any:
    return page.wait_for_selector(IFRAME, timeout=60_000).content_frame()


def _wait(page: Any, check: str, arg: Any = None, timeout_s: float = 90) -> None:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        try:
            if _frame(page).evaluate(check, arg):
                return
        except Exception:  # the iframe is swapped while Streamlit reruns
            pass
        page.wait_for_timeout(20)
    raise TimeoutError(check)


def _iframe_time(page: Any, mark: str, *, first: bool = False) -> float:
    """A mark of the national layer's clock (its latest, or ``first``), on the top page's clock (ms since navigation)."""
    return float(_frame(page).evaluate(
        "([m, f]) => performance.timeOrigin + (f ? window.hgaNational.first : window.hgaNational.times)[m]",
        [mark, first])) - float(page.evaluate("performance.timeOrigin"))


PAINTED = "(sel) => !!(window.hgaNationalPainted && window.hgaNational.table && window.hgaNational.table.title.includes(sel))"


def _spot(page: Any) -> dict[str, Any]:
    """A page point inside the largest LSOA, by the map's own hit test."""
    frame_el = page.wait_for_selector(IFRAME)
    p = frame_el.content_frame().evaluate("""() => {
        const H = window.hgaNational, d = H.data, map = window.map; let i = 0, best = -1;
        for (let j = 0; j < d.codes.length; j++) {
            const a = (d.box[4*j+2]-d.box[4*j])*(d.box[4*j+3]-d.box[4*j+1]); if (a > best) { best = a; i = j; } }
        for (let k = 1; k < 400; k++) {
            const u = d.box[4*i] + (d.box[4*i+2]-d.box[4*i]) * ((k*0.618)%1), v = d.box[4*i+1] + (d.box[4*i+3]-d.box[4*i+1]) * ((k*0.382)%1);
            const ll = map.options.crs.pointToLatLng(L.point(u*256, v*256), 0);
            if (H.hit(ll) === i) { const c = map.latLngToContainerPoint(ll); return {x: c.x, y: c.y, code: d.codes[i]}; }
        }
        return null; }""")
    box = frame_el.bounding_box()
    return {"x": box["x"] + p["x"], "y": box["y"] + p["y"], "code": p["code"]}


def atlas_view(browser: Any, url: str, vintage: str) -> dict[str, Any]:
    """One cold-cache view of the national map: bytes, paint, hover, indicator switch."""
    context, page, counter = _context(browser)
    page.goto(f"{url}/?level=lsoa&vintage={vintage}")
    _wait(page, PAINTED, "decile")
    painted_ms = _iframe_time(page, "styled", first=True)
    page.wait_for_timeout(500)
    opened_bytes = counter.bytes
    opened_by_kind = dict(counter.by_kind)
    geometry = [u for u in counter.requests if "/app/static/national/" in u]

    spot = _spot(page)
    page.mouse.move(spot["x"] - 30, spot["y"] - 30)
    page.wait_for_timeout(200)
    before = float(page.evaluate("performance.now()"))
    page.mouse.move(spot["x"], spot["y"])
    _frame(page).locator(".leaflet-tooltip").wait_for(timeout=5_000)
    hover_ms = _iframe_time(page, "hover") - before
    tip = _frame(page).locator(".leaflet-tooltip").inner_text()
    page.mouse.move(5, 5)

    switch_bytes0, requests0 = counter.bytes, len(counter.requests)
    page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").filter(has_text="Indicator").get_by_role(
        "combobox").click()
    option = page.get_by_role("option", name=SWITCH_TO[vintage])
    option.wait_for()
    before = float(page.evaluate("performance.now()"))
    option.click()
    _wait(page, PAINTED, "score")
    switch_ms = _iframe_time(page, "styled") - before
    switch_table_ms = _iframe_time(page, "table") - before
    page.wait_for_timeout(500)
    switch_geometry = [u for u in counter.requests[requests0:] if "/app/static/national/" in u]
    out = {
        "bytes_opened": opened_bytes, "bytes_opened_by_kind": opened_by_kind, "geometry_requests": geometry, "painted_ms": painted_ms,
        "hover_ms": hover_ms, "hover_text": tip, "hover_code": spot["code"], "switch_ms": switch_ms, "switch_table_arrived_ms": switch_table_ms,
        "switch_bytes": counter.bytes - switch_bytes0, "switch_geometry_requests": switch_geometry,
        "blocked": counter.blocked, "times": _frame(page).evaluate("window.hgaNational.times"),
        "first_times": _frame(page).evaluate("window.hgaNational.first"),
    }
    page.screenshot(path=str(ARTIFACTS / f"benchmark_national_{vintage}.png"))
    context.close()
    return out


def explore_page(folder: Path, vintage: str) -> tuple[Path, float]:
    """The naive baseline: ``explore()`` of the same layer, Leaflet local, no tiles and no colormap."""
    gdf = boundaries.load("lsoa", vintage)
    values = indicators.load(FIRST[vintage], level="lsoa", vintage=vintage)
    values = values[values["period"] == sorted(values["period"].unique())[-1]]
    joined, _ = indicators.join(gdf, values)
    start = time.perf_counter()
    m = joined[["area_code", "area_name", "value", "geometry"]].explore(column="value", tiles=None, legend=False)
    m = assets.localise(m, base_url="/vendor")
    path = folder / f"explore_{vintage}.html"
    m.save(str(path))
    return path, time.perf_counter() - start


def explore_view(browser: Any, url: str) -> dict[str, Any]:
    context, page, counter = _context(browser)
    page.goto(url, timeout=300_000)
    page.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length > 30000", timeout=300_000,
                           polling=100)
    painted_ms = float(page.evaluate("performance.now()"))
    page.wait_for_timeout(500)
    target = page.evaluate("""() => { let best = null, area = 0;
        document.querySelectorAll('path.leaflet-interactive').forEach(p => { const b = p.getBoundingClientRect();
            if (b.width * b.height > area && b.top > 0 && b.left > 0) { area = b.width * b.height; best = b; } });
        return {x: best.left + best.width / 2, y: best.top + best.height / 2}; }""")
    page.mouse.move(target["x"] - 40, target["y"] - 40)
    page.wait_for_timeout(300)
    before = float(page.evaluate("performance.now()"))
    page.mouse.move(target["x"], target["y"])
    page.wait_for_selector(".leaflet-tooltip", timeout=30_000)
    hover_ms = float(page.evaluate("performance.now()")) - before
    out = {"bytes_opened": counter.bytes, "painted_ms": painted_ms, "hover_ms": hover_ms, "blocked": counter.blocked}
    context.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--vintage", default="2021", choices=("2011", "2021"))
    parser.add_argument("--skip-explore", action="store_true")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    port = _free_port()
    log = (ARTIFACTS / "benchmark_national_streamlit.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"], cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    results: dict[str, Any] = {"atlas": [], "explore": None}
    folder = Path(tempfile.mkdtemp(prefix="hga-explore-"))
    httpd = None
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True)
            for vintage in ("2011", "2021"):  # warm the server: both vintages' tables and boundaries
                atlas_view(browser, url, vintage)
            results["server_rss_mb"] = _rss_mb(server.pid)
            results["load_average"] = [os.getloadavg()[0]]
            for _ in range(args.repeat):
                results["atlas"].append(atlas_view(browser, url, args.vintage))
            results["server_rss_mb_after"] = _rss_mb(server.pid)
            results["load_average"].append(os.getloadavg()[0])  # other builds share the machine: say how busy it was
            if not args.skip_explore:
                shutil.copytree(REPO / "static" / "vendor", folder / "vendor")
                page_path, build_s = explore_page(folder, args.vintage)
                handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
                httpd = http.server.ThreadingHTTPServer(("127.0.0.1", _free_port()), handler)
                threading.Thread(target=httpd.serve_forever, daemon=True).start()
                explore = explore_view(browser, f"http://127.0.0.1:{httpd.server_address[1]}/{page_path.name}")
                explore.update(html_bytes=page_path.stat().st_size, build_s=build_s)
                results["explore"] = explore
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
        if httpd is not None:
            httpd.shutdown()
        shutil.rmtree(folder, ignore_errors=True)
    (ARTIFACTS / "benchmark_national.json").write_text(json.dumps(results, indent=2))
    print(_table(results))
    return 0


def _table(r: dict[str, Any]) -> str:
    runs = r["atlas"]

    def med(key: str) -> float:
        return statistics.median(x[key] for x in runs)

    e = r["explore"] or {}
    rows = [
        ("bytes received, whole country at the opening zoom", "<= 8 MB", f"{med('bytes_opened') / 1e6:.2f} MB",
         f"{e.get('bytes_opened', float('nan')) / 1e6:.1f} MB"),
        ("opening the URL to the country painted", "<= 4 s", f"{med('painted_ms') / 1000:.2f} s",
         f"{e.get('painted_ms', float('nan')) / 1000:.1f} s"),
        ("indicator switch to repaint", "<= 0.5 s", f"{med('switch_ms') / 1000:.2f} s "
         f"(values arrive at {med('switch_table_arrived_ms') / 1000:.2f} s; "
         f"{med('switch_bytes') / 1e3:.0f} KB, {sum(len(x['switch_geometry_requests']) for x in runs)} geometry requests)",
         "a new page: as opening"),
        ("hover to tooltip (name, code, value)", "<= 100 ms", f"{med('hover_ms'):.0f} ms",
         f"{e.get('hover_ms', float('nan')):.0f} ms"),
        ("server memory with the national layer", "< 1 GB", f"{r['server_rss_mb_after']:.0f} MB", "static file"),
    ]
    if r.get("load_average"):
        rows.append(("machine load (1-min average, 2 cores) before / after", "", " / ".join(
            f"{x:.1f}" for x in r["load_average"]), ""))
    lines = [f"| figure | target | atlas (median of {len(runs)}) | naive explore() |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
