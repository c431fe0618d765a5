"""ui.finder with postcodes (issue 20): the box opens a postcode's area or says why not; pc= in a link, validated.

The search box is driven with AppTest (typed, then Enter); the link helpers against a
fake ``st.query_params`` that counts writes (each is a step in the browser's history).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.search import AreaHit, find_postcode
from tests.ui.test_widgets import _Params
from ui import finder, widgets

REPO = Path(__file__).resolve().parents[2]

#: A page with one search box whose postcode opens are recorded; every lookup of the postcode table is counted.
SCRIPT = f"""
import sys; sys.path.insert(0, {str(REPO)!r})
import streamlit as st
from geo import postcodes
from ui.finder import finder

if "found" not in st.session_state:
    st.session_state["found"] = []
    st.session_state["lookups"] = 0
    real = postcodes.find
    def counted(text, **kw):
        st.session_state["lookups"] += 1
        return real(text, **kw)
    postcodes.find = counted
finder(st.container(), key="box", label="Find an area", pick=lambda hit: st.session_state["found"].append(hit.area_code),
       on_postcode=lambda place: st.session_state["found"].append((place.postcode, place.area_code)))
"""


@pytest.fixture
def box() -> Iterator[AppTest]:
    from geo import postcodes

    real = postcodes.find
    at = AppTest.from_string(SCRIPT, default_timeout=60).run()
    yield at
    postcodes.find = real  # the script patched the module for the session


@pytest.mark.parametrize("typed", ["L1 0AA", "l10aa", "L1  0AA", "L1 OAA"])
def test_a_postcode_typed_then_enter_opens_its_district_and_clears_the_box(box: AppTest, typed: str) -> None:
    box.text_input(key="box").input(typed).run()
    assert box.session_state["found"] == [("L1 0AA", "E08000012")]
    assert box.text_input(key="box").value == ""
    assert not box.exception


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        pytest.param("EH1 1YZ", "EH1 1YZ is in Scotland, not England: the atlas covers England only.", id="scotland"),
        pytest.param("BF1 3AA", "non-geographic postcode", id="bfpo"),
        pytest.param("L99 9QQ", "L99 9QQ is not in the ONS postcode lookup", id="unknown"),
    ],
)
def test_a_postcode_with_no_place_is_one_line_and_the_page_goes_on(box: AppTest, typed: str, words: str) -> None:
    box.text_input(key="box").input(typed).run()
    assert box.session_state["found"] == []
    lines = [c.value.replace("\\", "") for c in box.caption]  # shown as text: every Markdown character escaped
    assert len(lines) == 1 and words in lines[0]
    assert not box.button and not box.exception
    box.text_input(key="box").input("Liverpool").run()  # the box still searches names
    assert any("Liverpool" in b.label for b in box.button)


def test_names_and_codes_never_read_the_postcode_table(box: AppTest) -> None:
    for typed in ("Liverpool", "Sandwell", "E08000012", "20UF"):
        box.text_input(key="box").input(typed).run()
    assert box.session_state["lookups"] == 0
    assert box.session_state["found"] == ["E08000012", "20UF"]  # whole codes open at once, as before


# ---------------------------------------------------------------- pc= in a link
@pytest.mark.parametrize(
    ("value", "postcode", "note"),
    [
        pytest.param("L1 0AA", "L1 0AA", "", id="normalised"),
        pytest.param("l10aa", "L1 0AA", "", id="as-typed"),
        pytest.param("[x](https://evil.example)", None, "is not a postcode (e.g. L1 0AA); it was left out.", id="markdown"),
        pytest.param("L1 0AA" * 300, None, "is not a postcode", id="long"),
        pytest.param("EH1 1YZ", None, "EH1 1YZ is in Scotland, not England", id="scotland"),
    ],
)
def test_a_links_postcode_is_validated(value: str, postcode: str | None, note: str) -> None:
    place, notes = finder.postcode_link({"pc": value})
    assert (place.postcode if place else None) == postcode
    assert (notes[0] if notes else "").find(note) >= 0 and len(notes) == (1 if note else 0)
    assert all(len(n) < 200 for n in notes)


@pytest.fixture
def params(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Params]:
    fake = _Params()
    for module in (finder, widgets):
        monkeypatch.setattr(module.st, "query_params", fake)
    yield fake


@pytest.mark.parametrize(
    ("link", "area", "postcode", "writes"),
    [
        pytest.param({"pc": "l10aa"}, "E08000012", "L1 0AA", [{"pc": "L1 0AA", "area": "E08000012"}],
                     id="pc-alone-opens-its-district"),
        pytest.param({"area": "E08000012", "pc": "L1 0AA"}, "E08000012", "L1 0AA", [], id="kept"),
        pytest.param({"area": "E08000003", "pc": "L1 0AA"}, "E08000003", None, [{"area": "E08000003"}],
                     id="another-area-picked-drops-it"),
        pytest.param({"area": "E08000003", "pc": "<b>"}, "E08000003", None, [{"area": "E08000003"}], id="junk-dropped"),
        pytest.param({"area": "E08000003"}, "E08000003", None, [], id="no-postcode"),
    ],
)
def test_a_page_naming_one_area_keeps_the_postcode_only_while_it_is_there(
        params: _Params, link: dict[str, str], area: str, postcode: str | None, writes: list[dict[str, str]]) -> None:
    params.update(link)
    shown, place, _notes = finder.linked_postcode("area", "E08000012")
    assert (shown, place.postcode if place else None) == (area, postcode)
    assert params.writes == writes  # at most one step in the browser's history


@pytest.mark.parametrize("page", ["target", "pack"])
def test_picking_another_area_drops_the_postcode_in_the_same_write(params: _Params, page: str) -> None:
    module = __import__(f"ui.{page}", fromlist=["_pick_hit"])
    pick = module._pick_hit if page == "target" else module._pick
    param = "within" if page == "target" else "area"
    params.update({param: "E08000012", "pc": "L1 0AA"})
    pick(AreaHit("E08000003", "Manchester", "lad", "2025", "district E08000003", True))
    assert params.writes == [{param: "E08000003"}]
    params.writes.clear()
    opener = module._pick_postcode
    opener(find_postcode("L1 0AA"))
    assert params.writes == [{param: "E08000012", "pc": "L1 0AA"}]


@pytest.mark.parametrize(
    ("link", "typed", "expected"),
    [
        pytest.param({"level": "lad", "vintage": "2023", "indicator": "le_birth", "area": "E08000003",
                      "lsoa": "imd2019_imd_score"}, "L1 0AA",
                     {"level": "lad", "vintage": "2023", "indicator": "le_birth", "area": "E08000012", "pc": "L1 0AA"},
                     id="district-map-drills-into-liverpool"),
        pytest.param({"level": "lsoa", "vintage": "2021", "indicator": "imd2025_imd_decile"}, "L1 0AP",
                     {"level": "lsoa", "vintage": "2011", "area": "E01006515", "pc": "L1 0AP"},
                     id="no-2021-small-area-opens-the-2011-map"),
    ],
)
def test_the_map_opens_a_postcode_in_one_write(params: _Params, monkeypatch: pytest.MonkeyPatch,
                                              link: dict[str, str], typed: str, expected: dict[str, str]) -> None:
    from geo.view import View
    from ui import map as map_page

    monkeypatch.setattr(map_page.st, "session_state", {})
    params.update(link)
    view = View(link["level"], link["vintage"], link["indicator"], "", "persons", area_code=link.get("area"))
    map_page._open_postcode(view, find_postcode(typed, level=view.level, vintage=view.vintage))
    (written,) = params.writes
    assert {k: written[k] for k in expected} == expected and "lsoa" not in written
    if written["vintage"] != view.vintage:  # another code set: an indicator held there, carried quietly
        from ui.cache import combos

        held = combos(written["indicator"], "lsoa")
        assert ((held["vintage"] == "2011") & (held["period"] == written["period"])).any()
