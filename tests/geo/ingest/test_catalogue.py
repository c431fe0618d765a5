"""Stage ``catalogue``: the methods' stated rules are written from the one module the page reads."""

from __future__ import annotations

import json

from geo import spearhead, spearhead_rules


def test_committed_catalogue_holds_the_spearhead_rules(data_dir) -> None:
    written = json.loads((data_dir / "catalogue.json").read_text(encoding="utf-8"))
    assert written["methods"] == {"spearhead": spearhead_rules.describe()}
    entry = written["methods"]["spearhead"]
    assert entry["tie_rule"].startswith("Ties at the cut-off") and entry["tie_rule"] == spearhead.RULES[0]
    assert entry["missing_rule"].startswith("Missing values") and entry["missing_rule"] == spearhead.RULES[1]


def test_sources_name_the_postcode_files_what_is_derived_and_their_attribution(data_dir) -> None:
    from geo.ingest.catalogue import BOUNDARY_SOURCES, POSTCODE_DERIVED, _sources_markdown
    from geo.postcodes import ATTRIBUTION

    text = (data_dir / "SOURCES.md").read_text(encoding="utf-8")
    assert text == _sources_markdown(json.loads((data_dir / "catalogue.json").read_text(encoding="utf-8"))["indicators"])
    postcode_files = [b["raw_file"] for b in BOUNDARY_SOURCES if b["raw_file"].startswith("postcodes/")]
    assert postcode_files == ["postcodes/PCD_OA_LSOA_MSOA_LAD_MAY22_UK_LU.csv.xz", "postcodes/codepo_gb.zip"]
    assert all(f"`{f}`" in text for f in postcode_files)
    derived = text.split("## Postcode-derived figures", 1)[1].split("## Indicators", 1)[0]
    assert ATTRIBUTION in derived and all(what in derived for what in POSTCODE_DERIVED)
    assert [w.split(" (")[0] for w in POSTCODE_DERIVED] == ["The postcode table", "Small areas' residential centres",
                                                            "Best-fit wards"]
