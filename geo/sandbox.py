"""A user's file read in a worker process with a memory and a time limit, so no file can starve the server.

:func:`check` (the map page: a workbook's sheets and the validated file, or the list of postcodes
(:mod:`geo.postcode_uploads`) a file of people or events is, from one parse) and
:func:`validate` (``python -m geo check``) run :func:`geo.uploads.validate` in a worker
process, and :func:`run` runs any importable function that way. Workers are forked from
``multiprocessing``'s fork server, which has :mod:`geo.uploads` imported already: a worker
starts in a fraction of a second and shares no memory or threads with the server.

In the worker, ``RLIMIT_DATA`` holds its memory to :data:`MEMORY` above what it started with,
and ``RLIMIT_CPU`` stops it should the caller be gone; the caller waits at most
:data:`SECONDS` for the answer, then terminates it. Either limit is one
:class:`~geo.errors.UploadLimitError` line, and the server, and every other session, carry
on. At most :data:`WORKERS` files are read at once; others wait for a turn.
"""

from __future__ import annotations

import math
import multiprocessing
import resource
import signal
import threading
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

from geo import postcode_uploads, uploads
from geo._paths import DATA_DIR
from geo.errors import UploadError, UploadLimitError
from geo.postcode_uploads import PostcodeList
from geo.shared import SessionOwned
from geo.uploads import Upload

__all__ = ["MEMORY", "SECONDS", "WORKERS", "Checked", "check", "run", "validate"]

#: The longest a worker may take to read one file, in seconds of wall-clock time.
SECONDS = 5.0
#: The most memory a worker may take on above what it started with, in bytes.
MEMORY = 300 * 1024 * 1024
#: The most files read at once (the others wait for a turn).
WORKERS = 2
#: How long a file may wait for a turn, and a worker for its start (the fork server's first start imports pandas).
_WAIT = 60.0
_FIX = "save only the table you want to map as CSV and upload that"

_turns = threading.BoundedSemaphore(WORKERS)
R = TypeVar("R")


@dataclass(frozen=True, eq=False)
class Checked(SessionOwned):
    """One parse of an upload: the workbook's sheets (empty for CSV), the sheet read, and the file or why not.

    ``upload`` is the file as a table of areas; ``postcodes`` the file as a list of postcodes
    (one row per person, household or event), to be counted in the app's process
    (:meth:`~geo.postcode_uploads.PostcodeList.tally`); when neither, ``error`` says why the
    file cannot be used.
    """

    sheets: tuple[str, ...]
    sheet: str | None
    upload: Upload | None
    error: str = ""
    postcodes: PostcodeList | None = None


def check(
    data: bytes,
    *,
    file_name: str,
    sheet: str | None = None,
    accept: Mapping[str, str] | None = None,
    data_dir: Path = DATA_DIR,
    seconds: float = SECONDS,
    memory: int = MEMORY,
) -> Checked:
    """A workbook's sheets and the validated file, from one parse in a worker; never raises for the file's sake.

    ``sheet`` is the one the person chose; when it is not one of the workbook's (or none was chosen
    yet), the first sheet is read, as the page's sheet picker shows it first.
    """
    try:
        return run(_check, data, file_name=file_name, sheet=sheet, accept=dict(accept or {}), data_dir=data_dir,
                   seconds=seconds, memory=memory)
    except UploadError as exc:
        return Checked((), None, None, str(exc))


def validate(
    data: bytes,
    *,
    file_name: str,
    sheet: str | None = None,
    accept: Mapping[str, str] | None = None,
    data_dir: Path = DATA_DIR,
    seconds: float = SECONDS,
    memory: int = MEMORY,
) -> Upload:
    """:func:`geo.uploads.validate` in a worker; raises :class:`~geo.errors.UploadError` as it does, or past a limit."""
    return run(_validate, data, file_name=file_name, sheet=sheet, accept=dict(accept or {}), data_dir=data_dir,
               seconds=seconds, memory=memory)


def run(function: Callable[..., R], /, *args: Any, seconds: float = SECONDS, memory: int = MEMORY, **kwargs: Any) -> R:
    """``function(*args, **kwargs)`` in a worker process; its exceptions are raised here.

    ``function`` and its arguments and result must pickle (a module-level function, dataclasses, frames).

    Raises
    ------
    UploadLimitError
        When the worker takes longer than ``seconds`` or more than ``memory`` bytes; it is stopped.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["geo.uploads", "geo.postcode_uploads"])
    if not _turns.acquire(timeout=_WAIT):
        raise UploadLimitError(f"The server is reading {WORKERS} other files and none finished within {_WAIT:.0f} s; "
                               "try again in a minute.")
    try:
        receive, send = context.Pipe(duplex=False)
        worker = context.Process(target=_work, args=(send, function, args, kwargs, seconds, memory), daemon=True,
                                 name="upload-reader")
        try:
            worker.start()
            send.close()
            return _answer(receive, worker, seconds, memory)
        finally:
            receive.close()
            if worker.is_alive():
                worker.terminate()
                worker.join(1)
            if worker.is_alive():
                worker.kill()
            worker.join()
    finally:
        _turns.release()


def _answer(receive: Connection, worker: Any, seconds: float, memory: int) -> Any:
    """The worker's result, once it has started and within ``seconds`` of its start."""
    try:
        if not receive.poll(_WAIT):
            raise UploadError(f"The file reader did not start within {_WAIT:.0f} s; try again in a minute.")
        status, payload = receive.recv()
        if status == "ready":  # its limits are set, and from here the clock runs
            if not receive.poll(seconds):
                raise UploadLimitError(f"The file took more than {seconds:g} s to read, the limit for one upload; {_FIX}.")
            status, payload = receive.recv()
    except EOFError:  # the worker stopped without an answer: a limit enforced by the kernel, or a crash
        worker.join(1)
        if worker.exitcode == -signal.SIGXCPU:
            raise UploadLimitError(f"The file took more than {seconds:g} s to read, the limit for one upload; {_FIX}.") from None
        raise UploadLimitError(f"The file could not be read within the {memory / 2**20:,.0f} MB of memory one upload may use "
                               f"(the reader stopped, exit code {worker.exitcode}); {_FIX}.") from None
    if status == "error":
        raise payload
    return payload


