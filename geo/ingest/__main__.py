"""``python -m geo.ingest [--raw PATH] [--out PATH] [--only STAGE ...]`` (also ``python -m geo build``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geo._paths import DATA_DIR, RAW_DIR
from geo.errors import AtlasError
from geo.ingest._common import BuildContext
from geo.ingest._registry import STAGES, run


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the build's options to ``parser`` (shared by ``python -m geo build``)."""
    parser.add_argument("--raw", type=Path, default=RAW_DIR, help="raw public files (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="output folder (default: %(default)s)")
    parser.add_argument(
        "--only", nargs="*", default=[], metavar="STAGE",
        help="run only these stages: " + ", ".join(s.name for s in STAGES),
    )


def build(args: argparse.Namespace) -> int:
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


def add_command(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``python -m geo build``."""
    p = sub.add_parser("build", help="build data/ from the raw public files", description="Build data/ from the raw public files.")
    add_arguments(p)
    p.set_defaults(run=build)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geo.ingest", description="Build data/ from the raw public files.")
    add_arguments(parser)
    return build(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
