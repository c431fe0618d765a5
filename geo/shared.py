"""The one owner of everything kept across sessions: the data edition and the shared caches.

One server process serves many people, and every table, layer and analysis it keeps in
memory is shared by all of them. This module decides, once for the whole atlas, three
things that used to be decided at each cache site:

- **What a cached result depends on.** Every key starts with the data *edition*
  (:func:`edition`): the bundled data's identity plus the refresh pointer (``CURRENT``
  in :data:`geo._paths.REFRESH_DIR`). A refresh made by any session, any replica or
  ``python -m geo refresh`` changes the pointer, so every cache misses on its next
  view and old entries are dropped; no restart, no clearing by hand.
- **What may enter.** Anything that belongs to one browser session (an upload, a layer
  or rule built from one) is a :class:`SessionOwned`, and an upload's indicator id
  starts with :data:`UPLOAD_PREFIX`. :class:`Shared` refuses both, in its arguments
  (the key, the unhashed ``_``-prefixed arguments, and what a function argument has
  captured) and in what the function returns, with :class:`SessionDataError`.
- **How much is kept.** Each cache is bounded by entries (and, optionally, bytes).

Use :func:`cached` as a decorator; parameters whose names start with ``_`` are left out
of the key (as in Streamlit's caches) but still checked. Pandas objects are handed out
as shallow copies (copy-on-write), so a caller that adds a column changes only its
own copy. :func:`begin_view` pins the edition for the current thread (one script run),
so one view never mixes two editions.

No other module may create a cache that outlives a session: ``tests/test_house.py``
fails on ``functools`` caches, Streamlit's ``st.cache_data``/``st.cache_resource`` or
module-level cache dictionaries anywhere else.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import inspect
import os
import threading
import types
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final, Generic, Literal, NamedTuple, ParamSpec, TypeVar, cast

import pandas as pd

from geo import _paths
from geo.errors import AtlasError

__all__ = [
    "UPLOAD_PREFIX",
    "CacheInfo",
    "Edition",
    "SessionDataError",
    "SessionOwned",
    "Shared",
    "begin_view",
    "cached",
    "caches",
    "clear",
    "edition",
    "is_session_owned",
    "pinned",
]

#: Indicator ids of uploaded columns start with this (``upload:<session token>:<n>:<column>``).
UPLOAD_PREFIX: Final = "upload:"

P = ParamSpec("P")
R = TypeVar("R")
Scope = Literal["figures", "bundled"]


class SessionDataError(AtlasError, TypeError):
    """Session-owned data (an upload, or something built from one) was offered to a shared cache."""


class SessionOwned:
    """Marker base class: this object belongs to one browser session and is never shared.

    Uploads, their indicators, the layers and rules built from them subclass it; the
    shared caches refuse any argument or result that is one (or holds one).
    """

    __slots__ = ()


# ---------------------------------------------------------------- the edition
@dataclass(frozen=True)
class Edition:
    """Which figures are in use: the bundled data's identity and the refreshed folder named by ``CURRENT``."""

    bundled: str
    refreshed: str

    def key(self, scope: Scope) -> tuple[str, ...]:
        """The part of a cache key that ``scope`` depends on (boundaries do not change with a refresh)."""
        return (self.bundled,) if scope == "bundled" else (self.bundled, self.refreshed)


_readings_lock = threading.Lock()
#: The last reading of each file the edition is made of, by path: (stat signature, what it said).
_readings: dict[str, tuple[object, str]] = {}
_local = threading.local()


def _read_if_changed(path: os.PathLike[str] | str, read: Callable[[], str], *, missing: str) -> str:
    """``read()``, re-run only when ``path``'s stat signature changed (a stat costs about a microsecond).

    The pointer is replaced with :func:`os.replace`, so a new pointer is a new inode and a
    new modification time: a changed file is never mistaken for the one read before.
    """
    try:
        st = os.stat(path)
    except OSError:
        return missing
    signature = (st.st_mtime_ns, st.st_size, st.st_ino, st.st_dev)
    name = os.fspath(path)
    with _readings_lock:
        seen = _readings.get(name)
        if seen is not None and seen[0] == signature:
            return seen[1]
    try:
        text = read()
    except OSError:
        return missing
    with _readings_lock:
        _readings[name] = (signature, text)
    return text


