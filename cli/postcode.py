"""The ``postcode`` command: a postcode's areas and the headline figures of its small area and district."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from geo.postcodes import ATTRIBUTION, find, places
from geo.profile import headline, headlines

if TYPE_CHECKING:
    from cli._types import SubParsers

__all__ = ["add_postcode"]

#: The small area's headline: its national deprivation decile on the edition drawn on its set.
_LSOA_HEADLINES = (("2021", "imd2025_imd_decile"), ("2011", "imd2019_imd_decile"))


def add_postcode(sub: SubParsers) -> None:
    """``python -m geo postcode POSTCODE [--json]``."""
    p = sub.add_parser("postcode", help="find a postcode's small area, ward and district, and their figures",
                       description="Find an English postcode's areas (offline: ONS May 2022 lookup and OS "
                       "Code-Point Open April 2025) and the headline figures of its small area and district.")
    p.add_argument("postcode", help='e.g. "L1 0AA" (any case and spacing)')
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    result = find(args.postcode)
    pc = result.postcode
    areas = places(pc) if pc is not None else []
    figures: list[dict[str, object]] = []
    for place in areas:
        if place.level == "lsoa":
            for vintage, indicator_id in _LSOA_HEADLINES:
                if vintage == place.vintage and (h := headline(indicator_id, "persons", place.area_code, level="lsoa")):
                    figures.append(_figure(place.label, place.area_code, h))
        elif place.level == "lad" and place.vintage == "2023":
            figures += [_figure(place.label, place.area_code, h) for h in headlines(place.area_code, level="lad")]
    if args.json:
        print(json.dumps({
            "typed": result.typed, "status": result.status, "message": result.message,
            "postcode": None if pc is None else pc.postcode, "terminated": None if pc is None else pc.terminated,
            "easting": None if pc is None else pc.easting, "northing": None if pc is None else pc.northing,
            "lsoa21_route": None if pc is None else pc.lsoa21_route,
            "areas": [{"label": a.label, "level": a.level, "vintage": a.vintage, "area_code": a.area_code,
                       "area_name": a.area_name} for a in areas],
            "figures": figures, "attribution": ATTRIBUTION,
        }, indent=2, ensure_ascii=False))
    else:
        print(result.message)
        if pc is not None and pc.lsoa21_code:
            print(f"  LSOA 2021 found by: {pc.lsoa21_route}")
        for a in areas:
            print(f"  {a.label}: {a.area_name} ({a.area_code})")
        for f in figures:
            print(f"  - {f['area']}: {f['indicator']}, {f['period']}: {f['text']}")
        print(ATTRIBUTION)
    return 0 if result.status in ("live", "terminated") else 2


def _figure(label: str, area_code: str, h: object) -> dict[str, object]:
    from geo.profile import Headline

    assert isinstance(h, Headline)
    value = "not held" if h.value is None else _num(h.value)
    text = f"{value} {h.indicator.unit or ''}".strip()
    if h.england is not None and h.value is not None:
        text += f" (England {_num(h.england)}; {h.comparison})"
    if h.rank is not None:
        text += f"; rank {h.rank:,} of {h.of:,}"
    return {"area": label, "area_code": area_code, "indicator": f"{h.indicator.label} ({h.sex})",
            "indicator_id": h.indicator.indicator_id, "period": h.period, "value": h.value,
            "england": h.england, "text": text}


def _num(value: float) -> str:
    """At the profile's precision: whole numbers bare, others to one decimal place."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
