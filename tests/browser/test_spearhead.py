"""The Spearhead page in headless Chromium: the overlay, the criteria panel, the gap and the gradient."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from geo import spearhead
from geo._paths import DATA_DIR
from tests.browser.conftest import ARTIFACTS, MAP_FRAME, REPO, _free_port, axe_violations, click_area

pytestmark = pytest.mark.browser

LIVERPOOL = "E08000012"


def _frame(page):
    return page.wait_for_selector(MAP_FRAME, timeout=90_000).content_frame()


def _query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def test_overlay_labels_qualifying_areas_and_the_panel_lists_criteria(app_url, page, data_dir) -> None:
    pg, blocked = page
    pg.goto(f"{app_url}/spearhead?period=2015-17")
    result = spearhead.run("2015-17")
    n = int(result.assessment.table["qualifies"].sum())
    frame = _frame(pg)
    frame.locator(".hga-label").first.wait_for(state="attached", timeout=90_000)
    assert frame.locator(".hga-label").count() == n  # one 3/5, 4/5 or 5/5 label per qualifying area
    frame.get_by_role("button", name="Zoom in").click()  # labels show from zoom 7, as the legend says
    frame.get_by_text("5/5").first.wait_for(timeout=10_000)
    pg.get_by_text(f"{n} of {len(result.assessment.table)} local authorities qualify", exact=False).first.wait_for()
    pg.wait_for_timeout(500)
    click_area(pg, LIVERPOOL)
    pg.get_by_role("heading", name="Liverpool").first.wait_for(timeout=30_000)
    assert _query(pg)["area"] == LIVERPOOL
    assert pg.get_by_text("Cut-off", exact=False).first.is_visible()
    assert blocked.urls == []


def test_reconstruction_says_what_is_not_held(app_url, page) -> None:
    pg, _ = page
    pg.goto(f"{app_url}/spearhead?period=2001-03")
    pg.get_by_text("Male life expectancy at birth for 2001-03 is not held", exact=False).first.wait_for(timeout=90_000)
    assert pg.get_by_text("rests on 4 of the 5", exact=False).first.is_visible()


@pytest.mark.parametrize("tab", ["areas", "gap", "gradient"])
def test_each_view_passes_an_axe_audit(app_url, page, tab: str) -> None:
    pg, _ = page
    pg.goto(f"{app_url}/spearhead?tab={tab}")
    pg.wait_for_selector(MAP_FRAME if tab != "gap" else "[data-testid='stVegaLiteChart']", timeout=90_000)
    pg.wait_for_timeout(1500)
    assert axe_violations(pg) == []


def test_bad_url_falls_back_with_a_note(app_url, page) -> None:
    pg, _ = page
    pg.goto(f"{app_url}/spearhead?period=1066&threshold=nine")
    pg.get_by_text("Ignored", exact=False).first.wait_for(timeout=90_000)
    assert pg.get_by_text("Traceback").count() == 0


def test_official_list_with_pcts_on_the_pct_map(app_url, page, tmp_path) -> None:
    pg, _ = page
    upload = tmp_path / "official.csv"
    upload.write_text("code\nLiverpool\nE16000001\nCentral Liverpool PCT\n", encoding="utf-8")
    pg.goto(f"{app_url}/spearhead?period=2015-17&level=pct")
    _frame(pg)
    with pg.expect_file_chooser() as chooser:
        pg.get_by_role("button", name="Upload", exact=True).first.click()
    chooser.value.set_files(str(upload))
    pg.get_by_text("PCT entries not matched", exact=False).first.wait_for(timeout=90_000)
    assert pg.get_by_text("Local authorities (1 entries)", exact=False).first.is_visible()
    assert pg.get_by_text("PCTs (2 entries", exact=False).first.is_visible()
    assert pg.get_by_text("303 Primary Care Trusts of 2002-06", exact=False).first.is_visible()
    pg.screenshot(path="artifacts/spearhead_official_pcts.png", full_page=True)


def test_gap_view_charts_relative_and_absolute_gaps(app_url, page) -> None:
    from geo import gap

    pg, _ = page
    pg.goto(f"{app_url}/spearhead?tab=gap&family=cvd")
    charts = pg.locator("[data-testid='stVegaLiteChart']")
    charts.first.wait_for(timeout=90_000)
    pg.get_by_text("relative (%) and absolute (per 100,000)", exact=False).first.wait_for(timeout=30_000)
    pg.wait_for_timeout(1500)
    assert charts.count() == 2 * len(gap.FAMILIES["cvd"])  # one relative and one absolute chart per indicator
    pg.screenshot(path="artifacts/spearhead_gap_two_charts.png")


# --- after a Fingertips refresh -------------------------------------------------------------------

#: The official under-75 series a refresh brings: (Fingertips id, bundled proxy, area type, its name).
_OFFICIAL = (("40501", "u75_cancer_prev", 101, "Districts & UAs (pre Apr 2019)"),
             ("40401", "u75_cvd_prev", 501, "Districts & UAs (from Apr 2023)"))


def _official_reply(fingertips_id: str, proxy: str, area_type: str, header: str) -> str:
    """A reply in the Fingertips CSV format for an official series, made from the bundled proxy's rows.

    Scaffolding: no 40501 or 40401 reply is recorded (the raw folder holds neither:
    indicators3/PROVENANCE.md, section 3), so the fake server serves the proxy's real
    rows under the official id. The test reads which series the page says it uses and
    the periods it covers, never the figures.
    """
    import csv
    import io

    from geo import indicators

    rows = indicators.table(proxy)
    rows = rows[rows["level"].isin(["lad", "england"]) & (rows["sex"] == "persons")]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header.split(","), lineterminator="\n")
    writer.writeheader()
    for r in rows.itertuples():
        england = r.level == "england"
        start, end = str(r.period).split("-")
        writer.writerow({
            "Indicator ID": fingertips_id, "Area Code": r.area_code, "Area Type": "England" if england else area_type,
            "Sex": "Persons", "Age": "<75 yrs", "Time period": f"{start} - {end}",
            "Value": "" if r.status != "ok" else f"{r.value}",
            "Value note": "Value suppressed for disclosure control due to small count" if r.status == "suppressed" else "",
            "Time period Sortable": f"{start}0000", "Time period range": "3y",
        })
    return out.getvalue()


def refreshed_folder(root: Path) -> Path:
    """``python -m geo refresh`` into ``root`` from the local fake Fingertips server of tests/geo/test_refresh.py.

    Life expectancy comes from the recorded replies (tests/fixtures/fingertips); the
    official under-75 series from :func:`_official_reply`.
    """
    import shutil
    import threading
    from unittest import mock

    from geo import refresh
    from tests.geo import test_refresh as fake_api

    replies = root / "replies"
    shutil.copytree(fake_api.FIXTURES, replies)
    header = (fake_api.FIXTURES / "90366_101.csv").read_text(encoding="utf-8").splitlines()[0]
    routes = {("90366", "501"): "90366_501.csv", ("90366", "201"): "90366_201.csv", ("90366", "101"): "90366_101.csv"}
    for fid, proxy, type_id, type_name in _OFFICIAL:
        (replies / f"{fid}_{type_id}.csv").write_text(_official_reply(fid, proxy, type_name, header), encoding="utf-8")
        meta = json.loads((fake_api.FIXTURES / "metadata_90366.json").read_text(encoding="utf-8"))["90366"]
        meta = {**meta, "IID": int(fid), "Descriptive": {"Name": f"Official series {fid} (test reply)"}}
        (replies / f"metadata_{fid}.json").write_text(json.dumps({fid: meta}), encoding="utf-8")
        routes[(fid, str(type_id))] = f"{fid}_{type_id}.csv"
    state = fake_api.FakeFingertips(routes=routes)
    server = fake_api._QuietServer(("127.0.0.1", 0), fake_api._handler(state))
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        with mock.patch.object(fake_api, "FIXTURES", replies):
            refresh.refresh(["90366", "40501", "40401"], base_url=f"http://127.0.0.1:{server.server_address[1]}/api/",
                            refresh_dir=root / "refreshed", data_dir=DATA_DIR,
                            http=refresh.Http(timeout=10.0, deadline=60.0, retries=1, backoff=0.0))
    finally:
        server.shutdown()
        server.server_close()
    return root / "refreshed"


@pytest.fixture(scope="module")
def refreshed_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on its own port, reading a refresh made from the fake server (``HGA_REFRESH_DIR``)."""
    folder = refreshed_folder(tmp_path_factory.mktemp("refresh"))
    port = _free_port()
    log = ARTIFACTS / "streamlit_refreshed.log"
    ARTIFACTS.mkdir(exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "HGA_REFRESH_DIR": str(folder)},
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


