"""``main(argv) -> int``: the parser built from every command, and the one top-level handler.

Run ``python -m geo --help`` for the list; ``python -m geo COMMAND --help`` for one.
Each entry of :data:`COMMANDS` adds one sub-parser and sets ``run`` (a function of the
parsed arguments returning the exit status) with ``set_defaults(run=...)``.

Whatever goes wrong is one line on stderr, ``error: ...``, and never a traceback:

====================================  ===========
raised                                exit status
====================================  ===========
:class:`~geo.errors.AtlasError`       2
``OSError``, ``ValueError``           1
anything else (a bug: type named)     1
``KeyboardInterrupt``                 130
====================================  ===========
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from cli import analysis, data, export, pack, postcode
from cli._types import SubParsers
from geo.errors import AtlasError

__all__ = ["COMMANDS", "Command", "SubParsers", "main"]

#: What ``argparse.ArgumentParser.add_subparsers`` returns; each ``add_<command>`` takes it.
#: A command's ``run``: parsed arguments -> exit status.
Command = Callable[[argparse.Namespace], int]

#: What adds each command, in the order ``--help`` lists them.
COMMANDS: tuple[Callable[[SubParsers], None], ...] = (
    data.add_build,
    analysis.add_target,
    pack.add_pack,
    data.add_check,
    analysis.add_spearhead,
    analysis.add_gap,
    analysis.add_lag,
    analysis.add_gradient,
    data.add_refresh,
    postcode.add_postcode,
    export.add_export,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m geo", description="Health Gap Atlas: data build and analyses.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` (default: the process's arguments) and run one command; returns the exit status.

    ``--help`` and usage errors are argparse's own (exit status 0 and 2).
    """
    try:
        args = _parser().parse_args(argv)
        run: Command = args.run
        return run(args)
    except AtlasError as exc:
        return _fail(str(exc), status=2)
    except (OSError, ValueError) as exc:
        return _fail(str(exc) or type(exc).__name__, status=1)
    except KeyboardInterrupt:
        return _fail("interrupted", status=130)
    except Exception as exc:  # the one place every other failure becomes a line, not a traceback
        return _fail(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__, status=1)


def _fail(message: str, *, status: int) -> int:
    print("error: " + " ".join(message.splitlines()), file=sys.stderr)
    return status
