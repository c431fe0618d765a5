"""The About page's Fresh figures section (AppTest; geo.refresh itself is tested against a fake API)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import geo._paths
from geo import refresh
from geo.errors import RefreshError

SCRIPT = (
    f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})\n"
    "from ui.about import about_page\nabout_page()"
)
ENTRY = {"fingertips_id": 90366, "name": "Life expectancy at birth", "released": "2025-12-02",
         "downloaded": "2026-01-05 10:00 UTC", "rows": 16}


@pytest.fixture
def refresh_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> Path:
    monkeypatch.setattr(geo._paths, "REFRESH_DIR", tmp_path)
    return tmp_path


KEY = "correct horse battery staple"


def _page(*, key: str | None = None) -> AppTest:
    """The About page as a visitor sees it; with ``key``, as the operator who typed it."""
    at = AppTest.from_string(SCRIPT, default_timeout=60).run()
    if key is not None:
        at.text_input(key="operator_key").input(key).run()
    return at


def _fresh_table(at: AppTest) -> object:
    """The Fresh figures table (the page also has a table of what it approximates)."""
    return next(t.value for t in at.table if "Fingertips indicator" in t.value.columns)


@pytest.fixture
def operator(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("HGA_OPERATOR_KEY", KEY)
    return KEY


def test_a_visitor_sees_the_figures_in_use_but_cannot_refresh_or_revert(refresh_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HGA_OPERATOR_KEY", raising=False)
    folder = refresh_dir / "refresh-1"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"indicators": {"le_birth": ENTRY}}), encoding="utf-8")
    (refresh_dir / "CURRENT").write_text("refresh-1\n", encoding="utf-8")
    at = _page()
    assert [b.label for b in at.button] == [] and not at.text_input
    assert _fresh_table(at).iloc[0]["Downloaded"] == "2026-01-05 10:00 UTC"
    assert any("operator's task" in c.value for c in at.caption)


def test_a_wrong_operator_key_shows_no_buttons(refresh_dir: Path, operator: str) -> None:
    at = _page(key="guess")
    assert [b.label for b in at.button] == []
    assert [e.value for e in at.error] == ["That is not the operator key; the figures stay as they are."]


def test_button_shows_progress_then_the_failure_in_one_message(refresh_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                                              operator: str) -> None:
    seen: list[str] = []

    def offline(*_args: object, progress: refresh.Progress, **_kwargs: object) -> refresh.Outcome:
        progress(0.0, "Downloading le_birth (Fingertips 90366)")
        seen.append("called")
        raise RefreshError("nothing refreshed: cannot reach the server. Are you offline?")

    monkeypatch.setattr(refresh, "refresh", offline)
    at = _page(key=operator)
    assert [b.label for b in at.button] == ["Download fresh figures from Fingertips"]
    at.button(key="refresh_download").click().run()
    assert seen == ["called"] and not at.exception
    assert [e.value for e in at.error] == ["nothing refreshed: cannot reach the server. Are you offline?"]


def test_refreshed_figures_are_listed_with_release_and_download_dates_and_can_be_reverted(refresh_dir: Path,
                                                                                          operator: str) -> None:
    folder = refresh_dir / "refresh-1"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"indicators": {"le_birth": ENTRY}}), encoding="utf-8")
    (refresh_dir / "CURRENT").write_text("refresh-1\n", encoding="utf-8")
    at = _page(key=operator)
    table = _fresh_table(at)
    assert table.iloc[0].to_dict() == {"Indicator": "le_birth", "Fingertips indicator": "90366 Life expectancy at birth",
                                       "Periods": "",  # no refreshed rows in this folder
                                       "Released": "2025-12-02", "Downloaded": "2026-01-05 10:00 UTC", "Rows": "16",
                                       "Boundary sets": "", "PCTs": "not asked"}
    at.button(key="refresh_revert").click().run()
    assert [s.value for s in at.success] == ["Back to the bundled figures."]
    assert not (refresh_dir / "CURRENT").exists() and not folder.exists()
    assert [b.label for b in at.button] == ["Download fresh figures from Fingertips"]


@pytest.mark.parametrize(
    ("pct", "answer"),
    [
        pytest.param({"2": {"rows": 3, "vintages": ["2011"], "unplaced": ["E16000014"]}}, "3 rows", id="pcts-listed"),
        pytest.param({}, "not listed by the API", id="pcts-not-listed"),
    ],
)
def test_boundary_sets_pcts_and_unplaced_codes_are_listed(refresh_dir: Path, pct: dict[str, object], answer: str) -> None:
    placed = {"501": {"rows": 16, "vintages": ["2023"], "unplaced": []},
              "101": {"rows": 3, "vintages": ["2013"], "unplaced": []}, **pct}
    entry = {**ENTRY, "area_types": placed, "not_listed": [] if pct else [2]}
    folder = refresh_dir / "refresh-1"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"indicators": {"le_birth": entry}}), encoding="utf-8")
    (refresh_dir / "CURRENT").write_text("refresh-1\n", encoding="utf-8")
    at = _page()
    row = _fresh_table(at).iloc[0]
    assert row["Boundary sets"] == "districts 2023, districts 2013" + (", PCTs 2011" if pct else "")
    assert row["PCTs"] == answer
    listed = [m.value for m in at.markdown if "E16000014" in m.value]
    assert listed == (["- **le_birth**: E16000014"] if pct else [])
    assert any("no public script, package or export found" in c.value for c in at.caption)


def test_the_page_says_what_is_approximated_how_and_how_it_is_marked(refresh_dir: Path, data_dir: Path) -> None:
    from geo import derived
    from geo.schema import LEVEL_LABELS

    at = _page()
    text = " ".join(m.value for m in at.markdown)
    assert "nothing is estimated" not in text
    for words in ("population-weighted mean", "mid-2015", "mid-2019", "mid-2020", derived.APPROXIMATE,
                  derived.SAME_AREA, "`approximate` = true", "legend", "under 1%"):
        assert words in text, words
    held = derived.summary(data_dir=data_dir)
    shown = next(t.value for t in at.table if "Weights (population year)" in t.value.columns)
    assert len(shown) == len(held) and set(shown["Level"]) == {LEVEL_LABELS[lv] for lv in held["level"]}
    upper = shown[(shown["Level"] == LEVEL_LABELS["utla"]) & (shown["Indicator"] == "Life expectancy")].iloc[0]
    assert "male:" in upper["Periods carried"] and upper["Approximate"] > 0
    assert "Figures derived by the atlas or a third party" in [h.value for h in at.subheader]


def test_the_sources_name_the_postcode_files_what_is_derived_and_their_attribution(refresh_dir: Path, data_dir: Path) -> None:
    from geo.wards import LABEL, attribution_lines

    at = _page()
    assert "Postcodes and what is derived from them" in [h.value for h in at.subheader]
    text = next(m.value for m in at.markdown if "OS Code-Point Open" in m.value)
    for words in ("ONS postcode to Output Area, LSOA 2011 and district lookup", "May 2022", "April 2025",
                  "The postcode table", "residential centres", "Best-fit wards", LABEL, "not drawn"):
        assert words in text, words
    shown = [i.value for i in at.info if "OS Code-Point Open" in i.value]
    assert shown == ["  \n".join(attribution_lines())]
    assert [line[:12] for line in attribution_lines()] == ["Contains OS ", "Contains Roy", "Source: Offi"]
