"""``python -m geo <command>``: the data build and every analysis the app offers.

Each command prints one line on error and exits non-zero; it never shows a traceback.
Commands:

build
    Raw public files -> ``data/`` (the same as ``python -m geo.ingest``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from geo.errors import AtlasError

Command = Callable[[argparse.Namespace], int]


def _parser() -> argparse.ArgumentParser:
    from geo.ingest.__main__ import add_arguments, build

    parser = argparse.ArgumentParser(prog="python -m geo", description="Health Gap Atlas: data build and analyses.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    p = sub.add_parser("build", help="build data/ from the raw public files", description="Build data/ from the raw public files.")
    add_arguments(p)
    p.set_defaults(run=build)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run one command; returns the exit status."""
    args = _parser().parse_args(argv)
    run: Command = args.run
    try:
        return run(args)
    except AtlasError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
