"""Benchmark the atlas's map against a plain hand-written folium page, in headless Chromium.

Usage: .venv/bin/python scripts/benchmark.py [--repeat N] [--skip-data]

Speed is reported as ratios to a baseline measured in the same run, because the
machine is noisy: ``scripts/baseline_app.py`` draws the same 296 local authority
districts with plain ``folium.GeoJson`` + ``st_folium`` and the same local Leaflet.
Each round starts both servers afresh (cold first paint), then alternates warm page
views between them, then times the atlas's drill-down click and indicator switch.
The rounds alternate which app goes first.

Times come from the page's own clock (``performance.now()``): a monitor injected
before the page loads samples the map iframe every 20 ms (number of polygons and a
hash of their fills) and wraps the WebSocket to count payload bytes. Every request
that does not go to localhost is aborted. Servers run with the file watcher off, so
edits made during a run do not disturb it.

Targets: warm first paint <= 1.0 x baseline, cold first paint <= 1.2 x baseline,
drill-down click to small areas drawn <= 1 s, indicator switch repaint <= 0.5 s. The
other rows explain the four: "map data received" is when the largest websocket
message (the map) arrived, so the time before it is the server's and the transfer's
and "map data to paint" the browser's. Writes the table to stdout and everything,
with every sample, to artifacts/benchmark.json; server logs go to artifacts/benchmark_*.log.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import geopandas as gpd  # noqa: E402
import pandas as pd  # noqa: E402

from geo import boundaries, indicators, shared  # noqa: E402
from geo.catalogue import get  # noqa: E402
from geo.classify import classify  # noqa: E402
from layers import assets  # noqa: E402
from layers.choropleth import base_map, choropleth_layer  # noqa: E402
from layers.style import scheme_for  # noqa: E402
from tests.browser.conftest import CHROMIUM_ARGS  # noqa: E402

ARTIFACTS = REPO / "artifacts"
CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1366, "height": 768}
IFRAME = "iframe[title='streamlit_folium.st_folium']"
N_LAD = 296
LA = ("lad", "2023")
SAMPLE_LA = "E08000025"  # Birmingham, the district with the most LSOAs
VIEW = dict(indicator_id="le_birth", level="lad", vintage="2023", period="2023-25", sex="female")
WARM_VIEWS_PER_ROUND = 3
SERVER_START_TIMEOUT = 90.0
PAINT_TIMEOUT_MS = 45_000
APP_ERROR = "[data-testid='stException'], [data-testid='stAlertContentError']"
QUIET_MS = 1_500  # no map change and no websocket message for this long: the page has settled
SETTLE_TIMEOUT_S = 20.0

# Injected into every top-level document before it loads: samples the map and counts websocket bytes.
MONITOR_JS = """
(() => {
  if (window.top !== window) return;
  const SEL = "iframe[title='streamlit_folium.st_folium']";
  const bm = {log: [], ws: [], last: 0};
  window.__bm = bm;
  let key = null;
  const hash = (s) => { let h = 5381; for (let i = 0; i < s.length; i++) h = ((h * 33) ^ s.charCodeAt(i)) | 0; return h; };
  setInterval(() => {
    let n = 0, sig = 0;
    try {
      const d = document.querySelector(SEL)?.contentDocument;
      if (d) {
        const paths = d.querySelectorAll("path.leaflet-interactive");
        n = paths.length;
        let fills = "";
        for (const p of paths) fills += (p.getAttribute("fill") || "") + ",";
        sig = hash(fills);
      }
    } catch (e) { n = -1; }
    const k = n + "|" + sig;
    if (k !== key) { key = k; bm.last = performance.now(); bm.log.push({t: bm.last, n, sig}); }
  }, 20);
  const size = (d) => d instanceof ArrayBuffer ? d.byteLength : d instanceof Blob ? d.size
    : ArrayBuffer.isView(d) ? d.byteLength : new Blob([String(d)]).size;
  const WS = window.WebSocket;
  window.WebSocket = class extends WS {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (ev) => {
        bm.last = performance.now(); bm.ws.push({t: bm.last, bytes: size(ev.data), dir: "in"});
      });
    }
    send(d) { bm.last = performance.now(); bm.ws.push({t: bm.last, bytes: size(d), dir: "out"}); return super.send(d); }
  };
})();
"""

# Run in the map iframe: a point (iframe coordinates) inside `code`'s polygon that a real click would hit,
# or inside the first polygon that can be hit if that one cannot; only points within `rect` count.
FIND_TARGET_JS = """
([code, rect]) => {
  const inside = (x, y) => x >= rect[0] && y >= rect[1] && x < rect[2] && y < rect[3];
  const found = [];
  if (window.map) window.map.eachLayer((l) => { if (l.feature && l._path) found.push([l.feature.properties?.area_code, l._path]); });
  found.sort((a, b) => (b[0] === code) - (a[0] === code));
  for (const [c, p] of found) {
    const r = p.getBoundingClientRect();
    const points = [[0.5, 0.5]];
    for (let i = 1; i < 8; i++) for (let j = 1; j < 8; j++) points.push([i / 8, j / 8]);
    for (const [fx, fy] of points) {
      const x = r.left + r.width * fx, y = r.top + r.height * fy;
      if (inside(x, y) && document.elementFromPoint(x, y) === p) return {code: c, x, y, centre: fx === 0.5 && fy === 0.5};
    }
  }
  return null;
}
"""


# ---------------------------------------------------------------- data loading (no browser)
def _median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        shared.clear()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _geojson_bytes(gdf: gpd.GeoDataFrame) -> int:
    return len(json.dumps(json.loads(gdf[["area_code", "area_name", "geometry"]].to_json()), separators=(",", ":")))


def _layer_bytes(gdf: gpd.GeoDataFrame) -> tuple[int, int]:
    """Bytes of our layer's page and of a naive explore() page for the same data."""
    ind = get("le_birth")
    values = indicators.load(VIEW["indicator_id"], level=VIEW["level"], vintage=VIEW["vintage"], period=VIEW["period"],
                             sex=VIEW["sex"])
    joined, _ = indicators.join(gdf, values)
    c = classify(joined["value"], method="quantiles")
    m = assets.localise(base_map())
    choropleth_layer(joined, name="x", indicator=ind, period=VIEW["period"], england_value=None,
                     scheme=scheme_for(ind.polarity, method="quantiles", k=c.k), classification=c).add_to(m)
    ours = len(m.get_root().render())
    naive = len(joined.explore(column="value").get_root().render())
    return ours, naive


