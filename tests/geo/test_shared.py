"""The one owner of shared caches: keys carry the data edition, session-owned data is refused."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd
import pytest

from geo import _paths, shared
from geo.shared import SessionDataError, SessionOwned


def _frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({"value": [float(i) for i in range(n)]})


@pytest.fixture
def refresh_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "refresh"
    folder.mkdir()
    monkeypatch.setattr(_paths, "REFRESH_DIR", folder)
    yield folder


def _point(refresh_dir: Path, name: str) -> None:
    """Swap the pointer as geo.refresh does: a new file renamed over the old one."""
    (refresh_dir / name).mkdir(exist_ok=True)
    tmp = refresh_dir / f".CURRENT.{name}"
    tmp.write_text(name + "\n", encoding="utf-8")
    tmp.replace(refresh_dir / _paths.CURRENT_FILE)


# ---------------------------------------------------------------- bounds and builds
def test_bounded_by_bytes_and_reads_each_key_once() -> None:
    reads: list[str] = []

    def read(key: str) -> pd.DataFrame:
        reads.append(key)
        return _frame(1000)

    size = int(_frame(1000).memory_usage(deep=True, index=True).sum())
    cache = shared.cached(max_entries=100, max_bytes=2 * size)(read)
    cache("a")
    cache("a")
    assert reads == ["a"]
    cache("b")
    cache("a")  # a is now the most recent
    cache("c")  # over the bound: b, the least recent, goes
    info = cache.cache_info()
    assert info.currsize == 2 and info.nbytes == 2 * size
    cache("a")
    cache("b")
    assert reads == ["a", "b", "c", "b"]
    cache.cache_clear()
    assert cache.cache_info().currsize == 0


def test_bounded_by_entries() -> None:
    cache = shared.cached(max_entries=2)(lambda x: x * 2)
    for x in (1, 2, 3):
        cache(x)
    assert cache.cache_info().currsize == 2


def test_concurrent_misses_build_once() -> None:
    reads: list[str] = []

    def slow(key: str) -> pd.DataFrame:
        reads.append(key)
        time.sleep(0.05)
        return _frame(10)

    cache = shared.cached(max_entries=4)(slow)
    got: list[pd.DataFrame] = []
    threads = [threading.Thread(target=lambda: got.append(cache("k"))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert reads == ["k"] and len(got) == 8


def test_an_error_is_not_kept() -> None:
    calls: list[int] = []

    def flaky(x: int) -> int:
        calls.append(x)
        if len(calls) == 1:
            raise ValueError("first call fails")
        return x

    cache = shared.cached(max_entries=4)(flaky)
    with pytest.raises(ValueError, match="first call"):
        cache(1)
    assert cache(1) == 1 and calls == [1, 1]


def test_a_caller_changing_a_frame_does_not_change_the_shared_one() -> None:
    cache = shared.cached(max_entries=4)(lambda: _frame(3))
    first = cache()
    first["value"] = -1.0
    first["extra"] = 1
    again = cache()
    assert list(again.columns) == ["value"] and again["value"].tolist() == [0.0, 1.0, 2.0]


def test_underscored_arguments_are_left_out_of_the_key() -> None:
    calls: list[int] = []

    def build(key: str, *, _rows: list[int]) -> int:
        calls.append(1)
        return len(_rows)

    cache = shared.cached(max_entries=4)(build)
    assert cache("v", _rows=[1, 2]) == 2
    assert cache("v", _rows=[1, 2, 3]) == 2  # the key says it is the same view
    assert len(calls) == 1


def test_unhashable_key_arguments_are_refused_with_the_fix() -> None:
    cache = shared.cached(max_entries=4)(lambda rows: len(rows))
    with pytest.raises(TypeError, match="leading '_'"):
        cache([1, 2])


# ---------------------------------------------------------------- the edition
def test_a_new_refresh_pointer_is_a_new_edition_and_drops_the_old_entries(refresh_dir: Path) -> None:
    calls: list[str] = []

    def figures(x: str) -> str:
        calls.append(shared.edition().refreshed)
        return x

    cache = shared.cached(max_entries=8)(figures)
    cache("a")
    cache("a")
    assert len(calls) == 1 and calls[0] == ""
    _point(refresh_dir, "refresh-1")
    cache("a")
    assert len(calls) == 2 and calls[1].endswith("refresh-1")
    assert cache.cache_info().currsize == 1  # the bundled edition's entry went
    (refresh_dir / _paths.CURRENT_FILE).unlink()  # a revert
    cache("a")
    assert len(calls) == 3


def test_boundaries_do_not_change_with_a_refresh(refresh_dir: Path) -> None:
    calls: list[int] = []
    cache = shared.cached(max_entries=8, scope="bundled")(lambda: calls.append(1) or 1)
    cache()
    _point(refresh_dir, "refresh-2")
    cache()
    assert calls == [1]


def test_a_pinned_view_keeps_its_edition_while_other_threads_see_the_new_one(refresh_dir: Path) -> None:
    with shared.pinned() as pin:
        assert pin.refreshed == ""
        _point(refresh_dir, "refresh-3")
        assert shared.edition() == pin
        seen: list[shared.Edition] = []
        t = threading.Thread(target=lambda: seen.append(shared.edition()))
        t.start()
        t.join()
        assert seen[0].refreshed.endswith("refresh-3")
    assert shared.edition().refreshed.endswith("refresh-3")


def test_begin_view_reads_the_pointer_afresh(refresh_dir: Path) -> None:
    with shared.pinned():
        first = shared.begin_view()
        _point(refresh_dir, "refresh-4")
        assert shared.edition() == first
        assert shared.begin_view().refreshed.endswith("refresh-4")


# ---------------------------------------------------------------- session-owned data
@dataclass(frozen=True)
class _Owned(SessionOwned):
    rows: int


@dataclass(frozen=True)
class _Holder:
    indicator_id: str


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("upload:9f3a1c:1:rate", id="upload-id"),
        pytest.param(_Owned(3), id="session-owned-object"),
        pytest.param(("E08000012", "upload:9f3a1c:1:rate"), id="id-inside-a-key"),
        pytest.param(_Holder("upload:9f3a1c:1:rate"), id="dataclass-holding-an-upload-id"),
        pytest.param(partial(len, _Owned(1)), id="partial-over-an-upload"),
    ],
)
def test_session_owned_arguments_are_refused(value: object) -> None:
    cache = shared.cached(max_entries=4)(lambda key: 1)
    with pytest.raises(SessionDataError, match="session-owned"):
        cache(value)


def test_a_build_that_captured_an_upload_is_refused() -> None:
    mine = _Owned(3)

    def build() -> int:
        return mine.rows

    cache = shared.cached(max_entries=4)(lambda key, *, _build: _build())
    with pytest.raises(SessionDataError, match="'_build'"):
        cache("key", _build=build)


def test_a_session_owned_result_is_refused_and_not_kept() -> None:
    cache = shared.cached(max_entries=4)(lambda key: ["le_birth", "upload:9f3a1c:1:rate"])
    with pytest.raises(SessionDataError, match="returned session-owned"):
        cache("key")
    assert cache.cache_info().currsize == 0


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("le_birth", id="catalogue-id"),
        pytest.param(("lad", "2023", "E08000012"), id="view-key"),
        pytest.param(_Holder("imd2019_score"), id="dataclass"),
        pytest.param(_frame(2), id="frame"),
    ],
)
def test_shared_data_is_not_mistaken_for_session_data(value: object) -> None:
    assert not shared.is_session_owned(value)
