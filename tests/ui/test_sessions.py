"""Two sessions side by side on one server: an upload never reaches the other, a refresh reaches both.

Each test runs two ``AppTest`` sessions in this one process, as one Streamlit server runs
its sessions, so they share every cache the atlas keeps (:mod:`geo.shared`). The map
component is replaced by a recorder: what it records is what the browser would be sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from geo import _paths, indicators, shared

APP = str(Path(__file__).resolve().parents[2] / "app.py")
LIVERPOOL = "E08000012"
#: Four Liverpool LSOAs (2011); each session uploads them with a column of the same name, "rate".
_CODES = ("E01006512", "E01006513", "E01006514", "E01006515")


def _file(values: tuple[str, ...]) -> bytes:
    return ("LSOA11CD,rate\n" + "".join(f"{c},{v}\n" for c, v in zip(_CODES, values, strict=True))).encode()


FILE_A = _file(("11.11", "22.22", "33.33", "44.44"))
FILE_B = _file(("91.91", "82.82", "73.73", "64.64"))


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    shared.clear()
    yield
    shared.clear()


def _session(params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(params)
    return at.run()


def _errors(at: AppTest) -> list[str]:
    return [str(e.value) for e in at.exception]


def _upload(at: AppTest, content: bytes, *, draw_on: tuple[str, str] | None = None) -> str:
    """Upload ``content`` through the sidebar as a person does and add it to the map; the new indicator id."""
    at.file_uploader(key="upload_file").set_value(("my_rates.csv", content, "text/csv")).run()
    if draw_on is not None:
        at.radio(key="upload_target").set_value(draw_on).run()
        for kind in [r for r in at.radio if str(r.key).startswith("upload_kind_")]:
            kind.set_value("rate")
        at.run()
    at.button(key="upload_add").click().run()
    assert _errors(at) == []
    indicator_id = str(at.query_params["indicator"])
    assert indicator_id.startswith(shared.UPLOAD_PREFIX)
    return indicator_id


# ---------------------------------------------------------------- 1. the national small-area map
def test_same_named_uploads_each_show_their_own_values_on_the_national_map(data_dir, monkeypatch) -> None:
    import ui.national

    sent: list[dict[str, Any]] = []
    real = ui.national.national_group
    monkeypatch.setattr(ui.national, "national_group", lambda table, **kw: sent.append(table) or real(table, **kw))

    a = _session({"level": "lsoa", "vintage": "2011"})
    b = _session({"level": "lsoa", "vintage": "2011"})
    id_a = _upload(a, FILE_A)
    table_a = json.dumps(sent[-1], default=str)
    id_b = _upload(b, FILE_B)
    table_b = json.dumps(sent[-1], default=str)

    assert "11.11" in table_a and "91.91" not in table_a
    assert "91.91" in table_b and "11.11" not in table_b, "session B was sent session A's values"
    assert id_a != id_b, "upload ids must carry a per-session part"
    a.run()  # A's next view: still its own
    again = json.dumps(sent[-1], default=str)
    assert "11.11" in again and "91.91" not in again


# ---------------------------------------------------------------- 2. a drill-down after another's upload
def test_an_upload_drilled_in_one_session_does_not_reach_anothers_drill_down(data_dir) -> None:
    from geo import boundaries

    lsoas = boundaries.lsoas_within(LIVERPOOL, level="lad", vintage="2019")["area_code"]  # the 2011 LSOAs
    whole = ("LSOA11CD,rate\n" + "".join(f"{c},{10 + i / 100:.2f}\n" for i, c in enumerate(lsoas))).encode()
    view = {"level": "lad", "vintage": "2023", "area": LIVERPOOL}
    a = _session({"level": "lad", "vintage": "2023"})
    id_a = _upload(a, whole, draw_on=("lad", "2023"))
    a.query_params["area"] = LIVERPOOL  # then drills into Liverpool: the first to build its small areas
    a.run()
    assert _errors(a) == []
    offered_a = a.selectbox(key="w_lsoa_indicator").options
    assert "rate" in offered_a, "the uploader's own small-area column is offered in its drill-down"

    b = _session(view)
    assert _errors(b) == [], "another session's upload crashed this session's drill-down"
    offered_b = b.selectbox(key="w_lsoa_indicator").options
    assert "rate" not in offered_b and len(offered_b) == len(offered_a) - 1
    a.selectbox(key="w_lsoa_indicator").set_value(id_a).run()  # A draws its own column on its small areas
    assert _errors(a) == [] and a.query_params["lsoa"] == id_a
    b.run()
    assert _errors(b) == [] and "lsoa" not in b.query_params


# ---------------------------------------------------------------- 3. a refresh made elsewhere
def _refresh_liverpool(refresh_dir: Path, *, value: float) -> None:
    """What ``python -m geo refresh`` leaves behind, with Liverpool's female life expectancy for 2023-25 at ``value``."""
    rows = indicators.load("le_birth", level="lad", vintage="2023", period="2023-25", sex="female")
    rows = rows[rows["area_code"] == LIVERPOOL].copy()
    rows["value"], rows["lower_ci"], rows["upper_ci"] = value, value - 0.4, value + 0.4
    rows["note"] = "OHID Fingertips API (test refresh)"
    folder = refresh_dir / "refresh-test"
    (folder / "indicators").mkdir(parents=True)
    rows.to_parquet(folder / "indicators" / "fingertips.parquet", index=False)
    (folder / "manifest.json").write_text(json.dumps({"indicators": {}}), encoding="utf-8")
    pointer = refresh_dir / ".CURRENT.new"
    pointer.write_text(folder.name + "\n", encoding="utf-8")
    pointer.replace(refresh_dir / _paths.CURRENT_FILE)  # the swap geo.refresh makes


def _drawn_value(layers: list[Any], code: str) -> str:
    script = layers[0].script()
    found = re.search(rf'"area_code": "{code}".*?"value_text": "([^"]*)"', script)
    assert found, f"{code} is not in the layer"
    return found.group(1)


def test_a_refresh_made_elsewhere_is_seen_by_every_session_on_its_next_view(data_dir, tmp_path, monkeypatch) -> None:
    import ui.map

    monkeypatch.setattr(_paths, "REFRESH_DIR", tmp_path)
    sent: list[list[Any]] = []
    monkeypatch.setattr(ui.map, "st_folium", lambda *a, **kw: sent.append(kw["feature_group_to_add"]))
    view = {"level": "lad", "vintage": "2023", "indicator": "le_birth", "period": "2023-25", "sex": "female",
            "area": LIVERPOOL}

    a = _session(view)
    assert _drawn_value(sent[-1], LIVERPOOL).startswith("80.6 years (")  # then where its interval comes from
    assert any("**80.6**" in m.value for m in a.markdown)

    _refresh_liverpool(tmp_path, value=85.6)  # as by another replica, or `python -m geo refresh`

    b = _session(view)
    assert _drawn_value(sent[-1], LIVERPOOL).startswith("85.6 years"), "the map kept the old figure after a refresh"
    assert any("**85.6" in m.value for m in b.markdown), "the panel kept the old figure"
    a.run()
    assert _drawn_value(sent[-1], LIVERPOOL).startswith("85.6 years")
    assert any("**85.6" in m.value for m in a.markdown)
    assert not any("**80.6**" in m.value for m in a.markdown)
