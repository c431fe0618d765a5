"""Fixtures for browser tests: a Streamlit server on a free port and headless Chromium.

Every request that does not go to localhost is aborted and recorded, so the tests
prove the app works with no internet.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs, urlparse

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_app(log: Path, *, env: dict[str, str] | None = None) -> Iterator[str]:
    """``streamlit run app.py`` on a free port (with ``env`` added), until it answers; its URL. Stops it after."""
    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
             "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=REPO, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                        if resp.status == 200:
                            break
                except OSError:
                    time.sleep(0.3)
            else:
                pytest.fail(f"Streamlit did not start; see {log}")
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    if not (REPO / "data" / "catalogue.json").exists():
        pytest.skip("data/ has not been built")
    with serve_app(ARTIFACTS / "streamlit.log") as url:
        yield url


@dataclass
class Blocked:
    """Requests the page tried to make to anywhere but localhost."""

    urls: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")  # one sync Playwright at a time: other modules start their own
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: object, request: pytest.FixtureRequest) -> Iterator[tuple[object, Blocked]]:
    context = browser.new_context(viewport={"width": 1366, "height": 768})  # a common laptop screen  # type: ignore[attr-defined]
    blocked = Blocked()

    def _route(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        host = urlparse(url).hostname or ""
        if url.startswith(("data:", "blob:", "about:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()  # type: ignore[attr-defined]
        else:
            blocked.urls.append(url)
            route.abort()  # type: ignore[attr-defined]

    context.route("**/*", _route)
    pg = context.new_page()
    yield pg, blocked
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=False)
    context.close()


MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"


def url_query(page: object) -> dict[str, str]:
    """The page's URL parameters, one value each: the view the page keeps in its link."""
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}  # type: ignore[attr-defined]


def map_frame(page: object, *, timeout_ms: int = 60_000) -> Any:
    """The map's frame (streamlit-folium's iframe), once the page has drawn it."""
    return page.wait_for_selector(MAP_FRAME, timeout=timeout_ms).content_frame()  # type: ignore[attr-defined]


def area_point(page: object, area_code: str) -> tuple[float, float]:
    """Where an area's visible middle is on the page (page pixels); fails if it is not drawn or off screen."""
    frame_el = page.wait_for_selector(MAP_FRAME, timeout=60_000)  # type: ignore[attr-defined]
    point = frame_el.content_frame().evaluate(
        """(code) => {
            let hit = null;
            window.map.eachLayer((l) => {
                if (!hit && l.feature && l.feature.properties && l.feature.properties.area_code === code && l.getCenter) {
                    hit = window.map.latLngToContainerPoint(l.getCenter());
                }
            });
            if (!hit) return null;
            const box = window.map.getContainer().getBoundingClientRect();
            return {x: box.left + hit.x, y: box.top + hit.y};
        }""",
        area_code,
    )
    assert point is not None, f"{area_code} is not drawn on the map"
    box = frame_el.bounding_box()
    x, y = box["x"] + point["x"], box["y"] + point["y"]
    viewport = page.viewport_size  # type: ignore[attr-defined]
    assert 0 <= x < viewport["width"] and 0 <= y < viewport["height"], f"{area_code} is off screen at ({x:.0f}, {y:.0f})"
    return x, y


def click_area(page: object, area_code: str) -> None:
    """Click an area as a person does: one mouse click on the visible middle of its polygon.

    No forced click and no scrolling first: if the polygon is not where the user sees
    it, the test fails the way a user would.
    """
    page.mouse.click(*area_point(page, area_code))  # type: ignore[attr-defined]


def hover_area(page: object, area_code: str) -> None:
    """Move the mouse onto an area's visible middle, from just beside it, as a person points at it."""
    x, y = area_point(page, area_code)
    page.mouse.move(x - 3, y - 3)  # type: ignore[attr-defined]
    page.mouse.move(x, y)  # type: ignore[attr-defined]


def area_tooltip(page: object, area_code: str) -> str:
    """Point at an area and read the tooltip that opens."""
    hover_area(page, area_code)
    frame = page.wait_for_selector(MAP_FRAME, timeout=60_000).content_frame()  # type: ignore[attr-defined]
    tip = frame.locator(".leaflet-tooltip").last
    tip.wait_for(timeout=30_000)
    return str(tip.inner_text())


