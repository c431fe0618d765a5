"""The indicator catalogue: what each indicator is, where it came from, what is held.

The facts live in one data file, ``data/catalogue.json``, written by
``python -m geo build``; this module reads it into frozen :class:`Indicator` records.
The file's order is the picker's order: groups as in :data:`GROUPS`, and within each
group the headline indicator first (for deprivation, the latest edition first).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from geo import shared
from geo._paths import DATA_DIR, refreshed_dir
from geo.errors import UnknownIndicatorError

__all__ = ["Indicator", "Source", "Polarity", "GROUPS", "LABEL_MAX", "load_catalogue", "get", "CATALOGUE_FILE"]

Polarity = Literal["higher_is_better", "lower_is_better", "none"]

#: Groups the app uses to organise the indicator picker, in display order.
GROUPS: tuple[str, ...] = (
    "Life expectancy",
    "Mortality",
    "Deprivation",
    "Deprivation domains",
    "Housing",
    "Population",
)

CATALOGUE_FILE = "catalogue.json"

#: Longest label (``Indicator.label``) that fits the sidebar's picker without truncation.
LABEL_MAX = 38


@dataclass(frozen=True)
class Source:
    """Who published a data set and which raw file the atlas took it from."""

    publisher: str
    dataset: str
    raw_file: str
    url: str = ""
    licence: str = "Open Government Licence v3.0"
    attribution: str = ""


@dataclass(frozen=True)
class Indicator:
    """One indicator as the catalogue describes it.

    ``levels`` maps each level held to its vintages; ``periods`` lists the periods
    held, oldest first. ``valid_range`` bounds plausible values (used by the build).
    ``short_title`` is the plain label the pickers show (at most :data:`LABEL_MAX`
    characters); ``description`` says in a sentence or two what it measures and who
    publishes it.
    """

    indicator_id: str
    title: str
    description: str
    unit: str
    polarity: Polarity
    group: str
    source: Source
    value_type: str = "rate"  # years, rate, score, rank, decile, proportion, count, index
    sexes: tuple[str, ...] = ("persons",)
    levels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    periods: tuple[str, ...] = ()
    has_ci: bool = False
    derived: bool = False
    method: str = ""
    caveats: tuple[str, ...] = ()
    valid_range: tuple[float, float] | None = None
    edition: str = ""  # e.g. "IoD2019" for deprivation indicators
    short_title: str = ""

    @property
    def label(self) -> str:
        """The short plain label for pickers and legends (the title when none is set)."""
        return self.short_title or self.title

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Indicator:
        data = dict(raw)
        data["source"] = Source(**data["source"])
        data["sexes"] = tuple(data.get("sexes", ("persons",)))
        data["levels"] = {k: tuple(v) for k, v in data.get("levels", {}).items()}
        data["periods"] = tuple(data.get("periods", ()))
        data["caveats"] = tuple(data.get("caveats", ()))
        if data.get("valid_range") is not None:
            data["valid_range"] = tuple(data["valid_range"])
        return cls(**data)


def load_catalogue(data_dir: Path = DATA_DIR) -> dict[str, Indicator]:
    """Read ``data/catalogue.json`` into ``{indicator_id: Indicator}``, in the file's (picker) order.

    Records written by ``python -m geo refresh`` (see :mod:`geo.refresh`) replace the bundled
    record of the same id; indicators only the refresh brought come last.
    """
    return _load_catalogue(data_dir, refreshed_dir(data_dir))


@shared.cached(max_entries=4)
def _load_catalogue(data_dir: Path, refreshed: Path | None) -> dict[str, Indicator]:
    raw = json.loads((data_dir / CATALOGUE_FILE).read_text(encoding="utf-8"))
    items = raw["indicators"]
    if refreshed is not None and (refreshed / CATALOGUE_FILE).exists():
        items = [*items, *json.loads((refreshed / CATALOGUE_FILE).read_text(encoding="utf-8"))["indicators"]]
    return {item["indicator_id"]: Indicator.from_dict(item) for item in items}


def get(indicator_id: str, *, data_dir: Path = DATA_DIR) -> Indicator:
    """Return one indicator, or raise :class:`UnknownIndicatorError` naming close matches."""
    catalogue = load_catalogue(data_dir)
    try:
        return catalogue[indicator_id]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(indicator_id, list(catalogue), n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise UnknownIndicatorError(
            f"No indicator {indicator_id!r} in the catalogue.{hint}"
        ) from None
