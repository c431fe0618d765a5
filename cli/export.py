"""The ``export`` command: the map of one indicator as a GeoPackage, an Excel workbook or a Fingertips-shaped CSV.

The files are :mod:`documents.geopackage`, :mod:`documents.excel` and
:mod:`documents.fingertips`, made from :func:`documents.figures.build` (the same classes,
colours and comparison as the map page's; ``--method england_998`` compares with England at
99.8%, and where it cannot be drawn the files are classed by quintiles and a ``note:`` line on
standard error says why). With ``--area`` the GeoPackage also holds the area's small areas, as
the map's drill-down draws them.

Every mistake in the arguments is one line and exit status 2 (:class:`geo.errors.AtlasError`).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Final

from documents.excel import workbook
from documents.figures import MapFigures, build, small_areas
from documents.fingertips import fingertips_csv
from documents.geopackage import geopackage
from geo.errors import UploadError
from geo.view import MAP_LEVELS, METHODS, View

if TYPE_CHECKING:
    from cli._types import SubParsers

__all__ = ["FORMATS", "add_export"]

#: Each format and the file name ending it is written under.
FORMATS: Final[dict[str, str]] = {"gpkg": ".gpkg", "xlsx": ".xlsx", "fingertips-csv": ".csv"}


def add_export(sub: SubParsers) -> None:
    """``python -m geo export --level lad --vintage 2023 --indicator le_birth --period 2023-25 --sex female ...``."""
    p = sub.add_parser(
        "export", help="write a map's areas as a GeoPackage, an Excel workbook or a Fingertips-shaped CSV",
        description="Write the map of one indicator, period and sex as a GeoPackage (EPSG:27700, with its QGIS "
                    "style), an Excel workbook (cover, notes, table) or a CSV in Fingertips' columns.")
    p.add_argument("--level", default=None, help=f"geography: {', '.join(MAP_LEVELS)}")
    p.add_argument("--vintage", default=None, help="boundary set (code set), e.g. 2023")
    p.add_argument("--indicator", default=None, help="indicator id, e.g. le_birth")
    p.add_argument("--period", default=None, help="period, e.g. 2023-25")
    p.add_argument("--sex", default=None, help="female, male or persons")
    p.add_argument("--format", dest="fmt", default=None, help=f"{' | '.join(FORMATS)}")
    p.add_argument("--method", default="quantiles", help=f"classes: {', '.join(METHODS)} (default: %(default)s)")
    p.add_argument("--area", default=None, help="with --format gpkg: add this area's small areas as a second layer")
    p.add_argument("--out", default=None, help="the file to write (.gpkg, .xlsx or .csv, as the format)")
    p.set_defaults(run=_run)


def _checked(args: argparse.Namespace) -> tuple[View, str, Path]:
    """The view, format and output path asked for; an :class:`UploadError` naming the first thing missing or wrong."""
    for flag in ("level", "vintage", "indicator", "period", "sex", "fmt", "out"):
        if getattr(args, flag) in (None, ""):
            name = "format" if flag == "fmt" else flag
            raise UploadError(f"export needs --{name}; e.g. python -m geo export --level lad --vintage 2023 "
                              "--indicator le_birth --period 2023-25 --sex female --format gpkg --out map.gpkg")
    if args.fmt not in FORMATS:
        raise UploadError(f"--format should be one of {', '.join(FORMATS)}; got {args.fmt!r}.")
    if args.level not in MAP_LEVELS:
        raise UploadError(f"--level should be one of {', '.join(MAP_LEVELS)}; got {args.level!r}.")
    if args.sex not in ("female", "male", "persons"):
        raise UploadError(f"--sex should be female, male or persons; got {args.sex!r}.")
    if args.method not in METHODS:
        raise UploadError(f"--method should be one of {', '.join(METHODS)}; got {args.method!r}.")
    if args.area and args.fmt != "gpkg":
        raise UploadError(f"--area adds small areas to a GeoPackage only; drop it, or use --format gpkg (got "
                          f"--format {args.fmt}).")
    out = Path(args.out)
    if out.suffix.lower() != FORMATS[args.fmt]:
        raise UploadError(f"--out {out} should end in {FORMATS[args.fmt]} for --format {args.fmt}; got "
                          f"{out.suffix or 'no extension'}.")
    view = View(args.level, args.vintage, args.indicator, args.period, args.sex, method=args.method)
    return view, args.fmt, out


def _run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    view, fmt, out = _checked(args)
    figures = build(view)
    if figures.drawn_note:  # e.g. no 99.8% interval for any area: the file is classed by quintiles, and says so here
        print(f"note: {figures.drawn_note}", file=sys.stderr)
    layers: list[tuple[str, MapFigures]] = [("areas", figures)]
    if args.area:
        layers.append(("small_areas", small_areas(args.area, level=view.level, vintage=view.vintage)))
    if fmt == "gpkg":
        out.write_bytes(geopackage(layers))
    elif fmt == "xlsx":
        out.write_bytes(workbook(figures))
    else:
        out.write_text(fingertips_csv(figures), encoding="utf-8")
    held = int((figures.joined["status"] == "ok").sum())
    print(f"{figures.title}: {len(figures.joined)} areas, {held} with a value; wrote {out}")
    if len(layers) > 1:
        print(f"{layers[1][1].title}: {len(layers[1][1].joined)} small areas")
    print(f"Made in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0
