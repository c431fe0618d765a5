"""``python -m geo <command>``: only the entry point, as ``app.py`` is for the app.

The command line lives in :mod:`cli`, above ``geo``, ``layers`` and ``documents``:
this file runs :func:`cli.main.main`, so that ``python -m geo build``, ``python -m geo
refresh`` and the rest keep working. Import ``main`` from :mod:`cli.main`, not from here.
"""

from __future__ import annotations

if __name__ == "__main__":
    from cli.main import main

    raise SystemExit(main())
