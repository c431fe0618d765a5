"""Two people side by side on one server, in two browser contexts: their uploads stay apart, a refresh reaches both.

The same three defects as ``tests/ui/test_sessions.py``, as people meet them at 1366x768
with every request off this machine blocked: two sessions upload a column of the same
name ("rate") with different values, and each sees only its own on the district map,
the drill-down, the national small-area map, the target page, the Spearhead page and
in every download; a refresh made by the operator on one replica's shared folder is
on the other replica's map at its next view.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest

from tests.browser.conftest import ARTIFACTS, MAP_FRAME, REPO, click_area, download, serve_app, settle, upload_file, url_query

pytestmark = pytest.mark.browser

LIVERPOOL = "E08000012"
_DECIMAL = re.compile(r"\d+\.\d+")


def _context(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    context.route("**/*", lambda route: route.continue_() if (urlparse(route.request.url).hostname or "") in (
        "127.0.0.1", "localhost") or route.request.url.startswith(("data:", "blob:")) else route.abort())
    return context


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, data_dir) -> dict[str, Path]:
    """Each person's file: every 2011 LSOA of Liverpool, a column "rate"; A's values 10-13, B's 90-93."""
    from geo import boundaries

    lsoas = boundaries.lsoas_within(LIVERPOOL, level="lad", vintage="2019")["area_code"]
    folder = tmp_path_factory.mktemp("uploads")
    out = {}
    for who, base in (("A", 10), ("B", 90)):
        path = folder / f"rates_{who}.csv"
        path.write_text("LSOA11CD,rate\n" + "".join(f"{c},{base + i / 100:.2f}\n" for i, c in enumerate(lsoas)))
        out[who] = path
    return out


def _own(numbers: list[float], who: str) -> bool:
    low, high = (10.0, 13.0) if who == "A" else (90.0, 93.0)
    return bool(numbers) and all(low <= n <= high for n in numbers)


def _legend_numbers(page, title: str) -> list[float]:
    legend = page.locator(".hga-legend", has_text=title).first
    legend.wait_for(timeout=60_000)
    return [float(x) for x in _DECIMAL.findall(legend.inner_text().split("\n", 1)[1])]


def _download(page, name: str) -> pd.DataFrame:
    """Press a download button and read the file; a click a rerun swallowed is made again (conftest.download)."""
    text = download(page, name, timeout_ms=20_000).read_text(encoding="utf-8")
    return pd.read_csv(io.StringIO(text), comment="#", dtype={"area_code": str})


def _add(page, path: Path | None, *, draw_on: str) -> str:
    """Upload ``path`` (``None``: the file already chosen), draw it on ``draw_on``, as a rate; the new indicator id."""
    if path is not None:
        upload_file(page, path)
    page.get_by_text(draw_on, exact=False).first.click()
    settle(page)
    if draw_on == "this map":
        page.get_by_text("Rate (weight by population)", exact=True).first.click()
        settle(page)
    before = url_query(page).get("indicator", "")
    page.get_by_role("button", name="Add to map").click()
    page.wait_for_function(
        "(before) => { const i = new URLSearchParams(location.search).get('indicator') || '';"
        " return i.startsWith('upload:') && i !== before; }", arg=before, timeout=60_000)
    settle(page)
    return url_query(page)["indicator"]


def _nav(page, name: str) -> None:
    page.get_by_role("link", name=name).click()
    settle(page)


