"""The map page's downloads for analysts: the map as a GeoPackage, an Excel workbook and a Fingertips-shaped CSV.

A row of three buttons under the map's own downloads. Each file is made only when its
button is pressed (a callable), from what the page has drawn (:class:`ui.cache.Drawn`),
by :mod:`documents.geopackage`, :mod:`documents.excel` and :mod:`documents.fingertips`;
drilled into an area, the GeoPackage holds its small areas too, as a second layer.
Widgets only: the files are made in ``documents``.
"""

from __future__ import annotations

from functools import partial
from typing import Final

import streamlit as st

from documents.excel import workbook
from documents.figures import MapFigures, small_area_figures
from documents.fingertips import fingertips_csv
from documents.geopackage import geopackage
from geo.catalogue import Indicator
from geo.view import View
from ui import upload
from ui.cache import Drawn, boundaries_for
from ui.panel import SmallAreas, attribution, latest

__all__ = ["GPKG_MIME", "XLSX_MIME", "export_buttons", "map_figures"]

GPKG_MIME: Final = "application/geopackage+sqlite3"
XLSX_MIME: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def map_figures(view: View, indicator: Indicator, drawn: Drawn) -> MapFigures:
    """What the map draws for ``view``, for the export files (nothing is computed until a file is made)."""
    return MapFigures(view=view, indicator=indicator, joined=drawn.joined, classification=drawn.classification,
                      categories=drawn.categories, scheme=drawn.scheme, legend=drawn.legend,
                      england_row=upload.england_row(view.indicator_id, period=view.period, sex=view.sex),
                      attribution=_with_own(attribution(), indicator))


def _with_own(base: str, indicator: Indicator) -> str:
    """The data's attribution, and an upload's own (the OS, Royal Mail and ONS lines of a layer counted by postcode)."""
    own = indicator.source.attribution if indicator.indicator_id.startswith(upload.PREFIX) else ""
    return f"{base} {own}" if own and own not in base else base


def _small_figures(view: View, small: SmallAreas, sex: str, attribution: str) -> MapFigures:
    area = boundaries_for(view.level, view.vintage)
    name = str(area.loc[area["area_code"] == view.area_code, "area_name"].iloc[0])
    return small_area_figures(small.joined, indicator=small.indicator, vintage=small.vintage, period=small.period,
                              sex=sex, area_name=name, attribution=attribution)


def _gpkg(figures: MapFigures, view: View, small: SmallAreas | None, sex: str) -> bytes:
    layers = [("areas", figures)]
    if small is not None:
        layers.append(("small_areas", _small_figures(view, small, sex, _with_own(figures.attribution, small.indicator))))
    return geopackage(layers)


def export_buttons(view: View, indicator: Indicator, drawn: Drawn, *, small: SmallAreas | None,
                   figures: MapFigures | None = None) -> None:
    """The three buttons, in one row; each file written when its button is pressed (``figures``: the page's, if made)."""
    figures = figures if figures is not None else map_figures(view, indicator, drawn)
    stem = f"{view.indicator_id}_{view.level}{view.vintage}_{view.period}_{view.sex}".replace(":", "-")
    where = f" and the small areas of {view.area_code}" if small is not None else ""
    # The sex the drill-down draws, read now: a pressed button's file is made outside this session's run, where an
    # uploaded small-area layer (this session's state) cannot be read.
    sex = latest(small.indicator.indicator_id, small.vintage)[1] if small is not None else "persons"
    cols = st.columns(3)
    cols[0].download_button(
        "GeoPackage (QGIS)", partial(_gpkg, figures, view, small, sex),
        file_name=f"{stem}{'_' + view.area_code if small is not None and view.area_code else ''}.gpkg",
        mime=GPKG_MIME,
        help=f"Every area on the map{where} in British National Grid (EPSG:27700), with values, 95% and 99.8% "
             "confidence limits, status and notes; opens in QGIS coloured and labelled as the atlas draws it.",
    )
    cols[1].download_button(
        "Workbook (Excel)", partial(workbook, figures), file_name=f"{stem}.xlsx", mime=XLSX_MIME,
        help="The map's table as a workbook laid out as government statistics are: a cover sheet (source, "
             "licence, the shorthand [c], [x] and [z]), numbered notes and one table.",
    )
    cols[2].download_button(
        "Fingertips CSV", partial(fingertips_csv, figures), file_name=f"{stem}_fingertips.csv", mime="text/csv",
        help="The map's table in OHID Fingertips' columns (IndicatorID, AreaCode, Timeperiod, Value, the 95% and "
             "99.8% limits ...), for code written for Fingertips data; read it with comment '#'.",
    )
