"""geo.refresh against a local fake Fingertips API serving recorded responses (tests/fixtures/fingertips).

The refreshed folder, the ``CURRENT`` swap, the overlay readers see, reverting, and a failure that changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import geo._paths
from geo import indicators, refresh
from geo.catalogue import Indicator, Source, load_catalogue
from geo.errors import RefreshError, VintageMismatchError
from geo.fingertips import Series
from geo.http import Http
from tests.geo.fake_fingertips import (
    CMD,
    FAST,
    FIXTURES,
    LE,
    OLDER,
    TYPES,
    FakeFingertips,
    QuietServer,
    handler,
    hashes,
    recorded_reply,
    run,
)

# --- the swap -----------------------------------------------------------------------------------------


def test_overlay_shows_refreshed_rows_and_catalogue_records(fake: FakeFingertips, data_dir: Path, refresh_dir: Path) -> None:
    run(fake, data_dir, refresh_dir, LE, CMD)
    rows = indicators.load("le_birth", level="lad", vintage="2023", period="2022-24", sex="male", data_dir=data_dir)
    assert rows["area_code"].is_unique
    hartlepool = rows.set_index("area_code").loc["E06000001"]
    assert hartlepool["value"] == 77.3 and "OHID Fingertips API" in hartlepool["note"]
    assert "Fingertips API" not in rows.set_index("area_code").loc["E06000003", "note"]  # not refreshed: bundled row
    catalogue = load_catalogue(data_dir)
    assert catalogue["cmd_prevalence"].levels == {"england": ("2013",), "lad": ("2013",)}
    assert catalogue["le_birth"].caveats[-1].startswith("Refreshed from the OHID Fingertips API (indicator 90366")
    assert refresh.current()["indicators"]["le_birth"]["released"] == "2025-12-02"  # type: ignore[index]


def test_narrowed_refresh_keeps_the_indicators_refreshed_before(fake: FakeFingertips, data_dir: Path, refresh_dir: Path) -> None:
    run(fake, data_dir, refresh_dir, LE, CMD)
    outcome = refresh.refresh(["93495"], base_url=fake.url, refresh_dir=refresh_dir, data_dir=data_dir, http=FAST,
                              series=(LE, CMD), area_types=TYPES)
    assert outcome.rows == {"cmd_prevalence": 6}
    table = pd.read_parquet(outcome.folder / "indicators" / "fingertips.parquet")
    assert table.groupby("indicator_id").size().to_dict() == {"cmd_prevalence": 6, "le_birth": 16}
    assert [p.name for p in refresh_dir.glob("refresh-*")] == [outcome.folder.name]


def test_revert_goes_back_to_the_bundled_figures(fake: FakeFingertips, data_dir: Path, refresh_dir: Path) -> None:
    before = indicators.load("le_birth", level="lad", vintage="2023", period="2022-24", sex="male", data_dir=data_dir)
    run(fake, data_dir, refresh_dir)
    assert refresh.revert() is True
    after = indicators.load("le_birth", level="lad", vintage="2023", period="2022-24", sex="male", data_dir=data_dir)
    pd.testing.assert_frame_equal(before, after)
    assert refresh.current() is None and not list(refresh_dir.glob("refresh-*"))
    assert refresh.revert() is False


# --- older boundaries and PCTs ---------------------------------------------------------------------

@pytest.mark.parametrize("area_type", [pytest.param("101", id="pre-2019-districts"), pytest.param("2", id="pcts")])
def test_a_failure_on_an_older_area_type_changes_nothing(
    area_type: str, fake: FakeFingertips, data_dir: Path, refresh_dir: Path
) -> None:
    run(fake, data_dir, refresh_dir, CMD)
    before = hashes(refresh_dir)
    fake.routes.update(OLDER)
    fake.faults[("90366", area_type)] = "truncated"
    with pytest.raises(RefreshError, match=rf"child_area_type_id={area_type}&.*connection broke"):
        run(fake, data_dir, refresh_dir, Series("le_birth", 90366))
    assert hashes(refresh_dir) == before


# --- failures leave everything as it was ------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        pytest.param("http500", r"HTTP 500.*3 tries. Are you offline\?", id="server-error"),
        pytest.param("http404", r"HTTP 404.*Check --base-url", id="not-found"),
        pytest.param("slow", r"no answer within 0.5 s|timed out", id="slow-reply"),
        pytest.param("truncated", r"connection broke", id="truncated-reply"),
        pytest.param("cut_row", r"line \d+ has \d+ fields, expected 27", id="row-cut-short"),
        pytest.param("wrong_columns", r"missing \['Area Code'\]", id="wrong-columns"),
    ],
)
def test_a_failed_refresh_changes_nothing(
    fault: str, message: str, fake: FakeFingertips, data_dir: Path, refresh_dir: Path
) -> None:
    run(fake, data_dir, refresh_dir, CMD)
    before = hashes(refresh_dir)
    shown = indicators.table("cmd_prevalence", data_dir=data_dir)
    fake.faults[("90366", "501")] = fault
    with pytest.raises(RefreshError, match=message) as caught:
        run(fake, data_dir, refresh_dir, CMD, LE)
    assert "nothing refreshed: 1 of 2 indicator(s) failed (le_birth); downloaded fine: cmd_prevalence" in str(caught.value)
    assert hashes(refresh_dir) == before
    pd.testing.assert_frame_equal(indicators.table("cmd_prevalence", data_dir=data_dir), shown)


def test_an_unreachable_server_stops_the_refresh_at_once(fake: FakeFingertips, data_dir: Path, refresh_dir: Path) -> None:
    fake.faults[("90366", "501")] = "http500"
    with pytest.raises(RefreshError, match=r"downloaded fine: none; not tried: cmd_prevalence\. First failure, le_birth: .*HTTP 500"):
        run(fake, data_dir, refresh_dir, LE, CMD)
    assert ("93495", "101") not in fake.hits and hashes(refresh_dir) == {}


def test_codes_of_another_vintage_are_refused(fake: FakeFingertips, data_dir: Path, refresh_dir: Path) -> None:
    fake.routes[("93495", "101")] = "93495_101_mixed_vintage.csv"
    with pytest.raises(VintageMismatchError, match=r"1 lad codes are not in the 2013 set \(e.g. E06000060\); they look like lad 20"):
        run(fake, data_dir, refresh_dir, CMD)
    assert hashes(refresh_dir) == {}


def test_unknown_indicator_is_refused_before_any_download(refresh_dir: Path) -> None:
    with pytest.raises(RefreshError, match=r"--indicators nope: not a refreshable indicator; expected .*le_birth \(90366\)"):
        refresh.refresh(["nope"], base_url="http://127.0.0.1:9/api/", refresh_dir=refresh_dir)


def test_cli_refresh_and_revert(fake: FakeFingertips, data_dir: Path, refresh_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cli.main import main

    # the API lists only area type 501 for 90366 here: the other types the atlas maps are not asked for
    assert main(["refresh", "--indicators", "le_birth", "--base-url", fake.url, "--dir", str(refresh_dir)]) == 0
    assert "refreshed 1 indicator(s), 16 rows (le_birth 16)" in capsys.readouterr().out
    assert main(["refresh", "--revert", "--dir", str(refresh_dir)]) == 0
    assert "back to the bundled figures" in capsys.readouterr().out


# --- the overlay on a tiny bundled folder ---------------------------------------------------------


def _rows(values: dict[str, float], note: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"indicator_id": "le_test", "area_code": list(values), "level": "lad", "vintage": "2023", "period": "2022-24",
         "sex": "female", "value": list(values.values()), "lower_ci": float("nan"), "upper_ci": float("nan"),
         "count": float("nan"), "denominator": float("nan"), "status": "ok", "note": note}
    )


def test_overlay_replaces_rows_with_the_same_key_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundled_dir, refresh_root = tmp_path / "data", tmp_path / "cache"
    (bundled_dir / "indicators").mkdir(parents=True)
    record = Indicator("le_test", "LE", "d", "years", "higher_is_better", "Life expectancy", Source("ONS", "t", "x.csv"),
                       sexes=("female",), levels={"lad": ("2023",)}, periods=("2022-24",))
    (bundled_dir / "catalogue.json").write_text(json.dumps({"indicators": [record.to_dict()]}), encoding="utf-8")
    _rows({"E06000001": 1.0, "E06000002": 2.0}, "bundled").to_parquet(bundled_dir / "indicators" / "x.parquet")
    folder = refresh_root / "refresh-1"
    (folder / "indicators").mkdir(parents=True)
    _rows({"E06000002": 20.0, "E06000003": 30.0}, "fresh").to_parquet(folder / "indicators" / "fingertips.parquet")
    (refresh_root / "CURRENT").write_text("refresh-1\n", encoding="utf-8")

    def load() -> dict[str, tuple[float, str]]:
        rows = indicators.load("le_test", level="lad", data_dir=bundled_dir)
        return {c: (v, n) for c, v, n in rows[["area_code", "value", "note"]].itertuples(index=False)}

    monkeypatch.setattr(geo._paths, "REFRESH_DIR", refresh_root)
    assert load() == {"E06000001": (1.0, "bundled"), "E06000002": (2.0, "bundled")}  # not the bundled DATA_DIR
    monkeypatch.setattr(geo._paths, "DATA_DIR", bundled_dir)
    assert load() == {"E06000001": (1.0, "bundled"), "E06000002": (20.0, "fresh"), "E06000003": (30.0, "fresh")}
    (refresh_root / "CURRENT").unlink()
    assert load() == {"E06000001": (1.0, "bundled"), "E06000002": (2.0, "bundled")}


# --- the official under-75 series in the Spearhead method ----------------------------------------

#: The official under-75 series a refresh brings: (Fingertips id, bundled proxy, area type, its name).
_OFFICIAL = (("40501", "u75_cancer_prev", 101, "Districts & UAs (pre Apr 2019)"),
             ("40401", "u75_cvd_prev", 501, "Districts & UAs (from Apr 2023)"))


def _official_reply(fingertips_id: str, proxy: str, area_type: str, header: str, *, data_dir: Path) -> str:
    """A reply in the Fingertips CSV format for an official series, made from the bundled proxy's rows.

    Scaffolding: no 40501 or 40401 reply is recorded (the raw folder holds neither:
    indicators3/PROVENANCE.md, section 3), so the fake server serves the proxy's real
    rows under the official id. The tests read which series the method says it uses and
    the periods it covers, never the figures.
    """
    rows = indicators.table(proxy, data_dir=data_dir)
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


def refreshed_folder(root: Path, *, data_dir: Path = geo._paths.DATA_DIR) -> Path:
    """``python -m geo refresh`` into ``root / "refreshed"`` from the fake server (the browser test's app reads it).

    Life expectancy comes from the recorded replies (tests/fixtures/fingertips); the
    official under-75 series from :func:`_official_reply`.
    """
    replies = root / "replies"
    shutil.copytree(FIXTURES, replies)
    header = (FIXTURES / "90366_101.csv").read_text(encoding="utf-8").splitlines()[0]
    metadata = json.loads((FIXTURES / "metadata_90366.json").read_text(encoding="utf-8"))["90366"]
    routes = {("90366", "501"): "90366_501.csv", ("90366", "201"): "90366_201.csv", ("90366", "101"): "90366_101.csv"}
    for fid, proxy, type_id, type_name in _OFFICIAL:
        reply = _official_reply(fid, proxy, type_name, header, data_dir=data_dir)
        (replies / f"{fid}_{type_id}.csv").write_text(reply, encoding="utf-8")
        meta = {**metadata, "IID": int(fid), "Descriptive": {"Name": f"Official series {fid} (test reply)"}}
        (replies / f"metadata_{fid}.json").write_text(json.dumps({fid: meta}), encoding="utf-8")
        routes[(fid, str(type_id))] = f"{fid}_{type_id}.csv"
    state = FakeFingertips(routes=routes, folder=replies)
    server = QuietServer(("127.0.0.1", 0), handler(state))
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        refresh.refresh(["90366", "40501", "40401"], base_url=f"http://127.0.0.1:{server.server_address[1]}/api/",
                        refresh_dir=root / "refreshed", data_dir=data_dir,
                        http=Http(timeout=10.0, deadline=60.0, retries=1, backoff=0.0))
    finally:
        server.shutdown()
        server.server_close()
    return root / "refreshed"


def test_the_spearhead_method_says_which_official_series_it_used_and_when_it_is_held(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from geo import spearhead
    from geo.periods import period_year

    monkeypatch.setattr(geo._paths, "REFRESH_DIR", tmp_path / "no-refresh")  # the replies are made from bundled rows
    folder = refreshed_folder(tmp_path, data_dir=data_dir)
    monkeypatch.setattr(geo._paths, "REFRESH_DIR", folder)  # a new edition: no cache needs clearing
    used = {c.key: c for c in spearhead.run("2015-17", data_dir=data_dir).criteria}
    later = spearhead.run("2022-24", data_dir=data_dir)
    span = {k: sorted(set(indicators.table(p, data_dir=data_dir)["period"]), key=period_year)
            for k, p in (("cancer_u75", "u75_cancer_prev"), ("cvd_u75", "u75_cvd_prev"))}
    for key, fid in (("cancer_u75", "40501"), ("cvd_u75", "40401")):
        assert used[key].indicator_id == {"40501": "u75_cancer", "40401": "u75_cvd"}[fid]
        assert f"(OHID Fingertips indicator {fid}, released 2025-12-02, downloaded " in used[key].official
        assert f"held for {span[key][0]} to {span[key][-1]}, used here for 2015-17 in place of the proxy" in used[key].official
    assert "cancer_u75" not in {c.key for c in later.criteria}
    assert any(f"the official series u75_cancer is held, but not for 2022-24 (only for {span['cancer_u75'][0]} to "
               f"{span['cancer_u75'][-1]})" in n for n in later.left_out)


def test_periods_held_say_what_the_refreshed_rows_cover(fake: FakeFingertips, data_dir: Path, refresh_dir: Path) -> None:
    assert refresh.periods_held(refresh_dir=refresh_dir) == {}
    run(fake, data_dir, refresh_dir, LE, CMD)
    recorded = {"le_birth": sorted(set(recorded_reply("90366_501.csv")["Time period"].str.replace(" ", ""))),
                "cmd_prevalence": sorted(set(recorded_reply("93495_101.csv")["Time period"].str.replace(" ", "")))}
    expected = {k: p[0] if len(p) == 1 else f"{p[0]} to {p[-1]}" for k, p in recorded.items()}
    assert refresh.periods_held(refresh_dir=refresh_dir) == expected


# --- the refreshed folder: a refresh changes only what it made ---------------------------------------

MARKER = ".health-gap-atlas-refresh"
#: Never reached: a folder the refresh may not use is refused before any download.
OFFLINE = "http://127.0.0.1:9/api/"


def _someone_elses(folder: Path) -> dict[str, str]:
    """Fill ``folder`` with things the atlas did not make (a note, a CURRENT, a folder named like a refresh)."""
    (folder / "refresh-notes").mkdir(parents=True)
    (folder / "refresh-notes" / "plan.txt").write_text("keep me\n", encoding="utf-8")
    (folder / "notes.txt").write_text("mine\n", encoding="utf-8")
    (folder / "CURRENT").write_text("refresh-notes\n", encoding="utf-8")
    return hashes(folder)


def _data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "atlas" / "data"
    _someone_elses(folder)
    monkeypatch.setattr(geo._paths, "DATA_DIR", folder)
    return folder


def _inside_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return _data(tmp_path, monkeypatch) / "refreshed"


def _repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "atlas"
    (folder / "data").mkdir(parents=True)
    monkeypatch.setattr(geo._paths, "REPO_ROOT", folder)
    monkeypatch.setattr(geo._paths, "DATA_DIR", folder / "data")
    return folder


def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    return folder


def _holding_other_things(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "shared"
    _someone_elses(folder)
    return folder


@pytest.mark.parametrize(
    ("place", "message"),
    [
        pytest.param(_data, r"is the atlas's bundled data folder", id="bundled-data"),
        pytest.param(_inside_data, r"is inside the atlas's bundled data folder", id="inside-bundled-data"),
        pytest.param(_repository, r"is the atlas's repository", id="repository-root"),
        pytest.param(_home, r"is the home folder", id="home-folder"),
        pytest.param(_holding_other_things, r"holds things a refresh did not make \(e\.g\. CURRENT, notes\.txt, "
                                            r"refresh-notes\) and no \.health-gap-atlas-refresh", id="unrelated-files"),
    ],
)
@pytest.mark.parametrize("action", ["refresh", "revert"])
def test_a_folder_the_refresh_did_not_make_is_refused_and_left_as_it_was(
    place: Callable[[Path, pytest.MonkeyPatch], Path], message: str, action: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = place(tmp_path, monkeypatch)
    before = {p: hashes(p) for p in (tmp_path, folder)}
    with pytest.raises(RefreshError, match=rf"^The refreshed folder {re.escape(str(folder))} {message}.*; expected a new or empty "
                                           r"folder.*\. Choose one with --dir or HGA_REFRESH_DIR") as caught:
        if action == "refresh":
            refresh.refresh(["le_birth"], base_url=OFFLINE, refresh_dir=folder, http=FAST)
        else:
            refresh.revert(refresh_dir=folder)
    assert "\n" not in str(caught.value)
    assert {p: hashes(p) for p in (tmp_path, folder)} == before


@pytest.mark.parametrize("argv", [pytest.param(["refresh", "--indicators", "le_birth", "--base-url", OFFLINE], id="refresh"),
                                  pytest.param(["refresh", "--revert"], id="revert")])
def test_cli_refuses_the_root_folder_in_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from cli.main import main

    assert main([*argv, "--dir", "/"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: The refreshed folder / is the root folder") and err.count("\n") == 1


def test_a_new_folder_is_made_and_marked_and_so_is_each_refresh(fake: FakeFingertips, data_dir: Path,
                                                                 refresh_dir: Path) -> None:
    outcome = run(fake, data_dir, refresh_dir)
    for folder in (refresh_dir, outcome.folder):
        mark = (folder / MARKER).read_text(encoding="utf-8")
        assert mark.count("\n") == 1 and json.loads(mark)["made_by"] == "health-gap-atlas"


def test_an_empty_folder_is_claimed(fake: FakeFingertips, data_dir: Path, refresh_dir: Path) -> None:
    refresh_dir.mkdir()
    run(fake, data_dir, refresh_dir)
    assert (refresh_dir / MARKER).is_file()


def test_things_put_in_a_refreshed_folder_survive_refreshes_and_revert(fake: FakeFingertips, data_dir: Path,
                                                                       refresh_dir: Path) -> None:
    first = run(fake, data_dir, refresh_dir).folder
    (refresh_dir / "refresh-notes").mkdir()
    (refresh_dir / "refresh-notes" / "plan.txt").write_text("keep me\n", encoding="utf-8")
    (refresh_dir / "notes.txt").write_text("mine\n", encoding="utf-8")
    second = run(fake, data_dir, refresh_dir).folder
    assert not first.exists() and second.exists()
    assert refresh.revert() is True
    assert sorted(p.name for p in refresh_dir.iterdir()) == [MARKER, "notes.txt", "refresh-notes"]
    assert (refresh_dir / "refresh-notes" / "plan.txt").read_text(encoding="utf-8") == "keep me\n"


def _older_refresh(fake: FakeFingertips, data_dir: Path, refresh_dir: Path) -> Path:
    """A folder as a refresh before the marker left it: CURRENT and refresh-* folders each with a manifest."""
    folder = run(fake, data_dir, refresh_dir).folder
    for mark in refresh_dir.rglob(MARKER):
        mark.unlink()
    return folder


def test_a_folder_an_older_refresh_made_is_refreshed_and_marked(fake: FakeFingertips, data_dir: Path,
                                                                refresh_dir: Path) -> None:
    older = _older_refresh(fake, data_dir, refresh_dir)
    newer = run(fake, data_dir, refresh_dir).folder
    assert (refresh_dir / MARKER).is_file() and (newer / MARKER).is_file() and not older.exists()


def test_a_folder_an_older_refresh_made_can_be_reverted(fake: FakeFingertips, data_dir: Path, refresh_dir: Path) -> None:
    _older_refresh(fake, data_dir, refresh_dir)
    assert refresh.revert() is True
    assert [p.name for p in refresh_dir.iterdir()] == [MARKER]
