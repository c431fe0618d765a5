"""Command line: ``python -m geo.build [--raw PATH] [--out PATH] [--only STAGE ...]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geo._paths import DATA_DIR, RAW_DIR
from geo.build._common import BuildContext
from geo.build._registry import STAGES, run
from geo.errors import AtlasError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geo.build", description=__doc__)
    parser.add_argument("--raw", type=Path, default=RAW_DIR, help="raw public files (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="output folder (default: %(default)s)")
    parser.add_argument(
        "--only", nargs="*", default=[], metavar="STAGE",
        help="run only these stages: " + ", ".join(s.name for s in STAGES),
    )
    args = parser.parse_args(argv)
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


if __name__ == "__main__":
    raise SystemExit(main())