def _work(send: Connection, function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
          seconds: float, memory: int) -> None:
    """In the worker: set the limits, say so, run ``function`` and send back ``("ok", result)`` or ``("error", exception)``."""
    try:
        _limit(seconds=seconds, memory=memory)
        send.send(("ready", None))
        answer: tuple[str, Any] = ("ok", function(*args, **kwargs))
    except MemoryError:
        answer = ("error", _memory_error(memory))
    except Exception as exc:
        answer = ("error", exc)
    try:
        send.send(answer)
    except MemoryError:
        send.send(("error", _memory_error(memory)))
    except Exception as exc:  # a result or exception that does not pickle
        send.send(("error", UploadError(f"The file's reader could not return its answer ({type(exc).__name__}); {_FIX}.")))
    finally:
        send.close()


def _memory_error(memory: int) -> UploadLimitError:
    return UploadLimitError(f"The file needed more than the {memory / 2**20:,.0f} MB of memory one upload may use to read; {_FIX}.")


def _limit(*, seconds: float, memory: int) -> None:
    """This process's limits: its data ``memory`` above its size now, CPU time a little past ``seconds``.

    The memory limit is on private writable memory (``RLIMIT_DATA``: heap, anonymous maps), which is
    what resident memory grows by. The address space (``RLIMIT_AS``) would count the 64 MB malloc arenas
    that each of pyarrow's threads reserves and never touches: 800 MB more for a 1 MB file.
    """
    cpu = math.ceil(seconds) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    size = _size("VmData")
    if size:
        resource.setrlimit(resource.RLIMIT_DATA, (size + memory, size + memory))


def _size(field: str) -> int:
    """A size from ``/proc/self/status`` in bytes (0 where it does not say)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _check(data: bytes, *, file_name: str, sheet: str | None, accept: dict[str, str], data_dir: Path) -> Checked:
    """In the worker: the sheets, then the chosen (or first) sheet validated; the file's problems are an answer."""
    try:
        sheets = uploads.sheet_names(data, file_name=file_name)
    except UploadError as exc:
        return Checked((), None, None, str(exc))
    if sheet not in sheets:
        sheet = sheets[0] if len(sheets) > 1 else None
    try:
        upload = _validate(data, file_name=file_name, sheet=sheet, accept=accept, data_dir=data_dir)
    except UploadError as exc:  # no areas: perhaps a list of postcodes (longer than a table of areas may be)
        listed, problem = _postcodes(data, file_name=file_name, sheet=sheet)
        return Checked(sheets, sheet, None, problem or ("" if listed else str(exc)), postcodes=listed)
    if upload.code_column is None:  # areas matched by name: a list of people, some named like a place, with postcodes?
        listed, _ = _postcodes(data, file_name=file_name, sheet=sheet)
        if listed is not None:
            return Checked(sheets, sheet, None, postcodes=listed)
    return Checked(sheets, sheet, upload)


def _postcodes(data: bytes, *, file_name: str, sheet: str | None) -> tuple[PostcodeList | None, str]:
    """In the worker: the file as a list of postcodes, or ``None``; and a limit it passed ("" if none)."""
    try:
        return postcode_uploads.read(data, file_name=file_name, sheet=sheet), ""
    except UploadLimitError as exc:
        return None, str(exc)
    except UploadError:
        return None, ""
    except Exception as exc:
        traceback.print_exc()
        return None, (f"The file could not be read within the memory and time one upload may use "
                      f"({type(exc).__name__}); {_FIX}.")


def _validate(data: bytes, *, file_name: str, sheet: str | None, accept: dict[str, str], data_dir: Path) -> Upload:
    """In the worker: :func:`geo.uploads.validate`, whose only other failures here are the limits' (a thread that
    pyarrow could not start within the memory left, say): those are the file's too, in one line (and logged)."""
    try:
        return uploads.validate(data, file_name=file_name, sheet=sheet, accept=accept, data_dir=data_dir)
    except UploadError:
        raise
    except Exception as exc:
        traceback.print_exc()
        raise UploadLimitError(f"The file could not be read within the memory and time one upload may use ({type(exc).__name__}); "
                               f"{_FIX}.") from None