def test_same_named_uploads_stay_in_their_own_sessions_everywhere(app_url, browser, files) -> None:
    """Each step is taken by A, then by B, so B meets whatever A's step left in the server's caches."""
    with ExitStack() as stack:
        contexts = {who: _context(browser) for who in ("A", "B")}
        for ctx in contexts.values():
            stack.callback(ctx.close)
        pages = {who: ctx.new_page() for who, ctx in contexts.items()}
        other = {"A": "B", "B": "A"}
        ids: dict[str, str] = {}
        try:
            # The district map: both add their file to the 2023 districts.
            for who, pg in pages.items():
                pg.goto(f"{app_url}/?level=lad&vintage=2023")
                pg.get_by_text("Your own data", exact=True).wait_for(timeout=60_000)
                ids[who] = _add(pg, files[who], draw_on="this map")
            token = {who: i.split(":")[1] for who, i in ids.items()}
            for who, pg in pages.items():
                assert _own(_legend_numbers(pg, "your file"), who), f"{who}'s district legend"
                table = _download(pg, "Table (CSV)")
                value = float(table.loc[table["area_code"] == LIVERPOOL, "value"].iloc[0])
                assert _own([value], who), f"{who}'s table download has {value}"
            # The drill-down: Liverpool's small areas, drawn by the uploaded column.
            for who, pg in pages.items():
                click_area(pg, LIVERPOOL)
                pg.get_by_role("heading", name="Liverpool").wait_for(timeout=60_000)
                settle(pg)
                pg.get_by_role("combobox", name="Small-area indicator").click()
                pg.keyboard.type("rate")  # as a person narrows a long list
                pg.get_by_role("option").first.wait_for(timeout=30_000)
                options = pg.get_by_role("option").all_inner_texts()
                assert options.count("rate") == 1, f"{who} is offered {options}"
                pg.get_by_role("option", name="rate", exact=True).click()
                pg.wait_for_function("(id) => new URLSearchParams(location.search).get('lsoa') === id", arg=ids[who],
                                     timeout=60_000)
                settle(pg)
                assert _own(_legend_numbers(pg, "Small areas in Liverpool"), who), f"{who}'s small-area legend"
                small = _download(pg, "Small areas (CSV)")
                assert len(small) > 250 and _own(small["value"].dropna().tolist(), who), f"{who}'s small-area download"
            # A third person, with no upload, drills into Liverpool after A and B did.
            third = _context(browser)
            stack.callback(third.close)
            pc = third.new_page()
            pc.goto(f"{app_url}/?level=lad&vintage=2023&area={LIVERPOOL}")
            pc.get_by_role("heading", name="Liverpool").wait_for(timeout=60_000)
            settle(pc)
            assert pc.get_by_text("encountered an error", exact=False).count() == 0
            pc.get_by_role("combobox", name="Small-area indicator").click()
            pc.keyboard.type("rate")
            pc.wait_for_timeout(500)
            assert "rate" not in pc.get_by_role("option").all_inner_texts(), "another person's column is offered"
            pc.keyboard.press("Escape")
            pc.screenshot(path=str(ARTIFACTS / "test_sessions_C.png"))
            # The national small-area map: the same file, drawn as in the file (2011 LSOAs).
            codes = pd.read_csv(files["A"], dtype=str)["LSOA11CD"].tolist()
            for who, pg in pages.items():
                ids[who + "_lsoa"] = _add(pg, None, draw_on="as in the file")
                assert url_query(pg)["level"] == "lsoa"
                assert _own(_legend_numbers(pg, "your file"), who), f"{who}'s national legend"
                # What the map itself draws and writes in its tooltips (the value table sent to the browser).
                frame = pg.wait_for_selector(MAP_FRAME, timeout=60_000).content_frame()
                frame.wait_for_function("() => window.hgaNationalPainted && window.hgaNational.table.title.includes('rate')",
                                        timeout=60_000)
                texts = frame.evaluate("(codes) => codes.map(c => window.hgaNational.text(window.hgaNational.data.index[c]))",
                                       codes)
                drawn = [float(t.split(" ")[0]) for t in texts if t and t[0].isdigit()]
                assert len(drawn) > 250 and _own(drawn, who), f"{who}'s national map draws {drawn[:3]}"
                national = _download(pg, "Table (CSV)")
                assert _own(national["value"].dropna().tolist(), who), f"{who}'s national download"
            assert token["A"] != token["B"], "upload ids carry a per-session part"
            # The target page lists each person's own columns only.
            for who, pg in pages.items():
                _nav(pg, "Target small areas")
                pg.get_by_text("Indicator ids you can use", exact=True).click()
                listed = pg.get_by_text("Your uploaded columns", exact=False).first
                listed.wait_for(timeout=60_000)
                text = " ".join(pg.locator("[data-testid='stSidebar']").all_inner_texts())
                assert f"upload_{token[who]}_" in text and f"upload_{token[other[who]]}_" not in text
                # A rule on the person's own small-area column: A's values (10-13) never pass 50, B's (90-93) all do.
                rule = pg.get_by_role("textbox", name="Rule over small-area indicators")
                rule.fill(f"upload_{token[who]}_2_rate > 50")
                rule.press("Control+Enter")
                rule.blur()  # as a person moves on from the box: its last change is sent before the next click
                settle(pg)
                ranked = pg.get_by_role("heading", name=re.compile(r"Ranked list")).first
                ranked.wait_for(timeout=60_000)
                found = int(re.sub(r"\D", "", ranked.inner_text()) or 0)
                assert (found == 0) if who == "A" else (found > 250), f"{who}'s rule matched {found}"
                if who == "B":  # the matches' download carries B's own column, under B's own id
                    matched = _download(pg, "Download CSV")
                    column = f"upload_{token['B']}_2_rate"
                    assert len(matched) > 250 and _own(matched[column].tolist(), "B")
                    assert not [c for c in matched.columns if token["A"] in c]
            # The Spearhead page offers each person's own district column only.
            for who, pg in pages.items():
                _nav(pg, "Spearhead areas")
                pg.get_by_text("Use an uploaded column", exact=True).wait_for(timeout=60_000)
                settle(pg)
                pg.get_by_role("combobox", name="Use an uploaded column").click()
                pg.keyboard.type("rate")
                pg.get_by_role("option").first.wait_for(timeout=30_000)
                offered = [o for o in pg.get_by_role("option").all_inner_texts() if "your file" in o]
                assert len(offered) == 1, f"{who} is offered {offered}"
                pg.get_by_role("option").filter(has_text="your file").first.click()
                pg.wait_for_function("(t) => (new URLSearchParams(location.search).get('own') || '').startsWith(t)",
                                     arg=f"upload:{token[who]}:", timeout=60_000)
                settle(pg)
                assert pg.get_by_text("Traceback").count() == 0
                pg.get_by_text("Higher values are worse", exact=True).click()  # which way is worse for the column
                settle(pg)
                table = _download(pg, "Download the table (CSV)")
                row = table.loc[table["area_code"] == LIVERPOOL].iloc[0]
                assert _own([float(row["own_value"])], who), f"{who}'s Spearhead table has {row['own_value']}"
        finally:
            for who, pg in pages.items():
                pg.screenshot(path=str(ARTIFACTS / f"test_sessions_{who}.png"))