def data_benchmarks(repeat: int) -> dict[str, float]:
    out: dict[str, float] = {}
    out["load national LA layer (s)"] = _median_time(lambda: boundaries.load(*LA), repeat)
    out["load one LA's LSOAs (s)"] = _median_time(
        lambda: boundaries.lsoas_within(SAMPLE_LA, level="lad", vintage="2023"), repeat)
    lad = boundaries.load(*LA)
    out["national LA layer GeoJSON (KB)"] = _geojson_bytes(lad) / 1e3
    lsoa = boundaries.load("lsoa", "2021")
    parents = pd.read_parquet(REPO / "data/lookups/lsoa21_parents.parquet").set_index("area_code")["lad_code_2023"]
    sizes = [_geojson_bytes(lsoa[lsoa["area_code"].map(parents) == code]) for code in lad["area_code"]]
    out["one LA's LSOAs GeoJSON, median LA (KB)"] = statistics.median(sizes) / 1e3
    out["one LA's LSOAs GeoJSON, largest LA (KB)"] = max(sizes) / 1e3
    ours, naive = _layer_bytes(lad)
    out["LA map page, atlas layer (KB)"] = ours / 1e3
    out["LA map page, naive explore() (KB)"] = naive / 1e3
    return out


# ---------------------------------------------------------------- servers
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """One Streamlit server, started and stopped by the benchmark."""

    name: str
    script: Path
    proc: subprocess.Popen[bytes] | None = None
    port: int = 0
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = ARTIFACTS / f"benchmark_{self.name}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> float:
        """Start on a free port; seconds until /_stcore/health answers."""
        self.stop()
        self.port = _free_port()
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "HEALTH_GAP_ATLAS_REPO": str(REPO)}
        t0 = time.perf_counter()
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", str(self.script), "--server.port", str(self.port),
                 "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
                 "--server.fileWatcherType", "none"],
                cwd=REPO, stdout=out, stderr=subprocess.STDOUT, env=env,
            )
        deadline = t0 + SERVER_START_TIMEOUT
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} server exited with {self.proc.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        return time.perf_counter() - t0
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"{self.name} server not healthy after {SERVER_START_TIMEOUT:.0f} s; see {self.log}")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None


