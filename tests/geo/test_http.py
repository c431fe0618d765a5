"""geo.http, the bounded client, against a local fake Fingertips API: retries, backoff, timeouts, offline."""

from __future__ import annotations

import re
import socket
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from geo import refresh
from geo.errors import RefreshError
from geo.http import Http, Unreachable, get
from tests.geo.fake_fingertips import FAST, FIXTURES, LE, TYPES, FakeFingertips, hashes

#: The reply for life expectancy on the districts of 2023, as the refresh asks for it.
LE_501 = ("90366", "501")


def _url(fake: FakeFingertips) -> str:
    return f"{fake.url}all_data/csv/by_indicator_id?indicator_ids=90366&child_area_type_id=501&parent_area_type_id=15"


def test_a_whole_reply_comes_back_as_sent(fake: FakeFingertips) -> None:
    assert get(_url(fake), http=FAST) == (FIXTURES / "90366_501.csv").read_bytes()
    assert fake.hits[LE_501] == 1


def test_a_client_error_is_not_retried(fake: FakeFingertips) -> None:
    fake.faults[LE_501] = "http404"
    waits: list[float] = []
    with pytest.raises(RefreshError, match=r"HTTP 404 .*; expected 200\. Check --base-url") as caught:
        get(_url(fake), http=Http(timeout=0.5, deadline=2.0, retries=3, backoff=0.5, sleep=waits.append))
    assert not isinstance(caught.value, Unreachable) and waits == [] and fake.hits[LE_501] == 1


def test_a_reply_cut_short_is_retried_then_refused(fake: FakeFingertips) -> None:
    fake.faults[LE_501] = "truncated"
    with pytest.raises(Unreachable, match=r"the connection broke \(\w+\), 3 tries\. Are you offline\?"):
        get(_url(fake), http=FAST)
    assert fake.hits[LE_501] == 3


def test_a_retry_after_a_server_error_succeeds(fake: FakeFingertips, data_dir: Path, refresh_dir: Path) -> None:
    fake.faults[("90366", "501")] = "http500_once"
    waits: list[float] = []
    http = Http(timeout=0.5, deadline=2.0, retries=2, backoff=0.25, sleep=waits.append)
    outcome = refresh.refresh(base_url=fake.url, refresh_dir=refresh_dir, data_dir=data_dir, http=http,
                              series=(LE,), area_types=TYPES)
    assert outcome.rows == {"le_birth": 16} and fake.hits[("90366", "501")] == 2 and waits == [0.25]


def test_backoff_doubles_between_tries(fake: FakeFingertips, data_dir: Path, refresh_dir: Path) -> None:
    fake.faults[("90366", "501")] = "http500"
    waits: list[float] = []
    http = Http(timeout=0.5, deadline=2.0, retries=3, backoff=0.5, sleep=waits.append)
    with pytest.raises(RefreshError, match="4 tries"):
        refresh.refresh(base_url=fake.url, refresh_dir=refresh_dir, data_dir=data_dir, http=http, series=(LE,), area_types=TYPES)
    assert waits == [0.5, 1.0, 2.0] and fake.hits[("90366", "501")] == 4


def _closed_port() -> str:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/api/"


@pytest.mark.parametrize(
    ("base_url", "tries"),
    [
        pytest.param(_closed_port, "3 tries", id="connection-refused-is-retried"),
        pytest.param(lambda: "http://fingertips.invalid/api/", "1 tries", id="no-name-lookup-fails-at-once"),
    ],
)
def test_offline_gives_one_line_and_a_non_zero_exit(
    base_url: Callable[[], str], tries: str, refresh_dir: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cli.main import main

    monkeypatch.setitem(refresh.refresh.__kwdefaults__, "http", FAST)
    status = main(["refresh", "--indicators", "le_birth", "--base-url", base_url(), "--dir", str(refresh_dir)])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "cannot reach the server" in err and f"{tries}. Are you offline?" in err and "nothing refreshed" in err
    assert hashes(refresh_dir) == {}


# --- bounds on what a reply may cost ------------------------------------------------------------------


def test_an_endless_reply_stops_at_the_byte_cap_quickly_with_memory_bounded(fake: FakeFingertips) -> None:
    fake.faults[LE_501] = "endless"
    cap = 1_000_000
    http = Http(timeout=0.5, deadline=10.0, retries=2, backoff=0.0, max_bytes=cap)
    started = time.monotonic()
    tracemalloc.start()
    try:
        with pytest.raises(RefreshError, match=rf"^{re.escape(_url(fake))}: the reply is over the cap of 1,000,000 "
                                               r"bytes; expected .*max_bytes") as caught:
            get(_url(fake), http=http)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 2.0 and peak < 4 * cap
    assert not isinstance(caught.value, Unreachable) and fake.hits[LE_501] == 1  # the same again is not worth a retry
    assert "\n" not in str(caught.value)


def test_a_reply_declaring_more_than_the_cap_is_refused_before_it_is_read(fake: FakeFingertips) -> None:
    size = len((FIXTURES / "90366_501.csv").read_bytes())
    with pytest.raises(RefreshError, match=rf"^{re.escape(_url(fake))}: the reply is over the cap of 100 bytes "
                                           rf"\(Content-Length {size}\)"):
        get(_url(fake), http=Http(timeout=0.5, deadline=2.0, retries=0, backoff=0.0, max_bytes=100))


@pytest.mark.parametrize("fault", [pytest.param("drip", id="body"), pytest.param("drip_headers", id="status-and-headers")])
def test_a_reply_dripping_a_byte_every_fifth_of_a_second_is_cut_at_the_deadline(fault: str, fake: FakeFingertips) -> None:
    fake.faults[LE_501] = fault
    started = time.monotonic()
    with pytest.raises(Unreachable, match=r"the reply did not finish within the 1 s deadline, 1 tries"):
        get(_url(fake), http=Http(timeout=0.5, deadline=1.0, retries=0, backoff=0.0))
    assert 0.9 < time.monotonic() - started < 1.6


def _elsewhere(fake: FakeFingertips, other: FakeFingertips, where: str) -> str:
    if where == "another-port":
        return other.url.removesuffix("/api/")
    return fake.url.removesuffix("/api/").replace("127.0.0.1", "localhost")


@pytest.mark.parametrize("where", ["another-port", "another-host"])
def test_a_redirect_to_another_server_is_refused(where: str, fake: FakeFingertips, other: FakeFingertips) -> None:
    fake.redirect_to = _elsewhere(fake, other, where)
    fake.faults[LE_501] = "redirect"
    origin = fake.url.removesuffix("/api/")
    with pytest.raises(RefreshError, match=rf"^{re.escape(_url(fake))}: the server redirected to "
                                           rf"{re.escape(fake.redirect_to)}/api/all_data\S+; expected a reply from "
                                           rf"{re.escape(origin)} itself\.") as caught:
        get(_url(fake), http=FAST)
    assert not isinstance(caught.value, Unreachable) and fake.hits[LE_501] == 1 and other.hits == {}


def test_a_redirect_on_the_same_server_is_followed(fake: FakeFingertips) -> None:
    fake.redirect_to = fake.url.removesuffix("/api/")
    fake.faults[LE_501] = "redirect_once"
    assert get(_url(fake), http=FAST) == (FIXTURES / "90366_501.csv").read_bytes()
    assert fake.hits[LE_501] == 2