# ---------------------------------------------------------------- a refresh on another replica
def _fake_fingertips(root: Path, *, value: float) -> tuple[str, object]:
    """A local Fingertips serving life expectancy with Liverpool's women at ``value`` in 2023-25; (API URL, server)."""
    from tests.geo.fake_fingertips import FIXTURES, FakeFingertips, QuietServer, handler

    replies = root / "replies"
    shutil.copytree(FIXTURES, replies)
    lines = (replies / "90366_501.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = dict(zip(header, lines[1].split(","), strict=True))
    row.update({"Area Code": LIVERPOOL, "Area Name": "Liverpool", "Time period": "2023 - 25", "Value": f"{value}",
                "Time period Sortable": "20230000"})
    lines.append(",".join(row[h] for h in header))
    (replies / "90366_501.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    server = QuietServer(("127.0.0.1", 0), handler(FakeFingertips(routes={("90366", "501"): "90366_501.csv"},
                                                                  folder=replies)))
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/api/", server


@pytest.fixture(scope="module")
def two_replicas(tmp_path_factory: pytest.TempPathFactory, data_dir) -> Iterator[tuple[str, str, Path]]:
    """Two replicas of the atlas sharing one refreshed folder (HGA_REFRESH_DIR), as on two machines."""
    shared_dir = tmp_path_factory.mktemp("shared-refresh")
    env = {"HGA_REFRESH_DIR": str(shared_dir)}
    with serve_app(ARTIFACTS / "streamlit_replica_1.log", env=env) as one, \
            serve_app(ARTIFACTS / "streamlit_replica_2.log", env=env) as two:
        yield one, two, shared_dir


def _liverpool_women(page, url: str) -> str:
    page.goto(f"{url}/?level=lad&vintage=2023&indicator=le_birth&period=2023-25&sex=female&area={LIVERPOOL}")
    page.get_by_role("heading", name="Liverpool").wait_for(timeout=90_000)
    settle(page)
    line = page.get_by_text("Life expectancy (female), 2023-25:", exact=False).first.inner_text()
    return line


def test_a_refresh_on_one_replica_is_on_the_others_next_view(two_replicas, browser, tmp_path) -> None:
    one, two, shared_dir = two_replicas
    api, server = _fake_fingertips(tmp_path, value=85.6)
    context = _context(browser)
    try:
        page = context.new_page()
        before = _liverpool_women(page, two)
        assert "80.6" in before
        # The operator refreshes on replica one's machine, into the folder both replicas read.
        done = subprocess.run([sys.executable, "-m", "geo", "refresh", "--indicators", "90366", "--base-url", api,
                               "--dir", str(shared_dir)], cwd=REPO, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        after = _liverpool_women(page, two)  # replica two, its next view: no restart
        assert "85.6" in after and "80.6" not in after, after
        assert "85.6" in _liverpool_women(page, one)
        page.screenshot(path=str(ARTIFACTS / "test_sessions_refresh_replica_2.png"))
    finally:
        context.close()
        server.shutdown()  # type: ignore[attr-defined]
        server.server_close()  # type: ignore[attr-defined]
