"""``python -m geo <command>``: the data build and every analysis the app offers.

Each command prints one line on error and exits non-zero; it never shows a traceback.
Run ``python -m geo --help`` for the list; ``python -m geo COMMAND --help`` for one.

Commands are contributed by the modules in :data:`COMMAND_MODULES`: each defines
``add_command(subparsers)``, which adds its sub-parser and sets ``run`` (a function
of the parsed arguments returning the exit status) with ``set_defaults(run=...)``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable

from geo.errors import AtlasError

Command = Callable[[argparse.Namespace], int]

#: Modules that add a command, in the order ``--help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "geo.ingest.__main__",
    "geo.target",
    "documents.pack",
    "geo.uploads",
    "geo.spearhead",
    "geo.gap",
    "geo.lag",
    "geo.gradient",
    "geo.refresh",
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m geo", description="Health Gap Atlas: data build and analyses.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_command(sub)
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