def _bundled_identity() -> str:
    """A digest of ``data/catalogue.json``, which every build writes last."""
    path = _paths.DATA_DIR / "catalogue.json"
    return _read_if_changed(path, lambda: hashlib.sha256(path.read_bytes()).hexdigest()[:16], missing="no-data")


def _refresh_pointer() -> str:
    """The refreshed folder ``CURRENT`` names (``""`` when none)."""
    path = _paths.REFRESH_DIR / _paths.CURRENT_FILE
    name = _read_if_changed(path, lambda: path.read_text(encoding="utf-8")[:256].strip(), missing="")
    return f"{_paths.REFRESH_DIR}/{name}" if name else ""


def edition() -> Edition:
    """The data edition in use: pinned for this thread by :func:`begin_view`, else read now."""
    pinned_edition = getattr(_local, "edition", None)
    if pinned_edition is not None:
        return cast(Edition, pinned_edition)
    return Edition(_bundled_identity(), _refresh_pointer())


def begin_view() -> Edition:
    """Read the edition afresh and pin it for this thread: call once at the start of each script run."""
    _local.edition = None
    _local.edition = edition()
    return cast(Edition, _local.edition)


@contextmanager
def pinned(pin: Edition | None = None) -> Iterator[Edition]:
    """Pin ``pin`` (or the edition read now) for the duration of a block, e.g. a command or a warm-up."""
    before = getattr(_local, "edition", None)
    _local.edition = None
    _local.edition = pin or edition()
    try:
        yield _local.edition
    finally:
        _local.edition = before


# ---------------------------------------------------------------- session-owned data
def is_session_owned(obj: object, *, _depth: int = 0) -> bool:
    """Whether ``obj`` is, names or holds session-owned data (looked into a few levels deep)."""
    if isinstance(obj, SessionOwned):
        return True
    if isinstance(obj, str):
        return obj.startswith(UPLOAD_PREFIX)
    if obj is None or isinstance(obj, int | float | bytes | pd.DataFrame | pd.Series) or _depth >= 3:
        return False
    deeper = _depth + 1
    if isinstance(obj, tuple | list | frozenset | set):
        return any(is_session_owned(item, _depth=deeper) for item in list(obj)[:64])
    if isinstance(obj, dict):
        return any(is_session_owned(k, _depth=deeper) or is_session_owned(v, _depth=deeper)
                   for k, v in list(obj.items())[:64])
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return any(is_session_owned(getattr(obj, f.name, None), _depth=deeper) for f in dataclasses.fields(obj))
    if isinstance(obj, functools.partial):
        return is_session_owned((obj.func, obj.args, obj.keywords), _depth=deeper)
    if isinstance(obj, types.FunctionType | types.MethodType):
        func = getattr(obj, "__func__", obj)
        owner = getattr(obj, "__self__", None)
        cells = tuple(c.cell_contents for c in (func.__closure__ or ()) if _filled(c))
        return is_session_owned((owner, cells), _depth=deeper)
    return False


