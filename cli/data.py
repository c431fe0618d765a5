"""The data commands: ``build`` (raw files -> ``data/``), ``check`` (a user's file) and ``refresh`` (Fingertips).

``python -m geo build`` runs the stages of :mod:`geo.ingest`; ``python -m geo check``
validates a file with :func:`geo.uploads.validate`, exactly as the map page's upload
does; ``python -m geo refresh`` runs :func:`geo.refresh.refresh` (or
:func:`geo.refresh.revert`) and prints what it did.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from geo import _paths, refresh, sandbox, uploads
from geo.errors import AtlasError, UploadError
from geo.fingertips import DEFAULT_BASE_URL, SERIES
from geo.ingest import STAGES, BuildContext, run

if TYPE_CHECKING:
    from cli._types import SubParsers

__all__ = ["add_build", "add_check", "add_refresh"]

_MB = 1024 * 1024


# --- build ------------------------------------------------------------------------------------------


def add_build(sub: SubParsers) -> None:
    """``python -m geo build [--raw PATH] [--out PATH] [--only STAGE ...]``."""
    p = sub.add_parser("build", help="build data/ from the raw public files", description="Build data/ from the raw public files.")
    p.add_argument("--raw", type=Path, default=_paths.RAW_DIR, help="raw public files (default: %(default)s)")
    p.add_argument("--out", type=Path, default=_paths.DATA_DIR, help="output folder (default: %(default)s)")
    p.add_argument(
        "--only", nargs="*", default=[], metavar="STAGE",
        help="run only these stages: " + ", ".join(s.name for s in STAGES),
    )
    p.set_defaults(run=_build)


def _build(args: argparse.Namespace) -> int:
    """Run the build for parsed arguments; one-line errors, exit status 2."""
    if not args.raw.is_dir():
        print(
            f"error: raw folder {args.raw} does not exist; pass --raw PATH to the shared raw data.",
            file=sys.stderr,
        )
        return 2
    ctx = BuildContext(raw_dir=args.raw, out_dir=args.out)
    try:
        run(ctx, only=args.only)
    except AtlasError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


# --- check ------------------------------------------------------------------------------------------


def add_check(sub: SubParsers) -> None:
    """``python -m geo check FILE [--sheet NAME]``."""
    p = sub.add_parser(
        "check", help="validate your own CSV or .xlsx file as the map's upload does",
        description="Validate a CSV or Excel file exactly as the map page's upload does and print the report. "
        "Exit status 0 when the file can be mapped, 2 when it cannot.",
    )
    p.add_argument("file", metavar="FILE", help="a CSV or .xlsx file with an area-code (or name) column and value columns")
    p.add_argument("--sheet", metavar="NAME", default=None, help="the Excel sheet to read (when there are several)")
    p.set_defaults(run=_check)


def _check(args: argparse.Namespace) -> int:
    """Print the report; 0 when the file can be mapped, 2 when not."""
    path = Path(args.file)
    try:
        if not path.is_file():
            raise UploadError(f"No file {str(path)!r}; give the path of a CSV or .xlsx file.")
        if path.stat().st_size > uploads.MAX_BYTES:
            raise UploadError(f"{path.name} is {path.stat().st_size / _MB:,.1f} MB; the limit is {uploads.MAX_BYTES // _MB} MB.")
        upload = sandbox.validate(path.read_bytes(), file_name=path.name, sheet=args.sheet)  # in a worker, with limits
    except (UploadError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(upload.report())
    if upload.mappable:
        print("Onto the atlas's other maps (counts summed, rates population-weighted where populations are held):")
        print("\n".join(f"  {line}" for line in uploads.routes(upload)))
    return 0 if upload.mappable else 2


# --- refresh ----------------------------------------------------------------------------------------


def add_refresh(sub: SubParsers) -> None:
    """``python -m geo refresh [--indicators ID ...] [--base-url URL] [--dir PATH] [--revert]``."""
    p = sub.add_parser(
        "refresh",
        help="download fresh official figures from OHID Fingertips (overlaying the bundled data)",
        description="Download the catalogue's Fingertips indicators into a folder beside the bundled data; "
        "the app shows them in place of the bundled figures. --revert goes back.",
    )
    p.add_argument("--indicators", nargs="+", metavar="ID",
                   help="atlas or Fingertips ids (default: all of " + ", ".join(s.indicator_id for s in SERIES) + ")")
    p.add_argument("--base-url", default=DEFAULT_BASE_URL, help=f"the Fingertips API (default {DEFAULT_BASE_URL})")
    p.add_argument("--dir", help="the refreshed folder: new, empty, or one a refresh made; never data/, the repository, "
                   f"/ or the home folder (default $HGA_REFRESH_DIR or {_paths.REFRESH_DIR})")
    p.add_argument("--revert", action="store_true", help="go back to the bundled figures")
    p.set_defaults(run=_refresh)


def _refresh(args: argparse.Namespace) -> int:
    refresh_dir = Path(args.dir).expanduser() if args.dir else None
    if args.revert:
        was = refresh.revert(refresh_dir=refresh_dir)
        print("back to the bundled figures" if was else "no refreshed figures were in use; the bundled figures are shown")
        return 0
    wanted = [w for item in args.indicators or () for w in item.split(",") if w]
    outcome = refresh.refresh(wanted, base_url=args.base_url, refresh_dir=refresh_dir,
                              progress=lambda f, m: print(f"[{f:4.0%}] {m}", flush=True))
    print(outcome.describe())
    return 0
