"""Documents the atlas makes from its analyses: files to print, share or take to a meeting.

Not map layers: these are made on the server with no internet and handed to people
as files. May import :mod:`geo` (the analyses) and :mod:`layers` (colours, the small
static map); never imports Streamlit or :mod:`ui`.

- :mod:`documents.pack`: the one-page community-meeting pack as HTML, PDF and the map as PNG.
- :mod:`documents.figures`: one map's figures (values, both intervals, class, comparison) for the files below.
- :mod:`documents.geopackage`: the map as a GeoPackage (EPSG:27700) with its QGIS style inside.
- :mod:`documents.excel`: the map's table as a workbook laid out as the Analysis Function's guidance asks.
- :mod:`documents.fingertips`: the map's table as a CSV in OHID Fingertips' columns.
"""
