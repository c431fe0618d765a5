"""A local fake of the Fingertips API serving recorded responses (tests/fixtures/fingertips), and helpers.

Shared by the tests of :mod:`geo.http`, :mod:`geo.fingertips` and :mod:`geo.refresh`
(their fixtures ``fake`` and ``refresh_dir`` are in ``tests/geo/conftest.py``) and by the
browser test that reads a refreshed folder.
"""

from __future__ import annotations

import hashlib
import json
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd

from geo import refresh
from geo.fingertips import AREA_TYPES, NewIndicator, Series
from geo.http import Http

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "fingertips"
FAST = Http(timeout=0.5, deadline=2.0, retries=2, backoff=0.0)

LE = Series("le_birth", 90366, area_types=(501,))
CMD = Series(
    "cmd_prevalence", 93495, area_types=(101,),
    new=NewIndicator("Common mental disorders", "Common mental disorders", "d.", "%", "none", "Population",
                     "proportion"),
)
TYPES = AREA_TYPES
#: Recorded replies on older boundaries: districts of 2019 and before April 2019, and PCTs.
OLDER = {("90366", "201"): "90366_201.csv", ("90366", "101"): "90366_101.csv", ("90366", "2"): "90366_2.csv"}


@dataclass
class FakeFingertips:
    """Serves ``routes[(indicator_id, area_type_id)]`` (a fixture name) and metadata; ``faults`` misbehave."""

    routes: dict[tuple[str, str], str] = field(default_factory=dict)
    faults: dict[tuple[str, str], str] = field(default_factory=dict)
    #: ``available_data`` answers: the area types listed per indicator (default: those with a route).
    available: dict[str, list[int]] = field(default_factory=dict)
    hits: dict[tuple[str, str], int] = field(default_factory=dict)
    url: str = ""
    #: Where the replies are read from.
    folder: Path = FIXTURES
    #: Replies given in full, in place of ``routes`` (e.g. a recorded reply with one field changed).
    bodies: dict[tuple[str, str], bytes] = field(default_factory=dict)
    #: Where the faults ``redirect`` and ``redirect_once`` send the client: scheme, host and port.
    redirect_to: str = ""


def handler(fake: FakeFingertips) -> type[BaseHTTPRequestHandler]:
    """A request handler answering as Fingertips would, from ``fake``'s routes, faults and folder."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, status: int, body: bytes, *, length: int | None = None, kind: str = "text/csv") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body) if length is None else length))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            parsed = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(parsed.query))
            if parsed.path == "/api/indicator_metadata/by_indicator_id":
                path = fake.folder / f"metadata_{query['indicator_ids']}.json"
                if not path.exists():
                    return self._send(404, b"not found", kind="text/plain")
                return self._send(200, path.read_bytes(), kind="application/json")
            if parsed.path == "/api/available_data":
                wanted = query["indicator_id"]
                types = fake.available.get(wanted, [int(t) for i, t in fake.routes if i == wanted])
                body = json.dumps([{"IndicatorId": int(wanted), "AreaTypeId": t} for t in types]).encode()
                return self._send(200, body, kind="application/json")
            if parsed.path != "/api/all_data/csv/by_indicator_id" or query.get("parent_area_type_id") != "15":
                return self._send(404, b"not found", kind="text/plain")
            key = (query["indicator_ids"], query["child_area_type_id"])
            fake.hits[key] = fake.hits.get(key, 0) + 1
            fault = fake.faults.get(key, "")
            if (fault == "http500_once" and fake.hits[key] == 1) or fault == "http500":
                return self._send(500, b"Internal Server Error", kind="text/plain")
            if fault == "http404":
                return self._send(404, b"not found", kind="text/plain")
            if fault == "slow":
                time.sleep(1.5)
            if fault == "redirect" or (fault == "redirect_once" and fake.hits[key] == 1):
                self.send_response(302)
                self.send_header("Location", fake.redirect_to + self.path)
                self.send_header("Content-Length", "0")
                return self.end_headers()
            if fault == "endless":  # a chunked reply that never ends, until the client hangs up
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                piece = b"%x\r\n%s\r\n" % (1 << 16, b"x" * (1 << 16))
                while True:
                    self.wfile.write(piece)
            if fault in ("drip", "drip_headers"):  # one byte every 0.2 s, of the body or of the whole reply
                reply = b"HTTP/1.0 200 OK\r\nContent-Length: 30\r\n\r\n" + b"x" * 30
                if fault == "drip":
                    self.wfile.write(reply[:reply.index(b"\r\n\r\n") + 4])
                    reply = reply[reply.index(b"\r\n\r\n") + 4:]
                for byte in reply:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.2)
                return None
            name = fake.routes.get(key)
            body = (fake.folder / name).read_bytes() if name else (fake.folder / "90366_501.csv").read_bytes().split(b"\n")[0]
            body = fake.bodies.get(key, body)
            if fault == "truncated":  # the connection drops halfway through the promised length
                return self._send(200, body[: len(body) // 2], length=len(body))
            if fault == "cut_row":  # a complete reply whose last line stops mid-row
                body = body[: body.rindex(b",,,")]
            if fault == "wrong_columns":
                body = body.replace(b"Area Code", b"AreaCode", 1)
            return self._send(200, body)

    return Handler


class QuietServer(ThreadingHTTPServer):
    """A threading server that does not print the errors of clients that gave up."""

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up (the slow-reply test) is expected


def run(fake: FakeFingertips, data_dir: Path, refresh_dir: Path, *series: Series,
        progress: Callable[[float, str], None] | None = None) -> refresh.Outcome:
    """A whole refresh from ``fake`` (default: :data:`LE`) into ``refresh_dir``."""
    return refresh.refresh(base_url=fake.url, refresh_dir=refresh_dir, data_dir=data_dir, http=FAST,
                           series=series or (LE,), area_types=TYPES, progress=progress)


def hashes(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` and its SHA-256 (empty when there is no folder)."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def recorded_reply(name: str) -> pd.DataFrame:
    """A recorded reply, every field as text."""
    return pd.read_csv(FIXTURES / name, dtype=str, keep_default_na=False)
