"""Load-test a running atlas over Streamlit's own websocket protocol, on this machine only.

Usage:
    .venv/bin/python scripts/loadtest.py --url http://127.0.0.1:8501 --pid 1234
    .venv/bin/python scripts/loadtest.py --start-server            # starts one server, tests it, stops it
    .venv/bin/python scripts/loadtest.py --url http://127.0.0.1:8080 --pid-file artifacts/replicas/pids --sessions 20
    .venv/bin/python scripts/loadtest.py --url http://127.0.0.1:8501 --warm   # one session visits every view once
    .venv/bin/python scripts/loadtest.py --url http://127.0.0.1:8700 --sessions 50 --rate 0 --source-addresses 5

Each simulated person is one websocket session on ``/_stcore/stream`` speaking the
protobufs that ship inside the ``streamlit`` package, as the browser does: a
``BackMsg`` with ``rerun_script`` (the URL's query string and page), then
``ForwardMsg`` deltas until ``script_finished``. A view's latency is the time from
sending the rerun to its ``script_finished``: the server's work for that view (and
the bytes of the answer), not the browser's drawing or the static files.

Two phases:

1. burst: ``--sessions`` sessions open at the same moment, each asking for the first
   view in the list (the default map); reported as the time until the last was served.
2. steady: views from the list arrive at ``--rate`` a second for ``--duration``
   seconds, each given to an idle session (round robin; a view waits if none is idle,
   and its wait counts). Latency per view label: median, 95th percentile, maximum.

Errors: a view that ends in an uncaught exception, a compile error, "page not found",
an ``st.error`` box, a dropped connection or no answer within ``--view-timeout``.

Server CPU and memory come from ``/proc`` for the process ids given (``--pid``,
``--pid-file``, or the server ``--start-server`` started): CPU seconds used, mean CPU %,
peak resident memory of each and of all together.

Source addresses: nginx (deploy/nginx.conf) allows each client address 40 connections,
so sessions to a ``127.0.0.1`` URL connect from ``127.0.0.1``, ``127.0.0.2``, ... in turn
(all of 127.0.0.0/8 is loopback on Linux): ``--source-addresses N``, by default as many as
keep each address to ``SESSIONS_PER_ADDRESS`` (20) sessions. Seen from nginx they are
several people, as they would be.

Bounded: localhost only, at most 100 sessions, 20 views a second, 600 s of steady
load, and an overall ``--time-limit``. The report goes to stdout and, with every
sample, to ``--out`` (default artifacts/loadtest.json).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import ClientConnection, connect

REPO = Path(__file__).resolve().parent.parent
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_SESSIONS = 100
MAX_RATE = 20.0
MAX_DURATION = 600.0
#: Sessions per client address by default: half of nginx's limit_conn of 40 per address.
SESSIONS_PER_ADDRESS = 20
MAX_SOURCE_ADDRESSES = 254
SERVER_START_TIMEOUT = 90.0
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

#: Real URLs of the atlas: the default map, drilled areas, other levels and every page.
#: The label's first word groups views in the report ("drill" is the drilled view).
VIEWS: tuple[tuple[str, str], ...] = (
    ("default", "/"),
    ("drill Liverpool", "/?area=E08000012"),
    ("drill Birmingham", "/?area=E08000025"),
    ("drill Cornwall", "/?area=E06000052"),
    ("drill Leeds", "/?area=E08000035"),
    ("drill Manchester", "/?area=E08000003"),
    ("level utla", "/?level=utla"),
    ("level region", "/?level=region"),
    ("level lsoa", "/?level=lsoa&vintage=2021"),
    ("indicator hle", "/?indicator=hle_birth"),
    ("page spearhead", "/spearhead"),
    ("page target", "/target"),
    ("page pack", "/pack"),
    ("page about", "/about"),
)


class LoadTestError(Exception):
    """Bad arguments or a server that cannot be reached: one line, non-zero exit."""


# ---------------------------------------------------------------- one session
@dataclass(frozen=True)
class Result:
    """One view asked for by one session."""

    label: str
    url: str
    session: int
    phase: str
    latency: float
    #: Seconds it waited for an idle session before being sent (steady phase).
    waited: float
    error: str
    bytes_received: int


class Session:
    """One browser tab: a websocket on ``/_stcore/stream`` that asks for views one at a time."""

    def __init__(self, base: str, number: int, *, view_timeout: float, source: str | None = None) -> None:
        parts = urlsplit(base)
        scheme = "wss" if parts.scheme == "https" else "ws"
        self.ws_url = f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}/_stcore/stream"
        self.number = number
        self.view_timeout = view_timeout
        #: The local address this session connects from (``None``: the system's choice).
        self.source = source
        self.ws: ClientConnection | None = None
        self.busy = False

    async def open(self) -> None:
        local: dict[str, Any] = {"local_addr": (self.source, 0)} if self.source else {}
        # proxy=None: straight to this machine, whatever HTTP(S)_PROXY says.
        self.ws = await connect(self.ws_url, subprotocols=["streamlit"], max_size=None,  # type: ignore[list-item]
                                open_timeout=self.view_timeout, ping_interval=None, proxy=None, **local)

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()

    async def view(self, label: str, url: str, *, phase: str, waited: float = 0.0) -> Result:
        """Ask for ``url`` (path = page, query = view) and wait until the script has finished."""
        self.busy = True
        start = time.perf_counter()
        error = ""
        received = 0
        try:
            if self.ws is None:
                await self.open()
            assert self.ws is not None
            await self.ws.send(rerun_message(url).SerializeToString())
            error, received = await asyncio.wait_for(_until_finished(self.ws), timeout=self.view_timeout)
        except TimeoutError:
            error = f"no answer within {self.view_timeout:.0f} s"
        except Exception as exc:  # a dropped or refused connection is a result to report, not a crash
            error = f"{type(exc).__name__}: {exc}"[:200]
        finally:
            self.busy = False
        return Result(label, url, self.number, phase, time.perf_counter() - start, waited, error, received)


def rerun_message(url: str) -> BackMsg:
    """The BackMsg a browser sends to show ``url``: its query string and its page."""
    parts = urlsplit(url)
    msg = BackMsg()
    state = msg.rerun_script
    state.query_string = parts.query
    state.page_name = parts.path.strip("/")
    state.widget_states.SetInParent()
    state.context_info.timezone = "Europe/London"
    state.context_info.locale = "en-GB"
    state.context_info.url = url
    return msg


async def _until_finished(ws: ClientConnection) -> tuple[str, int]:
    """Read ForwardMsgs until the script has run to the end; returns (error, bytes received)."""
    error = ""
    received = 0
    async for frame in ws:
        data = frame if isinstance(frame, bytes) else frame.encode()
        received += len(data)
        msg = ForwardMsg()
        msg.ParseFromString(data)
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            which = element.WhichOneof("type")
            if which == "exception" and not error:
                error = f"exception: {element.exception.type} {element.exception.message}"[:200]
            elif which == "alert" and element.alert.format == Alert.ERROR and not error:
                error = f"st.error: {element.alert.body}"[:200]
        elif kind == "page_not_found":
            error = error or f"page not found: {msg.page_not_found.page_name}"
        elif kind == "script_finished":
            status = msg.script_finished
            if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                return error or "compile error", received
            if status in (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
                return error, received
            error = ""  # FINISHED_EARLY_FOR_RERUN: st.rerun(); the next run is the answer
    return error or "connection closed before the script finished", received


# ---------------------------------------------------------------- server process
@dataclass
class ProcessSample:
    t: float
    cpu_seconds: float
    rss_mb: float


@dataclass
class Monitor:
    """Samples CPU time and resident memory of the server processes from /proc."""

    pids: Sequence[int]
    interval: float = 0.25
    samples: dict[int, list[ProcessSample]] = field(default_factory=dict)

    def sample(self) -> None:
        now = time.perf_counter()
        for pid in self.pids:
            got = read_process(pid)
            if got is not None:
                self.samples.setdefault(pid, []).append(ProcessSample(now, *got))

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.sample()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.interval)
        self.sample()

    def summary(self) -> dict[str, Any]:
        per: dict[str, Any] = {}
        total_peak = 0.0
        total_cpu = 0.0
        wall = 0.0
        together: dict[float, float] = {}
        for pid, rows in self.samples.items():
            if len(rows) < 2:
                continue
            cpu = rows[-1].cpu_seconds - rows[0].cpu_seconds
            span = rows[-1].t - rows[0].t
            wall = max(wall, span)
            per[str(pid)] = {"cpu_seconds": round(cpu, 2), "cpu_percent": round(100 * cpu / span, 1) if span else 0.0,
                             "rss_start_mb": round(rows[0].rss_mb, 1), "rss_peak_mb": round(max(r.rss_mb for r in rows), 1),
                             "rss_end_mb": round(rows[-1].rss_mb, 1)}
            total_cpu += cpu
            total_peak += max(r.rss_mb for r in rows)
            for r in rows:  # one sample() reads every process at the same instant
                together[r.t] = together.get(r.t, 0.0) + r.rss_mb
        return {"processes": per, "cpu_seconds": round(total_cpu, 2),
                "cpu_percent": round(100 * total_cpu / wall, 1) if wall else 0.0,
                "rss_peak_mb_sum_of_peaks": round(total_peak, 1),
                "rss_peak_mb_together": round(max(together.values(), default=0.0), 1)}


def read_process(pid: int) -> tuple[float, float] | None:
    """(CPU seconds, resident MB) of ``pid`` and its children, or ``None`` if it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        rss_pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    # utime, stime, cutime, cstime are fields 14-17 of stat (1-based); fields[0] here is field 3.
    ticks = sum(int(v) for v in fields[11:15])
    return ticks / CLK_TCK, rss_pages * PAGE_SIZE / 1e6


