"""The 354 districts before April 2009: what the atlas holds on them, in figures and in words.

The districts of 2004 (old four-character codes such as 20UF, Easington) are the code
set the Department of Health's Spearhead method was first applied to. Their deprivation
summaries and populations are worked out by the build from small areas that nest in
them (:mod:`geo.ingest.summaries`); health figures reach them only where a later
district kept the same area (:func:`geo.values.values_on`). :func:`coverage` counts,
per indicator, the districts holding a value on this code set; :func:`summary_sentences`
says an old district's deprivation summaries in plain words (the meeting pack);
:data:`SPEARHEAD` is the period and code set of the 2004 reconstruction.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final

import pandas as pd

from geo import indicators
from geo._paths import DATA_DIR
from geo.catalogue import load_catalogue
from geo.errors import AtlasError
from geo.values import values_on

__all__ = ["LEVEL", "SOURCE", "SPEARHEAD", "SUMMARY_IDS", "VINTAGE", "coverage", "summary_sentences"]

LEVEL: Final = "lad"
VINTAGE: Final = "2008"
#: The 2004 reconstruction: health data of 2001-03 and the IMD 2004 on the districts of 2004.
SPEARHEAD: Final = ("2001-03", VINTAGE)
#: The share of small areas in England's most deprived 10%, by edition (2001 LSOAs to 2010, then 2011 LSOAs).
_PROP10: Final = {e: f"imd{e}_imd_la_prop_most_deprived_10pc" for e in ("2004", "2007", "2010", "2015", "2019")}
_SCORE: Final = "imd2019_imd_la_avg_score"
_EXTENT: Final = "imd2019_imd_la_extent"
#: Where :func:`summary_sentences`'s figures come from, as a page's sources list says it.
SOURCE: Final = ("Atlas calculation with MHCLG's district-summary method from the English Indices of Deprivation "
                 "small-area data: IMD 2004, 2007 and 2010 ranks (2001 LSOAs); IoD2015 and IoD2019 ranks, IoD2019 "
                 "scores and mid-2015 populations (2011 LSOAs) (Open Government Licence v3.0)")
#: The summaries the pack says for an old district, in the order it says them.
SUMMARY_IDS: Final[tuple[str, ...]] = (*_PROP10.values(), _SCORE, _EXTENT)


def _value(indicator_id: str, area_code: str, data_dir: Path) -> float | None:
    try:
        rows = indicators.load(indicator_id, level=LEVEL, vintage=VINTAGE, data_dir=data_dir)
    except AtlasError:
        return None
    mine = rows[(rows["area_code"] == area_code) & (rows["status"] == "ok")]
    return None if mine.empty else float(mine["value"].iloc[0])


def summary_sentences(area_code: str, *, data_dir: Path = DATA_DIR) -> tuple[str, ...]:
    """An old district's deprivation summaries in plain words (empty when none is held).

    Examples
    --------
    >>> summary_sentences("20UF")[0]  # doctest: +SKIP
    "Share of its small areas among England's most deprived 10%: 61.1% on the IMD 2004, ..."
    """
    shares = {e: v for e, i in _PROP10.items() if (v := _value(i, area_code, data_dir)) is not None}
    out: list[str] = []
    if shares:
        items = [f"{100 * v:.1f}% on the IMD {e}" if n == 0 else f"{100 * v:.1f}% ({e})"
                 for n, (e, v) in enumerate(shares.items())]
        listing = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
        out.append(f"Share of its small areas among England's most deprived 10%: {listing} (worked out by the atlas "
                   "from the official small-area ranks; editions are not designed to measure change).")
    score, extent = _value(_SCORE, area_code, data_dir), _value(_EXTENT, area_code, data_dir)
    if score is not None and extent is not None:
        out.append(f"IoD2019 average score {score:.3f}, and {100 * extent:.1f}% of its people live in England's most "
                   "deprived 30% of small areas (extent, weighted), worked out by the atlas with MHCLG's method.")
    return tuple(out)


def coverage(indicator_ids: Sequence[str] | None = None, *, data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Per indicator held for districts (or those of ``indicator_ids``): how many of the 354 hold a value.

    One row per indicator, period and sex: indicator_id, period, sex, areas (with a value on
    the pre-2009 code set, counting figures carried from a later district of the same area).
    """
    rows = []
    for indicator_id, ind in load_catalogue(data_dir).items():
        if LEVEL not in ind.levels or (indicator_ids is not None and indicator_id not in indicator_ids):
            continue
        combos = indicators.periods(indicator_id, level=LEVEL, data_dir=data_dir)
        for period, sex in combos[["period", "sex"]].drop_duplicates().itertuples(index=False):
            series, _ = values_on(indicator_id, period=str(period), sex=str(sex), level=LEVEL, vintage=VINTAGE,
                                  data_dir=data_dir)
            rows.append((indicator_id, str(period), str(sex), int(series.notna().sum())))
    return pd.DataFrame(rows, columns=["indicator_id", "period", "sex", "areas"]).sort_values(
        ["indicator_id", "period", "sex"]).reset_index(drop=True)
