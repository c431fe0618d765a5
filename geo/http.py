"""A bounded HTTP client: ``urllib`` with a per-read timeout, a whole-request deadline and retries.

The Fingertips refresh (:mod:`geo.fingertips`, :mod:`geo.refresh`) reads every reply
through :func:`get`. Timeouts, dropped connections, truncated bodies and 5xx/429
answers are retried with exponential backoff; other HTTP errors, and a name lookup
that fails (no network), are not. Every failure is one :class:`~geo.errors.RefreshError`
whose message says what happened and what to try.

``fingertips_py`` itself is not used: it calls ``requests`` with no timeout and retries
with certificate checks off, which this client must not do; ``urllib`` is enough.
"""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.client import HTTPException

from geo.errors import RefreshError

__all__ = ["Http", "Unreachable", "get"]

_USER_AGENT = "health-gap-atlas (python -m geo refresh)"


@dataclass(frozen=True)
class Http:
    """How patient the client is: per-read timeout, whole-request deadline, retries with backoff."""

    timeout: float = 30.0
    deadline: float = 180.0
    retries: int = 3
    backoff: float = 1.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)


class Unreachable(RefreshError):
    """The server did not answer usefully after every retry."""


def get(url: str, *, http: Http) -> bytes:
    """GET ``url``; retry timeouts, dropped connections and 5xx/429 with exponential backoff.

    Raises
    ------
    RefreshError
        The server answered with an error that retrying will not mend (404, 400...).
    Unreachable
        No useful answer after ``http.retries`` retries, or no name lookup at all (offline).
    """
    last = ""
    for attempt in range(http.retries + 1):
        if attempt:
            http.sleep(http.backoff * 2 ** (attempt - 1))
        try:
            return _get_once(url, http=http)
        except urllib.error.HTTPError as exc:
            last = f"the server answered HTTP {exc.code} {exc.reason}"
            if exc.code != 429 and exc.code < 500:
                raise RefreshError(f"{url}: {last}; expected 200. Check --base-url and the indicator id.") from None
        except TimeoutError:
            last = f"no answer within {http.timeout:g} s"
        except urllib.error.URLError as exc:
            last = f"cannot reach the server ({exc.reason})"
            if isinstance(exc.reason, socket.gaierror):  # no name lookup: offline, retrying will not help
                break
        except (HTTPException, ConnectionError) as exc:
            last = f"the connection broke ({type(exc).__name__})"
    raise Unreachable(
        f"{url}: {last}, {attempt + 1} tries. Are you offline? "
        "The atlas keeps showing the figures it has; try again later or point --base-url at a mirror."
    )


def _get_once(url: str, *, http: Http) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    start = time.monotonic()
    with urllib.request.urlopen(request, timeout=http.timeout) as response:
        expected = response.headers.get("Content-Length")
        chunks: list[bytes] = []
        while chunk := response.read(1 << 16):
            chunks.append(chunk)
            if time.monotonic() - start > http.deadline:
                raise TimeoutError
    body = b"".join(chunks)
    if expected is not None and expected.isdigit() and len(body) != int(expected):
        raise ConnectionError(f"truncated: {len(body)} of {expected} bytes")
    return body
