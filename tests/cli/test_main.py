"""Tests for cli.main: the parser from every command, and the one top-level handler (one line, never a traceback)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import geo.refresh
from cli.main import COMMANDS, main
from geo.errors import RefreshError

ROOT = Path(__file__).resolve().parents[2]
ORDER = ["build", "target", "pack", "check", "spearhead", "gap", "lag", "gradient", "refresh", "postcode", "export"]


def test_help_lists_every_command_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0 and len(COMMANDS) == len(ORDER)
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m geo")
    where = [out.index(f"\n    {name}") for name in ORDER]
    assert where == sorted(where)


@pytest.mark.parametrize(
    ("raised", "status", "line"),
    [
        pytest.param(ZeroDivisionError("division by zero"), 1, "error: ZeroDivisionError: division by zero", id="unexpected"),
        pytest.param(RuntimeError("first\nsecond"), 1, "error: RuntimeError: first second", id="unexpected-two-lines"),
        pytest.param(KeyError("le_birth"), 1, "error: KeyError: 'le_birth'", id="unexpected-key"),
        pytest.param(AssertionError(), 1, "error: AssertionError", id="unexpected-no-message"),
        pytest.param(RefreshError("nothing refreshed: offline"), 2, "error: nothing refreshed: offline", id="atlas-error"),
        pytest.param(OSError("disk full"), 1, "error: disk full", id="os-error"),
        pytest.param(ValueError("not a number"), 1, "error: not a number", id="value-error"),
        pytest.param(KeyboardInterrupt(), 130, "error: interrupted", id="interrupted"),
    ],
)
def test_any_failure_is_one_line_and_an_exit_status(
    raised: BaseException, status: int, line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def fail(**_kwargs: object) -> bool:
        raise raised

    monkeypatch.setattr(geo.refresh, "revert", fail)
    assert main(["refresh", "--revert", "--dir", str(tmp_path)]) == status
    out = capsys.readouterr()
    assert out.err == line + "\n" and out.out == ""
    assert "Traceback" not in out.err


def _python(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def test_python_m_geo_turns_an_unexpected_error_into_one_line(tmp_path: Path) -> None:
    script = (
        "import runpy, sys\n"
        "import geo.refresh\n"
        "def fail(**_kwargs): return 1 / 0\n"
        "geo.refresh.revert = fail\n"
        f"sys.argv = ['geo', 'refresh', '--revert', '--dir', {str(tmp_path)!r}]\n"
        "runpy.run_module('geo', run_name='__main__', alter_sys=True)\n"
    )
    done = _python("-c", script)
    assert done.returncode == 1
    assert done.stderr == "error: ZeroDivisionError: division by zero\n"
    assert "Traceback" not in done.stderr + done.stdout


@pytest.mark.parametrize(
    ("argv", "status", "expected"),
    [
        pytest.param(["-m", "geo", "--help"], 0, "refresh", id="python-m-geo"),
        pytest.param(["-m", "geo", "refresh", "--help"], 0, "--revert", id="python-m-geo-refresh"),
        pytest.param(["-m", "cli", "--help"], 0, "gradient", id="python-m-cli"),
    ],
)
def test_the_entry_points_still_run(argv: list[str], status: int, expected: str) -> None:
    done = _python(*argv)
    assert done.returncode == status and expected in done.stdout and done.stderr == ""
