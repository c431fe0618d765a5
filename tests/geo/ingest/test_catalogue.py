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
