"""A bounded HTTP client: ``urllib`` with a per-read timeout, a whole-request deadline, a byte cap and retries.

The Fingertips refresh (:mod:`geo.fingertips`, :mod:`geo.refresh`) reads every reply
through :func:`get`. Timeouts, dropped connections, truncated bodies and 5xx/429
answers are retried with exponential backoff; other HTTP errors, and a name lookup
that fails (no network), are not. Every failure is one :class:`~geo.errors.RefreshError`
whose message says what happened and what to try.

What a reply may cost is bounded: every read from the socket, of the status line and
headers as of the body, waits no longer than the time left before the deadline (so a
server sending a byte now and then is cut off at it); a reply over ``max_bytes`` is
refused as soon as it is (or says it will be) larger; and a redirect is followed only
on the server asked (same scheme, host and port).

``fingertips_py`` itself is not used: it calls ``requests`` with no timeout and retries
with certificate checks off, which this client must not do; ``urllib`` is enough.
"""

from __future__ import annotations

import http.client
import io
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from http.client import HTTPException, HTTPMessage
from typing import IO, TYPE_CHECKING, Any

from geo.errors import RefreshError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = ["Http", "Unreachable", "get"]

_USER_AGENT = "health-gap-atlas (python -m geo refresh)"
_PIECE = 1 << 16


@dataclass(frozen=True)
class Http:
    """How patient the client is: per-read timeout, whole-request deadline, retries with backoff, bytes per reply."""

    timeout: float = 30.0
    deadline: float = 180.0
    retries: int = 3
    backoff: float = 1.0
    #: The most a reply may hold; the largest Fingertips reply the atlas asks for is a few MB.
    max_bytes: int = 200_000_000
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)


class Unreachable(RefreshError):
    """The server did not answer usefully after every retry."""


def get(url: str, *, http: Http) -> bytes:
    """GET ``url``; retry timeouts, dropped connections and 5xx/429 with exponential backoff.

    Raises
    ------
    RefreshError
        The server answered with an error that retrying will not mend (404, 400...), a reply
        over ``http.max_bytes``, or a redirect to another server.
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
        except _Expired:
            last = f"the reply did not finish within the {http.deadline:g} s deadline"
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
    until = time.monotonic() + http.deadline
    wait = min(http.timeout, http.deadline)
    opener = urllib.request.build_opener(_HTTPHandler(until=until, timeout=wait), _HTTPSHandler(until=until, timeout=wait),
                                         _SameServer())
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    with opener.open(request, timeout=wait) as response:
        expected = response.headers.get("Content-Length")
        if expected is not None and expected.isdigit() and int(expected) > http.max_bytes:
            raise RefreshError(_too_large(url, http, f" (Content-Length {expected})"))
        body = bytearray()
        while chunk := response.read(_PIECE):
            body += chunk
            if len(body) > http.max_bytes:
                raise RefreshError(_too_large(url, http, ""))
    if expected is not None and expected.isdigit() and len(body) != int(expected):
        raise ConnectionError(f"truncated: {len(body)} of {expected} bytes")
    return bytes(body)


def _too_large(url: str, http: Http, detail: str) -> str:
    return (f"{url}: the reply is over the cap of {http.max_bytes:,} bytes{detail}; expected a Fingertips reply "
            "far smaller. Check --base-url, or raise the cap (Http(max_bytes=...)).")


# --- the deadline on every read, and redirects on the same server only ---------------------------------


class _Expired(TimeoutError):
    """The whole-request deadline passed while waiting for the server."""


class _Reader(io.RawIOBase):
    """The socket as http.client reads it, every read waiting no longer than the time left before ``until``."""

    def __init__(self, sock: socket.socket, *, until: float, timeout: float) -> None:
        super().__init__()
        self._sock, self._until, self._timeout = sock, until, timeout
        # A socket file of its own keeps the socket open after urllib lets go of it, as http.client's own file does.
        self._file = sock.makefile("rb", buffering=0)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int | None:
        left = self._until - time.monotonic()
        if left <= 0:
            raise _Expired
        self._sock.settimeout(min(self._timeout, left))
        try:
            return self._file.readinto(buffer)
        except TimeoutError:
            if time.monotonic() >= self._until:
                raise _Expired from None
            raise

    def close(self) -> None:
        self._file.close()
        super().close()


class _Response(http.client.HTTPResponse):
    def __init__(self, sock: socket.socket, *args: Any, until: float, timeout: float, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        plain, self.fp = self.fp, io.BufferedReader(_Reader(sock, until=until, timeout=timeout))
        plain.close()

    def begin(self) -> None:
        try:
            super().begin()
        except BaseException:  # no status line and headers in time: let go of the socket now, not when collected
            self.close()
            raise


class _HTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, *, until: float, read_timeout: float, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self.response_class = partial(_Response, until=until, timeout=read_timeout)  # type: ignore[assignment]


class _HTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, *, until: float, read_timeout: float, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self.response_class = partial(_Response, until=until, timeout=read_timeout)  # type: ignore[assignment]


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, *, until: float, timeout: float) -> None:
        super().__init__()
        self._connection = partial(_HTTPConnection, until=until, read_timeout=timeout)

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._connection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, *, until: float, timeout: float) -> None:
        super().__init__()
        self._connection = partial(_HTTPSConnection, until=until, read_timeout=timeout)

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._connection, req)


def _server(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())


class _SameServer(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to the server asked: the same scheme, host and port."""

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: HTTPMessage,
                         newurl: str) -> urllib.request.Request | None:
        if _server(newurl) != _server(req.full_url):
            fp.close()
            parts = urllib.parse.urlsplit(req.full_url)
            raise RefreshError(
                f"{req.full_url}: the server redirected to {newurl}; expected a reply from {parts.scheme}://{parts.netloc} "
                "itself. Point --base-url at the server that answers."
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)
