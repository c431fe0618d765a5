"""Benchmark the atlas: data loading, payload sizes, and (with --browser) paint times in headless Chromium.

Usage: .venv/bin/python scripts/benchmark.py [--browser] [--repeat N]

Reports medians. The baseline is a naive ``GeoDataFrame.explore()`` of the same layer.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import geopandas as gpd  # noqa: E402
import pandas as pd  # noqa: E402

from geo import boundaries, indicators  # noqa: E402
from geo.catalogue import get  # noqa: E402
from geo.classify import classify  # noqa: E402
from layers import assets  # noqa: E402
from layers.choropleth import base_map, choropleth_layer  # noqa: E402
from layers.style import scheme_for  # noqa: E402

LA = ("lad", "2023")
SAMPLE_LA = "E08000025"  # Birmingham, the district with the most LSOAs
VIEW = dict(indicator_id="le_birth", level="lad", vintage="2023", period="2023-25", sex="female")


def _median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        boundaries._read.cache_clear()
        indicators._rows.cache_clear()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _geojson_bytes(gdf: gpd.GeoDataFrame) -> int:
    return len(json.dumps(json.loads(gdf[["area_code", "area_name", "geometry"]].to_json()), separators=(",", ":")))


def _layer_bytes(gdf: gpd.GeoDataFrame) -> tuple[int, int]:
    """Bytes of our layer's page and of a naive explore() page for the same data."""
    ind = get("le_birth")
    values = indicators.load(**VIEW)
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def browser_benchmarks(repeat: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.port", str(port),
                             "--server.headless", "true"], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out: dict[str, list[float]] = {k: [] for k in ("first paint (s)", "switch sex repaint (s)", "drill-down click to LSOAs (s)",
                                                   "script reruns from pan+zoom", "websocket bytes to first paint (KB)")}
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"])
            for i in range(repeat + 1):  # the first round warms the server
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort())
                sent, received = [], []

                def on_ws(ws, sent=sent, received=received):
                    ws.on("framesent", lambda p: sent.append(time.perf_counter()))
                    ws.on("framereceived", lambda p: received.append(len(p) if isinstance(p, bytes | str) else 0))

                page.on("websocket", on_ws)
                t0 = time.perf_counter()
                page.goto(url)
                frame = page.wait_for_selector("iframe[title='streamlit_folium.st_folium']").content_frame()
                frame.wait_for_function("() => document.querySelectorAll('path.leaflet-interactive').length >= 296")
                first = time.perf_counter() - t0
                ws_kb = sum(received) / 1e3
                page.wait_for_timeout(1500)
                # pan and zoom: count messages the browser sends to the server (each rerun starts with one)
                n_before = len(sent)
                box = page.query_selector("iframe[title='streamlit_folium.st_folium']").bounding_box()
                page.mouse.move(box["x"] + 250, box["y"] + 300)
                page.mouse.down()
                page.mouse.move(box["x"] + 350, box["y"] + 350, steps=5)
                page.mouse.up()
                page.mouse.wheel(0, -300)
                page.wait_for_timeout(2000)
                reruns = len(sent) - n_before
                # switch sex on a fresh page: wait for the caption to say "male" and the map to repaint
                page.goto(url)
                frame = page.wait_for_selector("iframe[title='streamlit_folium.st_folium']").content_frame()
                frame.wait_for_function("() => document.querySelectorAll('path.leaflet-interactive').length >= 296")
                page.wait_for_timeout(1000)
                fill = frame.evaluate("() => document.querySelectorAll('path.leaflet-interactive')[150].getAttribute('fill')")
                t1 = time.perf_counter()
                page.get_by_text("Male", exact=True).click()
                page.get_by_text(", male, 2023-25").first.wait_for()
                frame = page.wait_for_selector("iframe[title='streamlit_folium.st_folium']").content_frame()
                frame.wait_for_function("() => document.querySelectorAll('path.leaflet-interactive').length >= 296")
                switch = time.perf_counter() - t1
                del fill
                # drill down on a fresh page: click a district, wait for its LSOAs
                page.goto(url)
                frame = page.wait_for_selector("iframe[title='streamlit_folium.st_folium']").content_frame()
                frame.wait_for_function("() => document.querySelectorAll('path.leaflet-interactive').length >= 296")
                page.wait_for_timeout(1000)
                t2 = time.perf_counter()
                frame.locator("path.leaflet-interactive").nth(150).click(force=True)
                frame = page.wait_for_selector("iframe[title='streamlit_folium.st_folium']").content_frame()
                frame.wait_for_function("() => document.querySelectorAll('path.leaflet-interactive').length > 300",
                                        timeout=30_000)
                drill = time.perf_counter() - t2
                if i:
                    out["first paint (s)"].append(first)
                    out["switch sex repaint (s)"].append(switch)
                    out["drill-down click to LSOAs (s)"].append(drill)
                    out["script reruns from pan+zoom"].append(reruns)
                    out["websocket bytes to first paint (KB)"].append(ws_kb)
                page.close()
            browser.close()
    finally:
        proc.terminate()
    return {k: statistics.median(v) for k, v in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--browser", action="store_true", help="also time the app in headless Chromium")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results = data_benchmarks(args.repeat)
    if args.browser:
        results.update(browser_benchmarks(args.repeat))
    width = max(len(k) for k in results)
    for key, value in results.items():
        print(f"{key:<{width}}  {value:10.2f}")


if __name__ == "__main__":
    main()
