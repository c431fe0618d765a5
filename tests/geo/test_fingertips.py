"""geo.fingertips against a local fake Fingertips API serving recorded responses (tests/fixtures/fingertips).

The replies become long-table rows (values, statuses, notes) stored at the vintage their codes belong to.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geo import indicators, refresh
from geo.errors import RefreshError
from geo.fingertips import Series
from geo.schema import INDICATOR_COLUMNS
from tests.geo.fake_fingertips import CMD, LE, OLDER, FakeFingertips, hashes, recorded_reply, run

# --- the recorded figures ----------------------------------------------------------------------------


def test_refreshed_table_equals_the_recorded_figures(fake: FakeFingertips, data_dir: Path, refresh_dir: Path) -> None:
    bundled = hashes(data_dir / "indicators") | {"catalogue.json": hashes(data_dir)["catalogue.json"]}
    steps: list[tuple[float, str]] = []
    outcome = run(fake, data_dir, refresh_dir, LE, CMD, progress=lambda f, m: steps.append((f, m)))

    table = pd.read_parquet(outcome.folder / "indicators" / "fingertips.parquet")
    assert tuple(table.columns) == INDICATOR_COLUMNS
    assert outcome.rows == {"le_birth": 16, "cmd_prevalence": 6}
    cmd = table[table["indicator_id"] == "cmd_prevalence"].set_index("area_code")
    recorded = recorded_reply("93495_101.csv").set_index("Area Code")
    for ours, theirs in (("value", "Value"), ("lower_ci", "Lower CI 95.0 limit"), ("upper_ci", "Upper CI 95.0 limit"),
                         ("count", "Count"), ("denominator", "Denominator")):
        assert cmd[ours].to_dict() == recorded[theirs].astype(float).to_dict(), ours
    assert cmd.loc["E92000001", "level"] == "england" and cmd.loc["E06000001", ["level", "vintage"]].tolist() == ["lad", "2013"]
    le = table[table["indicator_id"] == "le_birth"]
    assert set(le["period"]) == {"2021-23", "2022-24"} and set(le["sex"]) == {"male", "female"}
    assert [f for f, _ in steps] == sorted(f for f, _ in steps) and steps[-1][0] == 1.0
    # the bundled data is never written
    assert hashes(data_dir / "indicators") | {"catalogue.json": hashes(data_dir)["catalogue.json"]} == bundled


def test_value_note_for_suppression_becomes_suppressed_and_every_note_carries_provenance(
    fake: FakeFingertips, data_dir: Path, refresh_dir: Path
) -> None:
    outcome = run(fake, data_dir, refresh_dir)
    table = pd.read_parquet(outcome.folder / "indicators" / "fingertips.parquet")
    city = table[table["area_code"] == "E09000001"]
    assert (city["status"] == "suppressed").all() and city["value"].isna().all()
    assert (table.loc[table["area_code"] != "E09000001", "status"] == "ok").all()
    assert city["note"].str.startswith("Value suppressed for disclosure control due to small count. ").all()
    assert table["note"].str.contains(
        r"Source: OHID Fingertips API, indicator 90366 \(Life expectancy at birth\); released 2025-12-02; "
        r"downloaded \d{4}-\d\d-\d\d \d\d:\d\d UTC$"
    ).all()



# --- older boundaries and PCTs ---------------------------------------------------------------------


def test_older_area_types_are_stored_at_the_vintage_their_codes_belong_to(
    fake: FakeFingertips, data_dir: Path, refresh_dir: Path
) -> None:
    fake.routes.update(OLDER)
    outcome = run(fake, data_dir, refresh_dir, Series("le_birth", 90366))
    table = pd.read_parquet(outcome.folder / "indicators" / "fingertips.parquet")
    early = table[table["period"].isin(["2001-03", "2002-04"])]
    found = {(c, lv, v, p): x for c, lv, v, p, x in early[["area_code", "level", "vintage", "period", "value"]].itertuples(index=False)}
    # every recorded figure, at the vintage its code belongs to (values as recorded in the fixtures)
    for name, vintage in (("90366_201.csv", "2019"), ("90366_101.csv", "2013"), ("90366_2.csv", "2011")):
        for r in recorded_reply(name).itertuples(index=False):
            code = {"E08000020": "E08000037", "5A5": "E16000003"}.get(r[4], r[4])
            level = "england" if code == "E92000001" else ("pct" if name == "90366_2.csv" else "lad")
            key = (code, level, "2023" if level == "england" else vintage, r[11].replace(" - ", "-"))
            if code == "E16000014":
                assert not any(k[0] == code for k in found)  # not a PCT the atlas holds: left out, listed below
                continue
            recorded = float(r[12]) if r[12] else float("nan")
            assert found[key] == pytest.approx(recorded, nan_ok=True), key
    assert early.set_index(["area_code", "vintage"]).loc[("E08000037", "2013"), "note"].startswith(
        "Published under E08000020, the same area's earlier code. Source: OHID Fingertips API")
    assert early.set_index("area_code").loc["E16000003", "note"].startswith("Published under the NHS code 5A5. ")
    assert outcome.unplaced == {"le_birth": ("E16000014",)}
    assert "not placed (codes in no boundary set the atlas holds): le_birth 1 (E16000014)" in outcome.describe()
    assert not table.duplicated(["area_code", "level", "vintage", "period", "sex"]).any()
    # every refreshed figure, old vintages included, names its source, release date and download time
    assert table["note"].str.contains(r"Source: OHID Fingertips API, indicator 90366 \(Life expectancy at birth\); "
                                      r"released 2025-12-02; downloaded \d{4}-\d\d-\d\d \d\d:\d\d UTC$").all()
    placed = refresh.current()["indicators"]["le_birth"]["area_types"]  # type: ignore[index]
    assert {k: (v["vintages"], v["recoded"], v["unplaced"]) for k, v in placed.items()} == {
        "501": (["2023"], [], []), "201": (["2019"], [], []), "101": (["2013"], ["E08000020 -> E08000037"], []),
        "2": (["2011"], ["5A5 -> E16000003"], ["E16000014"]),
    }
    # the overlay serves them where the app reads them (tooltip, panel and CSV carry the note)
    rows = indicators.load("le_birth", level="lad", vintage="2013", period="2001-03", sex="female", data_dir=data_dir)
    assert rows.set_index("area_code").loc["E07000004", "value"] == 81.5
    assert "released 2025-12-02" in rows.set_index("area_code").loc["E07000004", "note"]



def test_area_types_the_api_does_not_list_are_not_asked_for(
    fake: FakeFingertips, data_dir: Path, refresh_dir: Path
) -> None:
    fake.routes.update(OLDER)
    fake.available["90366"] = [501, 201, 15]
    run(fake, data_dir, refresh_dir, Series("le_birth", 90366))
    assert set(fake.hits) == {("90366", "501"), ("90366", "201")}
    entry = refresh.current()["indicators"]["le_birth"]  # type: ignore[index]
    assert entry["not_listed"] == [502, 6, 401, 402, 202, 101, 102, 2]


def test_an_indicator_the_api_lists_for_no_mapped_area_type_is_refused(
    fake: FakeFingertips, data_dir: Path, refresh_dir: Path
) -> None:
    fake.available["90366"] = [15, 7]
    with pytest.raises(RefreshError, match=r"indicator 90366: the API lists no data for the area types the atlas maps "
                                           r"\(501\); it lists \[7, 15\]"):
        run(fake, data_dir, refresh_dir)
    assert hashes(refresh_dir) == {}


# --- replies that are not figures ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "text"),
    [
        pytest.param("Value", "1e309", id="value-overflows"),
        pytest.param("Lower CI 95.0 limit", "-1e400", id="lower-ci-overflows"),
        pytest.param("Upper CI 95.0 limit", "inf", id="upper-ci-inf"),
        pytest.param("Value", "NaN", id="value-nan"),
        pytest.param("Count", "Infinity", id="count-infinity"),
    ],
)
def test_numbers_that_are_not_finite_are_refused(column: str, text: str, fake: FakeFingertips, data_dir: Path,
                                                 refresh_dir: Path) -> None:
    reply = recorded_reply("90366_501.csv")
    reply.loc[2, column] = text
    fake.bodies[("90366", "501")] = reply.to_csv(index=False).encode()
    with pytest.raises(RefreshError, match=rf"line 4, area E06000001 \(Hartlepool\), {column} {text!r} is not a "
                                           r"finite number; expected a number or a blank\."):
        run(fake, data_dir, refresh_dir)
    assert hashes(refresh_dir) == {}
