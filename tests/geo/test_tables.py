"""Result tables as files: the CSV carries its comment header and writes booleans as true/false."""

from __future__ import annotations

import pandas as pd

from geo.tables import write_csv


def test_csv_carries_its_header_and_booleans_as_words(tmp_path) -> None:
    table = pd.DataFrame({"area_code": ["E1", "E2", "E3"], "qualifies": [True, False, True],
                          "undecided": pd.array([True, False, pd.NA], dtype="boolean"), "value": [1.5, 2.0, None]})
    path = write_csv(table, ["Spearhead method", "Rule: ties share the best rank"], tmp_path / "t.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[:3] == ["# Spearhead method", "# Rule: ties share the best rank", "area_code,qualifies,undecided,value"]
    assert lines[3:] == ["E1,true,true,1.5", "E2,false,false,2.0", "E3,true,,"]
    read = pd.read_csv(path, comment="#")
    assert read["area_code"].tolist() == ["E1", "E2", "E3"]