@contextmanager
def _baseline_script() -> Iterator[Path]:
    """baseline_app.py in a folder whose ``static`` is the repository's, so Streamlit serves the vendored Leaflet."""
    with tempfile.TemporaryDirectory(prefix="atlas-baseline-") as tmp:
        folder = Path(tmp)
        (folder / "static").symlink_to(REPO / "static", target_is_directory=True)
        (folder / "baseline_app.py").symlink_to(REPO / "scripts" / "baseline_app.py")
        yield folder / "baseline_app.py"


# ---------------------------------------------------------------- one page view
@dataclass
class View:
    """A fresh browser context and page on one server, with the monitor installed."""

    page: Any
    context: Any
    blocked: list[str]


def _open(browser: Any, url: str) -> View:
    context = browser.new_context(viewport=VIEWPORT)
    blocked: list[str] = []

    def _route(route: Any) -> None:
        req_url = route.request.url
        if req_url.startswith(("data:", "blob:", "about:")) or urlparse(req_url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            blocked.append(req_url)
            route.abort()

    context.route("**/*", _route)
    context.add_init_script(MONITOR_JS)
    page = context.new_page()
    page.goto(url, timeout=60_000, wait_until="commit")
    return View(page, context, blocked)


def _log(view: View) -> dict[str, Any]:
    return dict(view.page.evaluate("() => ({log: window.__bm.log, ws: window.__bm.ws, now: performance.now()})"))


def _wait_paint(view: View) -> float:
    """Milliseconds from navigation start until the map holds all 296 districts."""
    view.page.wait_for_function(
        f"() => window.__bm && (window.__bm.log.some(e => e.n >= {N_LAD}) || document.querySelector(\"{APP_ERROR}\"))",
        timeout=PAINT_TIMEOUT_MS, polling=50)
    painted = [e["t"] for e in _log(view)["log"] if e["n"] >= N_LAD]
    if not painted:
        raise RuntimeError("the app showed an error instead of the map (see its log in artifacts/)")
    return float(painted[0])


def _settle(view: View) -> dict[str, Any]:
    """Wait until neither the map nor the websocket has changed for QUIET_MS; the monitor's record."""
    deadline = time.perf_counter() + SETTLE_TIMEOUT_S
    while True:
        state = dict(view.page.evaluate("() => ({last: window.__bm.last, now: performance.now()})"))
        if state["now"] - state["last"] >= QUIET_MS or time.perf_counter() > deadline:
            return _log(view)
        time.sleep(0.1)


def _map_in(ws: list[dict[str, Any]], *, until: float, since: float = 0.0) -> float:
    """When the largest websocket message between ``since`` and ``until`` (the map's) arrived, less ``since`` (ms).

    Up to then the time is the server's and the transfer's; after it, the browser's.
    """
    received = [m for m in ws if m["dir"] == "in" and since <= m["t"] <= until]
    return max(received, key=lambda m: m["bytes"])["t"] - since if received else 0.0


def _first_out(ws: list[dict[str, Any]], *, since: float) -> float | None:
    """When the browser first sent a message after ``since``, less ``since`` (ms)."""
    return next((m["t"] - since for m in ws if m["dir"] == "out" and m["t"] > since), None)


def _seconds(ms: float | None) -> float | None:
    return None if ms is None else ms / 1e3


def _bytes_in(ws: list[dict[str, Any]], *, until: float = float("inf"), since: float = 0.0) -> int:
    return sum(m["bytes"] for m in ws if m["dir"] == "in" and since <= m["t"] <= until)


def page_view(browser: Any, url: str) -> dict[str, Any]:
    """First paint of a fresh page: time, websocket bytes to paint, and what the page did until it settled."""
    view = _open(browser, url)
    try:
        paint = _wait_paint(view)
        record = _settle(view)
        ws = record["ws"]
        return {
            "first paint (s)": paint / 1e3,
            "map data received (s)": _map_in(ws, until=paint) / 1e3,
            "map data to paint, in the browser (s)": (paint - _map_in(ws, until=paint)) / 1e3,
            "websocket bytes to first paint (KB)": _bytes_in(ws, until=paint) / 1e3,
            "websocket bytes per page view, settled (KB)": _bytes_in(ws) / 1e3,
            "messages browser -> server per page view": sum(1 for m in ws if m["dir"] == "out"),
            "page settled (s)": max(e["t"] for e in record["log"] + ws) / 1e3,
            "blocked requests": len(view.blocked),
        }
    finally:
        view.context.close()


def _change_time(record: dict[str, Any], t0: float, done: Callable[[dict[str, Any]], bool]) -> tuple[float, float]:
    """Seconds from t0 until the map first reached its settled state, and until its last change."""
    after = [e for e in record["log"] if e["t"] > t0]
    if not after:
        raise TimeoutError("the map did not change")
    final = after[-1]
    if not done(final):
        raise TimeoutError(f"the map settled in an unexpected state ({final['n']} polygons)")
    first = next(e for e in after if e["n"] == final["n"] and e["sig"] == final["sig"])
    return (first["t"] - t0) / 1e3, (final["t"] - t0) / 1e3


def drill_down(browser: Any, url: str) -> dict[str, Any]:
    """A real click on Birmingham's polygon until its small areas are drawn."""
    view = _open(browser, url)
    try:
        _wait_paint(view)
        _settle(view)
        page = view.page
        box = page.locator(IFRAME).bounding_box(timeout=10_000)
        handle = page.query_selector(IFRAME)
        frame = handle.content_frame() if handle else None
        if box is None or frame is None:
            raise TimeoutError("no map iframe")
        # The part of the iframe inside the viewport, in iframe coordinates: no scrolling.
        rect = [max(0.0, -box["x"]), max(0.0, -box["y"]),
                min(box["width"], VIEWPORT["width"] - box["x"]), min(box["height"], VIEWPORT["height"] - box["y"])]
        target = frame.evaluate(FIND_TARGET_JS, [SAMPLE_LA, rect])
        if target is None:
            raise TimeoutError("no visible polygon to click")
        t0 = float(page.evaluate("() => performance.now()"))
        page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
        page.wait_for_function(f"(t0) => window.__bm.log.some(e => e.t > t0 && e.n > {N_LAD + 1})", arg=t0,
                               timeout=30_000, polling=50)
        record = _settle(view)
        drawn, settled = _change_time(record, t0, lambda e: e["n"] > N_LAD + 1)
        return {"drill-down click to small areas drawn (s)": drawn, "drill-down settled (s)": settled,
                "drill-down websocket bytes (KB)": _bytes_in(record["ws"], since=t0) / 1e3,
                "drill-down map data received (s)": _map_in(record["ws"], until=t0 + drawn * 1e3, since=t0) / 1e3,
                "drill-down click reaches the server (s)": _seconds(_first_out(record["ws"], since=t0)),
                "drill-down messages browser -> server": sum(1 for m in record["ws"] if m["dir"] == "out" and m["t"] > t0),
                "clicked": target["code"], "small-area polygons": record["log"][-1]["n"] - N_LAD}
    finally:
        view.context.close()


def indicator_switch(browser: Any, url: str) -> dict[str, Any]:
    """Female to Male on the Sex radio until the districts' fills change."""
    view = _open(browser, f"{url}/?level=lad&indicator=le_birth")
    try:
        _wait_paint(view)
        before = _settle(view)["log"][-1]
        page = view.page
        radio = page.locator("section[data-testid='stSidebar']").get_by_text("Male", exact=True)
        radio.wait_for(timeout=10_000)
        t0 = float(page.evaluate("() => performance.now()"))
        radio.click(timeout=10_000)
        page.wait_for_function(
            "([t0, sig]) => window.__bm.log.some(e => e.t > t0 && e.n >= 296 && e.sig !== sig)",
            arg=[t0, before["sig"]], timeout=30_000, polling=50)
        record = _settle(view)
        drawn, settled = _change_time(record, t0, lambda e: e["n"] >= N_LAD and e["sig"] != before["sig"])
        return {"indicator switch repaint (s)": drawn, "indicator switch settled (s)": settled,
                "indicator switch websocket bytes (KB)": _bytes_in(record["ws"], since=t0) / 1e3,
                "indicator switch map data received (s)": _map_in(record["ws"], until=t0 + drawn * 1e3, since=t0) / 1e3}
    finally:
        view.context.close()


# ---------------------------------------------------------------- the run
@dataclass(frozen=True)
class Measure:
    """One row of the table: the median of each app's samples and what counts as a pass."""

    name: str
    kind: str  # "ratio": atlas/baseline <= target; "atlas": atlas <= target (seconds); "info": no target
    target: float | None = None


MEASURES = (
    Measure("warm first paint (s)", "ratio", 1.0),
    Measure("cold first paint (s)", "ratio", 1.2),
    Measure("drill-down click to small areas drawn (s)", "atlas", 1.0),
    Measure("indicator switch repaint (s)", "atlas", 0.5),
    Measure("websocket bytes to first paint (KB)", "info"),
    Measure("websocket bytes per page view, settled (KB)", "info"),
    Measure("messages browser -> server per page view", "info"),
    Measure("warm map data received (s)", "info"),
    Measure("warm map data to paint, in the browser (s)", "info"),
    Measure("cold map data received (s)", "info"),
    Measure("cold map data to paint, in the browser (s)", "info"),
    Measure("warm page settled (s)", "info"),
    Measure("cold page settled (s)", "info"),
    Measure("server start to healthy (s)", "info"),
    Measure("drill-down click reaches the server (s)", "info"),
    Measure("drill-down map data received (s)", "info"),
    Measure("drill-down messages browser -> server", "info"),
    Measure("drill-down settled (s)", "info"),
    Measure("drill-down websocket bytes (KB)", "info"),
    Measure("indicator switch map data received (s)", "info"),
    Measure("indicator switch settled (s)", "info"),
    Measure("indicator switch websocket bytes (KB)", "info"),
)


#: Page-view measures that differ between a cold and a warm server; the rest are pooled.
PER_START = ("first paint (s)", "page settled (s)", "map data received (s)", "map data to paint, in the browser (s)")


def _add(samples: dict[str, dict[str, list[Any]]], app: str, values: dict[str, Any], *, prefix: str = "") -> None:
    for key, value in values.items():
        name = f"{prefix} {key}" if prefix and key in PER_START else key
        samples.setdefault(name, {}).setdefault(app, []).append(value)


def _attempt(errors: list[str], what: str, fn: Callable[[Any, str], dict[str, Any]], browser: Any, url: str) -> dict[str, Any]:
    """``fn(browser, url)``, or nothing (and the error noted) if it failed or timed out."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        return fn(browser, url)
    except (PlaywrightError, TimeoutError, RuntimeError, StopIteration) as exc:
        errors.append(f"{what}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
        print(f"  ! {errors[-1]}", flush=True)
        return {}


def browser_benchmarks(repeat: int) -> tuple[dict[str, dict[str, list[Any]]], list[str]]:
    """Every sample of every browser measure, by measure and app, and the errors met."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    samples: dict[str, dict[str, list[Any]]] = {}
    errors: list[str] = []
    with _baseline_script() as baseline_script, sync_playwright() as pw:
        servers = {"atlas": Server("atlas", REPO / "app.py"), "baseline": Server("baseline", baseline_script)}
        for server in servers.values():
            server.log.write_text("")
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for round_no in range(repeat):
                order = ["atlas", "baseline"] if round_no % 2 == 0 else ["baseline", "atlas"]
                print(f"round {round_no + 1}/{repeat} ({' first, '.join(order)} second)", flush=True)
                for app in order:  # cold: a server that has just started, one page each
                    server = servers[app]
                    try:
                        samples.setdefault("server start to healthy (s)", {}).setdefault(app, []).append(server.start())
                    except (RuntimeError, TimeoutError) as exc:
                        errors.append(f"{app} start: {exc}")
                        continue
                    cold = _attempt(errors, f"{app} cold view", page_view, browser, server.url)
                    _add(samples, app, cold, prefix="cold")
                    if not cold:  # a page that did not paint once will not paint warm: save the time
                        server.stop()
                for _ in range(WARM_VIEWS_PER_ROUND):  # warm: alternate fresh pages on the running servers
                    for app in order:
                        if servers[app].proc is not None:
                            _add(samples, app, _attempt(errors, f"{app} warm view", page_view, browser, servers[app].url),
                                 prefix="warm")
                url = servers["atlas"].url
                if servers["atlas"].proc is not None:
                    _add(samples, "atlas", _attempt(errors, "atlas drill-down", drill_down, browser, url))
                    _add(samples, "atlas", _attempt(errors, "atlas indicator switch", indicator_switch, browser, url))
                for server in servers.values():
                    server.stop()
        finally:
            for server in servers.values():
                server.stop()
            browser.close()
    return samples, errors


def _median(values: list[Any] | None) -> float | None:
    nums = [v for v in values or [] if isinstance(v, int | float)]
    return statistics.median(nums) if nums else None


def table(samples: dict[str, dict[str, list[Any]]]) -> list[dict[str, Any]]:
    rows = []
    for measure in MEASURES:
        by_app = samples.get(measure.name, {})
        atlas, baseline = _median(by_app.get("atlas")), _median(by_app.get("baseline"))
        ratio = atlas / baseline if atlas is not None and baseline else None
        if measure.kind == "ratio":
            passed: bool | None = ratio is not None and measure.target is not None and ratio <= measure.target
            target = f"ratio <= {measure.target:g}"
        elif measure.kind == "atlas":
            passed = atlas is not None and measure.target is not None and atlas <= measure.target
            target = f"<= {measure.target:g} s"
        else:
            passed, target = None, ""
        rows.append({"measure": measure.name, "atlas": atlas, "baseline": baseline, "ratio": ratio, "target": target,
                     "pass": passed, "samples": {app: by_app.get(app, []) for app in ("atlas", "baseline")}})
    return rows


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_table(rows: list[dict[str, Any]]) -> None:
    width = max(len(r["measure"]) for r in rows)
    print(f"\n{'measure':<{width}}  {'atlas':>9}  {'baseline':>9}  {'ratio':>6}  {'target':<14}  result")
    for r in rows:
        result = "" if r["pass"] is None else ("PASS" if r["pass"] else "FAIL")
        print(f"{r['measure']:<{width}}  {_fmt(r['atlas']):>9}  {_fmt(r['baseline']):>9}  {_fmt(r['ratio']):>6}  "
              f"{r['target']:<14}  {result}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="rounds (server restarts); warm views are 3 per round")
    parser.add_argument("--skip-data", action="store_true", help="skip the data-loading measures")
    parser.add_argument("--out", type=Path, default=ARTIFACTS / "benchmark.json")
    args = parser.parse_args()
    started = time.perf_counter()
    report: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                              "repeat": args.repeat, "warm_views_per_round": WARM_VIEWS_PER_ROUND}
    if not args.skip_data:
        data = data_benchmarks(args.repeat)
        report["data"] = data
        print("Data loading and payloads")
        width = max(len(k) for k in data)
        for key, value in data.items():
            print(f"  {key:<{width}}  {value:10.2f}")
    samples, errors = browser_benchmarks(args.repeat)
    rows = table(samples)
    print_table(rows)
    clicked = samples.get("clicked", {}).get("atlas", [])
    blocked = {app: sum(samples.get("blocked requests", {}).get(app, [])) for app in ("atlas", "baseline")}
    print(f"\ndrill-down clicked: {', '.join(sorted(set(clicked))) or '-'}; "
          f"non-localhost requests blocked: atlas {blocked['atlas']}, baseline {blocked['baseline']}")
    for error in errors:
        print(f"error: {error}")
    report.update({"rows": rows, "clicked": clicked, "blocked_requests": blocked, "errors": errors,
                   "small_area_polygons": samples.get("small-area polygons", {}).get("atlas", []),
                   "seconds": time.perf_counter() - started})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out} "
          f"in {report['seconds']:.0f} s")


if __name__ == "__main__":
    main()