def test_after_a_refresh_the_page_says_the_official_series_and_their_periods(refreshed_url, page) -> None:
    from geo import indicators

    def span(proxy: str) -> str:  # the periods the fake server's reply holds (see _official_reply)
        held = sorted(set(indicators.table(proxy)["period"]), key=spearhead.period_year)
        return f"{held[0]} to {held[-1]}"

    pg, blocked = page
    pg.goto(f"{refreshed_url}/spearhead?period=2015-17")
    pg.get_by_text("local authorities qualify", exact=False).first.wait_for(timeout=90_000)
    for what, fid, proxy in (("All cancer deaths under 75", "40501", "u75_cancer_prev"),
                             ("All cardiovascular deaths under 75", "40401", "u75_cvd_prev")):
        words = (f"{what}: the official series (OHID Fingertips indicator {fid}, released 2025-12-02, downloaded "
                 f"{{}}), held for {span(proxy)}, used here for 2015-17 in place of the proxy")
        sentence = pg.get_by_text(words.split("{}")[0], exact=False).first
        assert sentence.is_visible()
        assert words.split("{}")[1] in sentence.inner_text()
    assert pg.get_by_text("(proxy)", exact=False).count() == 0
    assert axe_violations(pg) == []
    pg.screenshot(path=str(ARTIFACTS / "spearhead_refreshed_2015-17.png"))

    # A period the official cancer series does not reach: left out, and the page says up to when it is held.
    pg.goto(f"{refreshed_url}/spearhead?period=2022-24")
    pg.get_by_text("the official series u75_cancer is held, but not for 2022-24 "
                   f"(only for {span('u75_cancer_prev')})", exact=False).first.wait_for(timeout=90_000)
    assert pg.get_by_text("The result rests on 4 of the 5 indicators", exact=False).first.is_visible()
    assert blocked.urls == []
