"""``python -m geo.ingest [--raw PATH] [--out PATH] [--only STAGE ...]``: only the entry point.

The same as ``python -m geo build`` (:func:`cli.data.add_build`); the stages are
:mod:`geo.ingest`.
"""

from __future__ import annotations

if __name__ == "__main__":
    import sys

    from cli.main import main

    raise SystemExit(main(["build", *sys.argv[1:]]))