def download(page: object, name: str, folder: Path | None = None, *, timeout_ms: int = 30_000) -> Path:
    """Press a download button with the mouse, as a person does, and return the file the browser saved.

    With ``folder``, the file is kept there under the name the page gave it (its suffix says what it is).

    A click that lands while a map component reruns the page is answered by a button that is
    gone (Streamlit keeps spinning); a person clicks again, so up to three clicks.
    """
    for attempt in range(3):
        settle(page)
        page.wait_for_timeout(1_500)  # type: ignore[attr-defined]  # a map's late value can start one more run
        settle(page)
        button = page.get_by_role("button", name=name, exact=True).first  # type: ignore[attr-defined]
        button.scroll_into_view_if_needed()
        box = button.bounding_box()
        assert box is not None, f"{name} is not visible"
        try:
            with page.expect_download(timeout=timeout_ms) as saved:  # type: ignore[attr-defined]
                page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # type: ignore[attr-defined]
            break
        except Exception:
            if attempt == 2:
                raise
    if folder is None:
        return Path(saved.value.path())
    path = folder / saved.value.suggested_filename
    saved.value.save_as(path)
    return path


def upload_file(page: object, path: Path) -> None:
    """Open "Your own data" in the sidebar and pick ``path`` with the file chooser, until "Add to map" is offered."""
    page.get_by_text("Your own data", exact=True).click()  # type: ignore[attr-defined]
    browse = page.get_by_role("button", name="Upload", exact=True)  # type: ignore[attr-defined]
    browse.wait_for(timeout=30_000)
    settle(page)  # a click while the sidebar still reruns can land on a button about to be replaced
    with page.expect_file_chooser() as chooser:  # type: ignore[attr-defined]
        browse.click()
    chooser.value.set_files(str(path))
    page.get_by_role("button", name="Add to map").wait_for(timeout=60_000)  # type: ignore[attr-defined]


#: The WCAG 2.0 A and AA rules the browser tests have always audited.
WCAG20: Final = ("wcag2a", "wcag2aa")
#: Every rule set the public sector accessibility regulations ask for: WCAG 2.0, 2.1 and 2.2 at A and AA.
WCAG22: Final = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
#: Every impact axe-core gives a violation.
EVERY_IMPACT: Final = ("critical", "serious", "moderate", "minor")


def axe_violations(
    page: object,
    *,
    impacts: tuple[str, ...] = ("critical", "serious"),
    tags: tuple[str, ...] = WCAG20,
    frames: bool = False,
) -> list[str]:
    """Run axe-core (npm) on the page and return the violations of the given impacts, as text.

    ``tags`` are the axe rule sets run (``runOnly`` by tag). With ``frames``, axe is put into
    every frame first (the map's, the components'), so their content is audited with the page;
    without it, axe skips a frame it cannot reach.
    """
    if not AXE.exists():
        pytest.fail(f"axe-core is not installed at {AXE}; run `cd tests/browser && npm ci` (scripts/test.sh does).")
    # Audit the page a person reads: while a rerun draws, Streamlit fades the old elements (low contrast).
    settle(page)
    if frames:
        for frame in page.frames:  # type: ignore[attr-defined]
            if frame is not page.main_frame and not frame.is_detached():  # type: ignore[attr-defined]
                frame.add_script_tag(path=str(AXE))
    page.add_script_tag(path=str(AXE))  # type: ignore[attr-defined]
    result = page.evaluate(  # type: ignore[attr-defined]
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", list(tags)
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -- {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def settle(page: object, *, timeout_ms: int = 60_000) -> None:
    """Wait until the app has finished its rerun, as a person waits for the page to stop changing.

    Streamlit marks its root element ``data-test-script-state="notRunning"`` when idle; a
    click made while a rerun is still drawing can be swallowed by that rerun.
    """
    page.wait_for_timeout(300)  # type: ignore[attr-defined]  # let a rerun that was just triggered start
    page.wait_for_selector(  # type: ignore[attr-defined]
        "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout_ms
    )
