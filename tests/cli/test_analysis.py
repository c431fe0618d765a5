"""Tests for cli.analysis: the target command's failures are one line, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main

ROOT = Path(__file__).resolve().parents[2]
#: 331 nested parentheses: 667 characters, under the rule language's 2,000-character cap.
DEEP = "(" * 331 + "imd2019_imd_decile <= 2" + ")" * 331


def test_a_deeply_nested_rule_is_one_line_naming_the_limit(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["target", "--within", "england", "--where", DEEP]) == 2
    out = capsys.readouterr()
    assert out.out == "" and out.err.count("\n") == 1
    assert out.err.startswith("error: Cannot read the rule at character 33 ") and "32 levels" in out.err


def test_python_m_geo_target_with_a_deeply_nested_rule_prints_no_traceback() -> None:
    done = subprocess.run([sys.executable, "-m", "geo", "target", "--within", "england", "--where", DEEP], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr and "32 levels" in done.stderr


# ---------------------------------------------------------------- gap --group FILE
def test_gap_refuses_a_file_that_lists_no_local_authority(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shadow = tmp_path / "shadow"
    shadow.write_text("root:*:19000:0:99999:7:::\n" * 25, encoding="utf-8")  # what /etc/shadow looks like
    assert main(["gap", "--group", str(shadow), "--vintage", "2019", "--out", str(tmp_path / "gap.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "lists no 2019 local authority code" in err
    assert not (tmp_path / "gap.csv").exists()


def test_gap_refuses_a_pipe_at_once(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    done = subprocess.run([sys.executable, "-m", "geo", "gap", "--group", str(fifo), "--vintage", "2019"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and "not a regular file" in done.stderr and "Traceback" not in done.stderr


def test_gap_names_the_entries_it_leaves_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    listed = tmp_path / "group.csv"
    listed.write_text("area_code\nE08000012\u200b\nE06000001\nnonsense\n", encoding="utf-8")
    assert main(["gap", "--group", str(listed), "--vintage", "2019", "--indicator", "le_female",
                 "--out", str(tmp_path / "gap.csv")]) == 0
    err = capsys.readouterr().err
    assert "1 entries" in err and "'nonsense'" in err
    assert (tmp_path / "gap.csv").exists()


@pytest.mark.parametrize(
    ("indicator", "said"),
    [pytest.param("cvd_u75", "95% CI ", id="cvd-mortality-has-intervals"),
     pytest.param("le_female", "no interval: the 2 areas' values are all held without a published confidence interval",
                  id="life-expectancy-says-why-not")],
)
def test_gap_prints_and_writes_the_group_interval(tmp_path: Path, capsys: pytest.CaptureFixture[str], indicator: str,
                                                  said: str) -> None:
    import pandas as pd

    listed = tmp_path / "group.csv"
    listed.write_text("E06000009\nE08000012\n", encoding="utf-8")  # Blackpool, Liverpool
    out = tmp_path / "gap.csv"
    assert main(["gap", "--group", str(listed), "--vintage", "2023", "--indicator", indicator, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Group interval: " in printed and said in printed and "Latest, " in printed
    table = pd.read_csv(out, comment="#")
    has = table["group_lower_ci"].notna()
    assert has.all() if said.startswith("95%") else not has.any()
    assert (table["group_ci_method"].str.startswith("95% and 99.8% CIs by combining") == has).all()
    assert "# group_lower_ci, group_upper_ci: the group figure's 95% confidence interval" in out.read_text("utf-8")