@contextlib.contextmanager
def started_server(port: int, *, log: Path) -> Iterator[tuple[str, int]]:
    """One Streamlit process on 127.0.0.1:``port`` (file watcher off); stopped on exit."""
    cmd = [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
           "--browser.gatherUsageStats", "false"]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, timeout=SERVER_START_TIMEOUT, proc=proc)
            yield url, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


def wait_healthy(url: str, *, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise LoadTestError(f"the server exited with status {proc.returncode} before it was healthy; see its log")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise LoadTestError(f"expected {url}/_stcore/health to answer 200 within {timeout:.0f} s; it did not. Is the server running?")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---------------------------------------------------------------- phases
async def burst(base: str, sessions: list[Session], label: str, url: str) -> list[Result]:
    """Every session opens and asks for ``url`` at the same moment."""
    async def one(s: Session) -> Result:
        return await s.view(label, url, phase="burst")
    return list(await asyncio.gather(*(one(s) for s in sessions)))


async def steady(sessions: list[Session], views: Sequence[tuple[str, str]], *, rate: float, duration: float) -> list[Result]:
    """Views arrive every 1/``rate`` s for ``duration`` s, each on an idle session (it waits if none is)."""
    tasks: list[asyncio.Task[Result]] = []
    start = time.perf_counter()
    n = int(duration * rate)
    turns = itertools.count()
    for i in range(n):
        due = start + i / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        label, url = views[i % len(views)]
        while True:
            idle = [s for s in sessions if not s.busy]
            if idle:
                break
            await asyncio.sleep(0.005)
        session = idle[next(turns) % len(idle)]
        session.busy = True  # claimed now, before the task starts
        tasks.append(asyncio.create_task(session.view(label, url, phase="steady", waited=time.perf_counter() - due)))
    return list(await asyncio.gather(*tasks))


# ---------------------------------------------------------------- report
def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile by linear interpolation between closest ranks (as numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def summarise(results: Sequence[Result]) -> dict[str, Any]:
    """Per view label and per group (first word of the label): count, errors, median, p95 and max seconds."""
    groups: dict[str, list[Result]] = {}
    for r in results:
        groups.setdefault(r.label, []).append(r)
        groups.setdefault(f"all {r.label.split()[0]}", []).append(r)
    out = {}
    for name, rows in sorted(groups.items()):
        total = [r.latency + r.waited for r in rows]
        out[name] = {"views": len(rows), "errors": sum(1 for r in rows if r.error),
                     "median_s": round(statistics.median(total), 3), "p95_s": round(percentile(total, 95), 3),
                     "max_s": round(max(total), 3), "mean_kb": round(statistics.mean(r.bytes_received for r in rows) / 1e3, 1)}
    return out


def print_report(report: dict[str, Any]) -> None:
    b = report["burst"]
    n = len(report.get("source_addresses") or [None])
    print(f"burst: {b['sessions']} sessions opened at once from {n} address{'es' if n > 1 else ''}; "
          f"last served after {b['all_served_s']:.2f} s; median {b['median_s']:.2f} s; errors {b['errors']}")
    if report["steady"]:
        s = report["steady"]
        print(f"steady: {s['rate']} views/s for {s['duration']} s ({s['views']} views), errors {s['errors']}")
        print(f"  {'view':<22}{'n':>5}{'err':>5}{'median s':>10}{'p95 s':>8}{'max s':>8}{'kB':>9}")
        for name, row in s["by_view"].items():
            print(f"  {name:<22}{row['views']:>5}{row['errors']:>5}{row['median_s']:>10.3f}{row['p95_s']:>8.3f}"
                  f"{row['max_s']:>8.3f}{row['mean_kb']:>9.1f}")
    srv = report["server"]
    if srv["processes"]:
        print(f"server: {srv['cpu_seconds']:.1f} CPU s ({srv['cpu_percent']:.0f}% of one core on average); "
              f"peak memory {srv['rss_peak_mb_together']:.0f} MB in all")
        for pid, row in srv["processes"].items():
            print(f"  pid {pid}: {row['cpu_seconds']:.1f} CPU s, {row['rss_start_mb']:.0f} -> peak {row['rss_peak_mb']:.0f} MB")
    for e in report["errors"][:10]:
        print(f"  error: {e['label']} ({e['phase']}, session {e['session']}): {e['error']}")


async def run(args: argparse.Namespace, base: str, pids: list[int], views: list[tuple[str, str]]) -> dict[str, Any]:
    monitor = Monitor(pids)
    stop = asyncio.Event()
    watcher = asyncio.create_task(monitor.run(stop))
    sources = source_addresses(base, args.source_addresses, args.sessions)
    sessions = [Session(base, i, view_timeout=args.view_timeout, source=sources[i % len(sources)])
                for i in range(args.sessions)]
    try:
        t0 = time.perf_counter()
        first = await burst(base, sessions, *views[0])
        served = time.perf_counter() - t0
        rest: list[Result] = []
        if args.rate > 0 and args.duration > 0:
            rest = await steady(sessions, views[1:] or views, rate=args.rate, duration=args.duration)
    finally:
        await asyncio.gather(*(s.close() for s in sessions))
        stop.set()
        await watcher
    results = first + rest
    lat = [r.latency for r in first]
    return {
        "url": base, "views": views, "at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "source_addresses": [a or "default" for a in sources],
        "burst": {"sessions": len(first), "all_served_s": round(served, 3), "median_s": round(statistics.median(lat), 3),
                  "p95_s": round(percentile(lat, 95), 3), "errors": sum(1 for r in first if r.error)},
        "steady": {"rate": args.rate, "duration": args.duration, "views": len(rest),
                   "errors": sum(1 for r in rest if r.error), "by_view": summarise(rest)} if rest else {},
        "server": monitor.summary(),
        "errors": [asdict(r) for r in results if r.error],
        "results": [asdict(r) for r in results],
    }


async def warm(base: str, views: Sequence[tuple[str, str]], *, view_timeout: float) -> list[Result]:
    """One session visits every view once, in order: fills the server's shared caches."""
    session = Session(base, 0, view_timeout=view_timeout)
    try:
        return [await session.view(label, url, phase="warm") for label, url in views]
    finally:
        await session.close()


# ---------------------------------------------------------------- command line
def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", help="the atlas, e.g. http://127.0.0.1:8501 (localhost only)")
    p.add_argument("--start-server", action="store_true", help="start one server on a free port, test it, stop it")
    p.add_argument("--pid", type=int, action="append", default=[], help="a server process to watch (repeatable)")
    p.add_argument("--pid-file", type=Path, help="a file of server process ids, one a line (scripts/serve_replicas.sh writes one)")
    p.add_argument("--sessions", type=int, default=20, help="sessions opened at once (default 20, at most 100)")
    p.add_argument("--rate", type=float, default=2.0, help="steady views a second (default 2; 0 skips the steady phase)")
    p.add_argument("--duration", type=float, default=60.0, help="seconds of steady load (default 60)")
    p.add_argument("--view", action="append", default=[], metavar="LABEL=URL",
                   help="views to ask for instead of the built-in list; the first is the burst's")
    p.add_argument("--view-timeout", type=float, default=60.0, help="seconds before a view counts as failed")
    p.add_argument("--source-addresses", type=int, default=0, metavar="N",
                   help="connect from 127.0.0.1 .. 127.0.0.N in turn (a 127.0.0.1 URL only); default: one address "
                        f"per {SESSIONS_PER_ADDRESS} sessions, as nginx limits connections per address")
    p.add_argument("--time-limit", type=float, default=300.0, help="stop everything after this many seconds")
    p.add_argument("--warm", action="store_true", help="only fill the caches: one session visits every view once")
    p.add_argument("--out", type=Path, default=REPO / "artifacts" / "loadtest.json", help="where the full report goes")
    args = p.parse_args(argv)
    if not args.url and not args.start_server:
        p.error("give --url of a running atlas, or --start-server")
    if not 1 <= args.sessions <= MAX_SESSIONS:
        p.error(f"--sessions must be 1 to {MAX_SESSIONS}; got {args.sessions}")
    if not 0 <= args.rate <= MAX_RATE or not 0 <= args.duration <= MAX_DURATION:
        p.error(f"--rate must be 0 to {MAX_RATE:g} and --duration 0 to {MAX_DURATION:g} s")
    if args.time_limit <= 0 or args.view_timeout <= 0:
        p.error("--time-limit and --view-timeout must be positive")
    if not 0 <= args.source_addresses <= MAX_SOURCE_ADDRESSES:
        p.error(f"--source-addresses must be 1 to {MAX_SOURCE_ADDRESSES} (0: one per {SESSIONS_PER_ADDRESS} sessions); "
                f"got {args.source_addresses}")
    if args.url:
        host = urlsplit(args.url).hostname
        if host not in LOCAL_HOSTS or urlsplit(args.url).scheme not in ("http", "https"):
            p.error(f"expected an http URL on this machine (127.0.0.1 or localhost); got {args.url!r}")
        if args.source_addresses > 1 and host != "127.0.0.1":
            p.error(f"--source-addresses above 1 needs a http://127.0.0.1 URL (127.0.0.x connect to it); got {args.url!r}")
    return args


def source_addresses(base: str, wanted: int, sessions: int) -> list[str | None]:
    """The local addresses sessions connect from, in turn: 127.0.0.1 .. 127.0.0.N, or the system's choice.

    ``wanted`` 0 means one address per SESSIONS_PER_ADDRESS sessions. Only a ``127.0.0.1``
    URL is reached from several (an IPv4 loopback source cannot reach ``::1``).

    >>> source_addresses("http://127.0.0.1:8700", 0, 50)
    ['127.0.0.1', '127.0.0.2', '127.0.0.3']
    >>> source_addresses("http://127.0.0.1:8700", 0, 20)
    [None]
    >>> source_addresses("http://localhost:8700", 0, 50)
    [None]
    """
    if urlsplit(base).hostname != "127.0.0.1":
        return [None]
    n = wanted or -(-sessions // SESSIONS_PER_ADDRESS)
    return [None] if n <= 1 else [f"127.0.0.{i}" for i in range(1, n + 1)]


def views_from(specs: Sequence[str]) -> list[tuple[str, str]]:
    if not specs:
        return list(VIEWS)
    out = []
    for spec in specs:
        label, sep, url = spec.partition("=")
        if not sep or not url.startswith("/"):
            raise LoadTestError(f"expected --view LABEL=/path?query, e.g. 'drill=/?area=E08000012'; got {spec!r}")
        out.append((label.strip(), url.strip()))
    return out


def pids_from(args: argparse.Namespace) -> list[int]:
    pids = list(args.pid)
    if args.pid_file:
        try:
            pids += [int(line) for line in args.pid_file.read_text().split() if line.strip()]
        except (OSError, ValueError) as exc:
            raise LoadTestError(f"expected process ids, one a line, in {args.pid_file}; {exc}") from exc
    return pids


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    try:
        views = views_from(args.view)
        with contextlib.ExitStack() as stack:
            base, pids = args.url, pids_from(args)
            if args.start_server:
                log = Path(tempfile.gettempdir()) / f"hga-loadtest-{os.getpid()}.log"
                base, pid = stack.enter_context(started_server(free_port(), log=log))
                pids.append(pid)
            base = base.rstrip("/")
            if args.warm:
                done = asyncio.run(asyncio.wait_for(warm(base, views, view_timeout=args.view_timeout), args.time_limit))
                for r in done:
                    print(f"{r.label:<22}{r.latency:7.2f} s  {r.error or 'ok'}")
                return 1 if any(r.error for r in done) else 0
            report = asyncio.run(asyncio.wait_for(run(args, base, pids, views), args.time_limit))
    except TimeoutError:
        print(f"loadtest: stopped at the --time-limit of {args.time_limit:.0f} s; raise it or lower --duration", file=sys.stderr)
        return 2
    except LoadTestError as exc:
        print(f"loadtest: {exc}", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print_report(report)
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
