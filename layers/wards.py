"""The best-fit ward layer of a drilled district: a choropleth of :func:`geo.wards.ward_view` and its legend.

Every ward is an approximation built from whole small areas, so the tooltip, the legend and
the layer's name all carry :data:`geo.wards.LABEL`, and each ward's tooltip gives its small
areas and the share of its postcodes they capture. A published decile or rank cannot be
averaged into another decile or rank: a ward's mean of them is drawn as a score, and its
unit says what it is.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import pandas as pd

from geo.catalogue import Indicator
from geo.classify import Classification, classify, method_drawn, number_format
from geo.wards import BASIS, LABEL
from layers.choropleth import choropleth_layer
from layers.legend import Legend, build_legend
from layers.style import scheme_for

__all__ = ["CAPTURE_LABEL", "WardLayer", "basis_sentence", "capture_text", "ward_indicator", "ward_layer", "ward_values_text"]

#: The tooltip's and the panel's words for a ward's capture share.
CAPTURE_LABEL: Final = "Ward's postcodes its small areas capture"
#: What a ward's mean of published ranks or deciles is, as a unit.
_MEAN_OF: Final = {
    "decile": "mean decile of its small areas, 1 = most deprived 10%",
    "rank": "mean rank of its small areas, 1 = most deprived",
}


@dataclass(frozen=True)
class WardLayer:
    """A district's best-fit wards drawn: the folium layer, its legend, and how values are written."""

    layer: Any
    legend: Legend
    indicator: Indicator
    classification: Classification


def ward_indicator(indicator: Indicator) -> Indicator:
    """``indicator`` as its ward values read: a mean of deciles or ranks is a score with a unit saying so."""
    unit = _MEAN_OF.get(indicator.value_type)
    if unit is None:
        return indicator
    return dataclasses.replace(indicator, value_type="score", unit=unit)


def capture_text(share: object) -> str:
    """A capture share (0-1) as a percentage to one decimal, e.g. "99.5%" ("100%" when whole); "not known" when missing."""
    value = pd.to_numeric(pd.Series([share]), errors="coerce").iloc[0]
    if pd.isna(value):
        return "not known"
    return "100%" if value == 1 else f"{value:.1%}"


def ward_values_text(wards: pd.DataFrame, indicator: Indicator, *, unit: bool = True) -> pd.Series:
    """Each ward's value written as the layer writes it (with its unit, unless ``unit=False``); "no data" when missing."""
    shown = ward_indicator(indicator)
    fmt = number_format(pd.to_numeric(wards["value"], errors="coerce"), value_type=shown.value_type, unit=shown.unit)
    write = fmt.value if unit else fmt.number
    return pd.Series([write(v) for v in wards["value"]], index=wards.index, dtype="object")


def basis_sentence(wards: pd.DataFrame) -> str:
    """How the wards' values were made, in one sentence, e.g. "A ward's value is the sum of its small areas' counts."."""
    counts = wards["basis"].value_counts() if "basis" in wards else pd.Series(dtype=int)
    if "sum" in counts:
        return f"A ward's value is the {BASIS['sum']}, missing when one of them is."
    if "weighted" in counts and "mean" in counts:
        n = int(counts["mean"])
        return (f"A ward's value is the {BASIS['weighted']}; for {n} ward{'s' if n > 1 else ''} with a small area "
                "whose population is not held, their plain mean.")
    if "mean" in counts:
        return f"A ward's value is the {BASIS['mean']}."
    return f"A ward's value is the {BASIS['weighted']}."


def ward_layer(
    wards: gpd.GeoDataFrame, *, indicator: Indicator, period: str, sex: str, area_name: str, precision: int = 5
) -> WardLayer:
    """The wards as a quintile choropleth with tooltips (ward, value, small areas, capture share, the label).

    ``wards`` is :func:`geo.wards.ward_view`'s frame. Raises
    :class:`geo.errors.DataUnavailableError` when no ward has a value.
    """
    shown = ward_indicator(indicator)
    method, _why = method_drawn("quantiles", value_type=shown.value_type)
    values = pd.to_numeric(wards["value"], errors="coerce")
    classification = classify(values, method=method, value_type=shown.value_type, unit=shown.unit)
    scheme = scheme_for(shown.polarity, method=method, k=classification.k)
    drawn = wards.assign(
        status=values.notna().map({True: "ok", False: "missing"}),
        small_areas=wards["lsoas"].map(lambda n: f"{int(n)} (LSOAs)"),
        capture=wards["capture_share"].map(capture_text),
        value_is=wards["basis"].map(BASIS) if "basis" in wards else "",
    )
    layer = choropleth_layer(
        drawn, name=f"Best-fit wards ({LABEL}): {shown.label}", indicator=shown, period=period, england_value=None,
        scheme=scheme, classification=classification,
        tooltip_fields={"small_areas": "Small areas", "capture": CAPTURE_LABEL, "value_is": "Ward value is the"},
        precision=precision, opens=False,  # Enter on the map opens districts; a ward is read out
    )
    legend = build_legend(
        indicator=shown, period=period, sex=sex, classification=classification, scheme=scheme, england_value=None,
        statuses=drawn["status"], scope=f"Best-fit wards in {area_name}",
    )
    note = (f"{LABEL[0].upper()}{LABEL[1:]}: each small area is put in the 2025 ward holding most of its postcodes. "
            f"{basis_sentence(wards)}")
    legend = dataclasses.replace(legend, england="", note=" ".join(t for t in (note, legend.note) if t))
    return WardLayer(layer=layer, legend=legend, indicator=shown, classification=classification)
