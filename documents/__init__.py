"""Documents the atlas makes from its analyses: files to print, share or take to a meeting.

Not map layers: these are made on the server with no internet and handed to people
as files. May import :mod:`geo` (the analyses) and :mod:`layers` (colours, the small
static map); never imports Streamlit or :mod:`ui`.

- :mod:`documents.pack`: the one-page community-meeting pack as HTML, PDF and the map as PNG.
"""
