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
