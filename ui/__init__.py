"""Streamlit pages: one module per page, and what the pages share.

- Pages: ``map`` (with ``national`` for every small area at once), ``spearhead`` (a package,
  one module per view), ``target``, ``pack`` and ``about``.
- ``upload``: the user's own files, kept in that user's session only.
- ``cache``: data, views, layers and panel figures shared between sessions, kept through
  :mod:`geo.shared` (keyed by the data edition; session-owned data refused).
- ``widgets``: URL state, layout, notes and the attribution line.

Pages only wire widgets, state and layout, and call ``cache``, ``widgets``, ``geo``,
``layers`` and ``documents``; ``cache`` and ``widgets`` never import a page.
"""
