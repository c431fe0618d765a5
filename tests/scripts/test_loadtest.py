"""The load generator against a real server (small N), and the two-replica proxy script through nginx.

Each server test starts Streamlit (or nginx) on free localhost ports and stops it;
the proxy tests are skipped when nginx is not installed (scripts/test.sh installs it).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "serve_replicas.sh"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("loadtest", REPO / "scripts" / "loadtest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["loadtest"] = module
    spec.loader.exec_module(module)
    return module


lt = _load()


def _free_port() -> int:
    return int(lt.free_port())


@pytest.fixture(scope="module")
def server(data_dir) -> Iterator[tuple[str, int]]:
    with lt.started_server(_free_port(), log=REPO / "artifacts" / "loadtest_server.log") as (url, pid):
        yield url, pid


# ---------------------------------------------------------------- pure parts
def test_rerun_message_carries_the_page_and_query() -> None:
    msg = lt.BackMsg()
    msg.ParseFromString(lt.rerun_message("/spearhead?area=E08000012&level=lad").SerializeToString())
    assert msg.WhichOneof("type") == "rerun_script"
    assert (msg.rerun_script.page_name, msg.rerun_script.query_string) == ("spearhead", "area=E08000012&level=lad")


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        pytest.param([1.0, 2.0, 3.0, 4.0, 5.0], 50, 3.0, id="median-odd"),
        pytest.param([1.0, 2.0, 3.0, 4.0], 50, 2.5, id="median-even"),
        # numpy.percentile([1..20], 95) = 19.05 (linear between closest ranks)
        pytest.param([float(i) for i in range(1, 21)], 95, 19.05, id="p95-of-20"),
        pytest.param([7.0], 95, 7.0, id="one-value"),
    ],
)
def test_percentile_interpolates_like_numpy(values: list[float], q: float, expected: float) -> None:
    assert lt.percentile(values, q) == pytest.approx(expected)


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["--url", "http://example.org:8501"], id="not-localhost"),
        pytest.param(["--url", "http://127.0.0.1:8501", "--sessions", "101"], id="too-many-sessions"),
        pytest.param(["--url", "http://127.0.0.1:8501", "--rate", "50"], id="rate-too-high"),
        pytest.param(["--url", "http://127.0.0.1:8501", "--duration", "3600"], id="too-long"),
        pytest.param([], id="no-server"),
        pytest.param(["--url", "http://127.0.0.1:8501", "--source-addresses", "255"], id="too-many-addresses"),
        pytest.param(["--url", "http://localhost:8501", "--source-addresses", "3"], id="addresses-need-127.0.0.1"),
    ],
)
def test_refuses_unbounded_or_remote_runs(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        lt.parse(argv)
    assert exit_.value.code == 2


@pytest.mark.parametrize(
    ("url", "wanted", "sessions", "expected"),
    [
        pytest.param("http://127.0.0.1:8700", 0, 50, ["127.0.0.1", "127.0.0.2", "127.0.0.3"], id="auto-50"),
        pytest.param("http://127.0.0.1:8700", 0, 20, [None], id="auto-20-one-address"),
        pytest.param("http://127.0.0.1:8700", 2, 50, ["127.0.0.1", "127.0.0.2"], id="asked-for-2"),
        pytest.param("http://localhost:8700", 0, 100, [None], id="localhost-not-spread"),
    ],
)
def test_sessions_spread_over_loopback_addresses(url: str, wanted: int, sessions: int, expected: list[str | None]) -> None:
    # nginx allows 40 connections per client address (deploy/nginx.conf): 20 sessions an address by default.
    assert lt.source_addresses(url, wanted, sessions) == expected


def test_bad_view_spec_is_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert lt.main(["--url", "http://127.0.0.1:1", "--view", "no-equals-sign"]) == 2
    assert "expected --view LABEL=/path?query" in capsys.readouterr().err


def test_unreachable_server_is_reported_as_errors_not_a_crash(tmp_path: Path) -> None:
    port = _free_port()  # nothing listens here
    code = lt.main(["--url", f"http://127.0.0.1:{port}", "--sessions", "2", "--rate", "0", "--view-timeout", "5",
                    "--view", "default=/", "--out", str(tmp_path / "r.json")])
    report = json.loads((tmp_path / "r.json").read_text())
    assert code == 1
    assert report["burst"]["errors"] == 2 and len(report["errors"]) == 2


# ---------------------------------------------------------------- against a running server
def test_burst_and_steady_views_are_served_without_errors(server: tuple[str, int], tmp_path: Path) -> None:
    url, pid = server
    out = tmp_path / "report.json"
    code = lt.main(["--url", url, "--pid", str(pid), "--sessions", "3", "--rate", "2", "--duration", "3",
                    "--view", "default=/", "--view", "drill Liverpool=/?area=E08000012", "--view", "page about=/about",
                    "--time-limit", "240", "--out", str(out)])
    report = json.loads(out.read_text())
    assert report["errors"] == [] and code == 0
    assert report["burst"]["sessions"] == 3
    assert report["steady"]["views"] == 6
    assert set(report["steady"]["by_view"]) >= {"drill Liverpool", "page about", "all drill", "all page"}
    assert all(r["bytes_received"] > 1000 for r in report["results"])
    proc = report["server"]["processes"][str(pid)]
    assert proc["cpu_seconds"] > 0 and proc["rss_peak_mb"] > 50


def test_a_failing_view_is_counted(server: tuple[str, int]) -> None:
    url, _pid = server
    good, missing = asyncio.run(_two_views(lt.Session(url, 0, view_timeout=60)))
    assert good.error == "" and good.latency > 0
    assert missing.error.startswith("page not found")


async def _two_views(session: Any) -> tuple[Any, Any]:
    good = await session.view("default", "/", phase="test")
    missing = await session.view("nowhere", "/no-such-page", phase="test")
    await session.close()
    return good, missing


# ---------------------------------------------------------------- two replicas behind nginx
needs_nginx = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx; scripts/test.sh does)")


def _serve(command: str, run_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HGA_RUN_DIR": str(run_dir), "HGA_PYTHON": sys.executable}
    return subprocess.run(["bash", str(SCRIPT), command, *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=240)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()


@needs_nginx
def test_proxy_script_starts_serves_a_view_and_stops_cleanly(data_dir, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    port, first = _free_port(), _free_port()
    second = first + 1
    started = _serve("start", run_dir, "--port", str(port), "--first-port", str(first), "--no-warm")
    try:
        assert started.returncode == 0, started.stderr
        pids = [int(p) for p in (run_dir / "pids").read_text().split()]
        assert len(pids) == 3 and all(_alive(p) for p in pids)  # two replicas, then nginx
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as resp:
            assert resp.status == 200
            assert "hga_route=" in resp.headers.get("Set-Cookie", "")
        session = lt.Session(f"http://127.0.0.1:{port}", 0, view_timeout=120)
        result = asyncio.run(session.view("drill Liverpool", "/?area=E08000012", phase="proxy"))
        asyncio.run(session.close())
        assert result.error == "" and result.bytes_received > 10_000
        conf = (run_dir / "nginx" / "nginx.conf").read_text()
        assert f"server 127.0.0.1:{first};" in conf and f"server 127.0.0.1:{second};" in conf
        assert "hash $hga_route consistent;" in conf
        # No full garbage collection after every script run (it held the interpreter for most of a burst).
        assert all("--runner.postScriptGC\0false" in Path(f"/proc/{p}/cmdline").read_text() for p in pids[:2])
        # The load test's sessions come from several addresses, so nginx's per-address limit is not theirs.
        out = tmp_path / "spread.json"
        assert lt.main(["--url", f"http://127.0.0.1:{port}", "--sessions", "3", "--source-addresses", "3", "--rate", "0",
                        "--view", "page about=/about", "--time-limit", "120", "--out", str(out)]) == 0
        seen = {line.split()[0] for line in (run_dir / "nginx" / "logs" / "access.log").read_text().splitlines()
                if "/_stcore/stream" in line}
        assert {"127.0.0.1", "127.0.0.2", "127.0.0.3"} <= seen
    finally:
        stopped = _serve("stop", run_dir)
    assert stopped.returncode == 0, stopped.stderr
    assert not any(_alive(p) for p in pids)
    assert not (run_dir / "pids").exists()


@needs_nginx
def test_proxy_script_refuses_a_second_start(data_dir, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "pids").write_text("")
    again = _serve("start", run_dir, "--port", str(_free_port()), "--first-port", str(_free_port()), "--no-warm")
    assert again.returncode == 2 and "already running" in again.stderr
