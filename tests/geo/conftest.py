"""Fixtures of the Fingertips refresh tests: the fake API (see ``fake_fingertips.py``) and the refreshed folder."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import geo._paths
from tests.geo.fake_fingertips import FakeFingertips, QuietServer, handler


def _serve() -> Iterator[FakeFingertips]:
    state = FakeFingertips(routes={("90366", "501"): "90366_501.csv", ("93495", "101"): "93495_101.csv"})
    server = QuietServer(("127.0.0.1", 0), handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/api/"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def fake() -> Iterator[FakeFingertips]:
    yield from _serve()


@pytest.fixture
def other() -> Iterator[FakeFingertips]:
    """A second fake API on another port (somewhere a redirect must not lead)."""
    yield from _serve()


@pytest.fixture
def refresh_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "refreshed"
    monkeypatch.setattr(geo._paths, "REFRESH_DIR", folder)
    return folder
