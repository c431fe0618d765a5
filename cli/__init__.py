"""The atlas's command line, above :mod:`geo`, :mod:`layers` and :mod:`documents`.

``python -m geo <command>`` (and ``python -m cli <command>``) runs
:func:`cli.main.main`, the one public entry: ``main(argv) -> int`` builds the parser
from every command, runs the one asked for and returns the exit status. Errors are
one line on stderr (``error: ...``) and a non-zero status, never a traceback.

The commands call the same functions the pages call and only parse, print and write:

- :mod:`cli.data`: ``build`` (raw files -> ``data/``), ``check`` (a user's file, as the
  upload does), ``refresh`` (fresh figures from Fingertips).
- :mod:`cli.analysis`: ``target``, ``spearhead``, ``gap``, ``lag``, ``gradient``.
- :mod:`cli.pack`: ``pack`` (the one-page meeting pack as PDF, HTML and PNG).
- :mod:`cli.export`: ``export`` (a map as a GeoPackage, an Excel workbook or a Fingertips-shaped CSV).

Each of those modules adds its commands with ``add_<command>(subparsers)``, which
sets ``run`` (parsed arguments -> exit status); they are for :mod:`cli.main` only.
"""
