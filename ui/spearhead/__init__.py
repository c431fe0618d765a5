"""The Spearhead page: spotting Spearhead areas, tracking the gap, the deprivation gradient, years behind England.

Public surface: :func:`spearhead_page`, the page ``app.py`` runs. The modules:

- :mod:`ui.spearhead.page`: the frame, the method's sidebar and the user's own column.
- :mod:`ui.spearhead.state`: the view a link encodes (``SpearheadView``), read from and
  written to ``st.query_params``.
- :mod:`ui.spearhead.analyses`: the analyses every session shares (through
  :mod:`geo.shared`) and the group the gap and years-behind views follow.
- :mod:`ui.spearhead.maps`: the empty map of England each view draws on, and clicks.
- One module per view (the ``tab`` parameter): :mod:`~ui.spearhead.areas`,
  :mod:`~ui.spearhead.gap`, :mod:`~ui.spearhead.lag`, :mod:`~ui.spearhead.gradient`.

Imports run one way: ``page`` -> views -> ``analyses``, ``maps`` -> ``state``.
"""

from __future__ import annotations

from ui.spearhead.page import spearhead_page

__all__ = ["spearhead_page"]