def _filled(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018
    except ValueError:  # an empty cell: a closure variable not yet assigned
        return False
    return True


# ---------------------------------------------------------------- the caches
class CacheInfo(NamedTuple):
    """As :func:`functools.lru_cache`'s, plus the bytes held (0 when not measured)."""

    hits: int
    misses: int
    maxsize: int
    currsize: int
    nbytes: int


_REGISTRY: list[Shared[Any, Any]] = []


class Shared(Generic[P, R]):
    """A thread-safe LRU cache of one function's results, keyed by the edition and the arguments.

    Concurrent misses on one key wait for a single build. Exceptions are not kept.
    Create it with :func:`cached`.
    """

    def __init__(self, fn: Callable[P, R], *, max_entries: int, max_bytes: int | None, scope: Scope) -> None:
        self._fn = fn
        self._signature = inspect.signature(fn)
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._scope: Scope = scope
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._building: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()
        self._edition: tuple[str, ...] | None = None
        self._nbytes = self._hits = self._misses = 0
        self.__wrapped__ = fn
        functools.update_wrapper(self, fn)
        _REGISTRY.append(self)

    @property
    def name(self) -> str:
        """The cached function's module and name."""
        return f"{self._fn.__module__}.{self._fn.__qualname__}"

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        key = self._key(args, kwargs)
        value = self._get_or_build(key, args, kwargs)
        return _handout(value)

    def _key(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Hashable:
        bound = self._signature.bind(*args, **kwargs)
        bound.apply_defaults()
        parts: list[tuple[str, Any]] = []
        for name, value in bound.arguments.items():
            if is_session_owned(value):
                raise SessionDataError(
                    f"{self.name} is shared by every session, but its argument {name!r} holds session-owned data "
                    f"(an upload or something built from one, e.g. {_brief(value)}). Call the function without "
                    "the shared cache for session data."
                )
            if not name.startswith("_"):
                parts.append((name, value))
        key = (edition().key(self._scope), tuple(parts))
        try:
            hash(key)
        except TypeError as exc:
            raise TypeError(f"{self.name}: every argument not named with a leading '_' must be hashable ({exc}).") from None
        return key

    def _get_or_build(self, key: Hashable, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        with self._lock:
            self._drop_other_editions(cast(tuple[Any, ...], key)[0])
            hit = self._hit(key)
            if hit is not None:
                return hit[0]
            key_lock = self._building.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                hit = self._hit(key)
                if hit is not None:
                    return hit[0]
                self._misses += 1
            try:
                value = self._fn(*args, **kwargs)
            finally:
                with self._lock:
                    self._building.pop(key, None)
            if is_session_owned(value):
                raise SessionDataError(f"{self.name} returned session-owned data ({_brief(value)}); it cannot be shared.")
            size = _nbytes(value) if self._max_bytes is not None else 0
            with self._lock:
                self._entries[key] = (value, size)
                self._nbytes += size
                self._evict()
            return value

    def _hit(self, key: Hashable) -> tuple[Any, int] | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            self._hits += 1
        return entry

    def _drop_other_editions(self, current: tuple[str, ...]) -> None:
        if self._edition == current:
            return
        if self._edition is not None:
            for old in [k for k in self._entries if cast(tuple[Any, ...], k)[0] != current]:
                self._nbytes -= self._entries.pop(old)[1]
        self._edition = current

    def _evict(self) -> None:
        while len(self._entries) > 1 and (
            len(self._entries) > self._max_entries
            or (self._max_bytes is not None and self._nbytes > self._max_bytes)
        ):
            _, (_, dropped) = self._entries.popitem(last=False)
            self._nbytes -= dropped

    def cache_clear(self) -> None:
        """Forget every entry (tests; a refresh needs no clearing: the edition changes)."""
        with self._lock:
            self._entries.clear()
            self._nbytes = self._hits = self._misses = 0
            self._edition = None

    def cache_info(self) -> CacheInfo:
        """Hits, misses, the entry bound, entries held and bytes held."""
        with self._lock:
            return CacheInfo(self._hits, self._misses, self._max_entries, len(self._entries), self._nbytes)


def cached(
    *, max_entries: int = 32, max_bytes: int | None = None, scope: Scope = "figures"
) -> Callable[[Callable[P, R]], Shared[P, R]]:
    """Decorate a function whose results every session may share.

    Parameters
    ----------
    max_entries, max_bytes
        Bounds: least recently used entries go first (``max_bytes`` measures pandas
        objects by their deep memory use).
    scope
        ``"figures"`` (default): keyed by the whole edition, so a refresh rebuilds it;
        ``"bundled"``: by the bundled data only (boundaries, lookups, code lists).

    Examples
    --------
    >>> @cached(max_entries=2)
    ... def double(x: int) -> int:
    ...     return 2 * x
    >>> double(21), double.cache_info().misses
    (42, 1)
    >>> double("upload:ab12:1:rate")
    Traceback (most recent call last):
    ...
    geo.shared.SessionDataError: geo.shared.double is shared by every session, ...
    """

    def wrap(fn: Callable[P, R]) -> Shared[P, R]:
        return Shared(fn, max_entries=max_entries, max_bytes=max_bytes, scope=scope)

    return wrap


def caches() -> tuple[Shared[Any, Any], ...]:
    """Every shared cache created so far (for tests and the About page's memory line)."""
    return tuple(_REGISTRY)


def clear() -> None:
    """Empty every shared cache (tests; never needed for a refresh)."""
    for shared in _REGISTRY:
        shared.cache_clear()


def _handout(value: Any) -> Any:
    # A shallow copy under copy-on-write: the caller may add or change columns without touching the shared one.
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy(deep=False)
    return value


def _nbytes(value: Any) -> int:
    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(deep=True, index=True).sum())
    if isinstance(value, pd.Series):
        return int(value.memory_usage(deep=True, index=True))
    if isinstance(value, bytes | str):
        return len(value)
    return 0


def _brief(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
