"""Stage ``health``: life expectancy, healthy life expectancy, inequality and mortality.

Several releases cover some periods. One release is kept per indicator, period and sex
at every level, so a unitary authority shows one value on the district and the
upper-tier map; the catalogue caveats say which release. Figures published for two
authorities combined (E67 codes) are shown on both, noted as combined; City of London
and Isles of Scilly, which publishers leave out for small numbers, are suppressed. Each row's ``vintage`` is the code set
its area code belongs to: sources back-cast old periods to the codes current when
they were downloaded, so the vintage is that of the codes, not of the period. Codes
a release still carries for areas abolished before its code set (e.g. the 17
districts merged in April 2023) keep their own, earlier vintage and a note, so they
are never drawn or summed with their successors.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geo import shared
from geo.catalogue import Indicator, Source
from geo.contract import boundary_codes, check_indicator_contract, finish_indicators
from geo.errors import ValidationError
from geo.ingest._common import BuildContext, Output, Stage, read_raw_csv, write_parquet
from geo.schema import ENGLAND_CODE, SEXES, vintages

__all__ = ["CATALOGUE", "STAGES", "RAW", "build_table", "period_label", "validate"]

_T = "indicators3/trafford_datalab/"
#: Raw files read by this stage, relative to the raw folder.
RAW: dict[str, str] = {
    "ess_le": "indicators2/ons_ess_life_expectancy/life_exp_female_2001-03_to_2016-18_la.csv",
    "cmd_le": "indicators2/ons_cmd_life_expectancy/"
    "life-expectancy-by-local-authority-time-series-v1-filtered-2016-18.csv",
    "ons_le_2023": "indicators/ons_life_expectancy/life_expectancy_at_birth_2023.csv",
    "health_index": "indicators/ons_health_index/england_health_index_indicators.csv.gz",
    "els_hle": "indicators2/ons_els_data/healthy-life-expectancy.csv",
    "els_cvd": "indicators2/ons_els_data/preventable-cardiovascular-mortality-england.csv.gz",
    "ft_le": _T + "themes_life_expectancy.csv",
    "ft_hle": _T + "dashboard_healthy_life_expectancy_at_birth.csv",
    "ft_sii": _T + "themes_inequality_life_expectancy.csv",
    "ft_sii_2024": _T + "themes_inequality_life_expectancy_v2024-07-08_55c6d8c.csv",
    "ft_sii_utla": _T + "dashboard_slope_index_of_inequality.csv",
    "ft_cancer": _T + "dashboard_preventable_mortality_from_cancer.csv",
    "ft_u75": _T + "themes_mortality_rate.csv.gz",
    "ft_u75_2025": _T + "themes_mortality_rate_v2025-04-22_8b4b478.csv.gz",
}
_TOPO = "boundaries/ons_uk_topojson/uk-topo_2014-2025.topo.json"
_CHANGES = "boundaries/ons_uk_topojson/changes.csv"
#: Year each code-set vintage is read from the TopoJSON at (as geo.ingest.lad does).
_TOPO_YEAR = {"2013": 2014, "2019": 2019, "2020": 2020, "2021": 2021, "2023": 2023, "2025": 2025}

_LAD_PREFIXES = ("E06", "E07", "E08", "E09")
_UTLA_PREFIXES = ("E06", "E08", "E09", "E10")
#: Pseudo codes under which a source publishes one figure for two authorities, and the two.
_COMBINED: dict[str, tuple[tuple[str, ...], str]] = {
    "E67000001": (("E09000012", "E09000001"), "Hackney and City of London"),
    "E67000002": (("E06000052", "E06000053"), "Cornwall and Isles of Scilly"),
}
#: Areas the publishers leave out, or blank, because their numbers are too small.
_SUPPRESSED = ("E09000001", "E06000053")
_TOO_FEW_DEATHS_ONS = "Not published by ONS: too few deaths"
_TOO_FEW_DEATHS_OHID = "Not published by OHID: too few deaths"
_TOO_FEW_SURVEYED = "Not published by ONS: too few people surveyed"
_NOT_IN_HEALTH_INDEX = "Not in the ONS Health Index: population too small"
_HEALTH_INDEX = {
    "le_birth_hi": "Life expectancy",
    "infant_mortality": "Infant mortality",
    "mortality_all_cause_hi": "Mortality from all causes",
    "mortality_avoidable_hi": "Avoidable mortality",
}


def period_label(raw: str) -> str:
    """Normalise a period label to ``2015-17`` (3-year) or ``2019`` (single year).

    >>> period_label("2015 - 17"), period_label("2001-01-01/P3Y"), period_label("2014")
    ('2015-17', '2001-03', '2014')
    """
    text = str(raw).strip()
    iso = re.fullmatch(r"(\d{4})-01-01/P(\d)Y", text)
    if iso:
        start, years = int(iso[1]), int(iso[2])
        return str(start) if years == 1 else f"{start}-{(start + years - 1) % 100:02d}"
    span = re.fullmatch(r"(\d{4})\s*-\s*(\d{2})", text)
    if span:
        return f"{span[1]}-{span[2]}"
    if re.fullmatch(r"\d{4}", text):
        return text
    raise ValidationError(
        f"Unrecognised period label {raw!r}; expected e.g. '2015 - 17', '2015-17', '2001-01-01/P3Y' or '2019'. "
        "Add the new format to geo.ingest.health.period_label."
    )


def _number(values: pd.Series, *, source: str) -> pd.Series:
    """Strings to float; the carriers' ``NA`` and blanks become NaN, anything else unreadable raises."""
    text = values.astype("str").str.strip()
    blank = values.isna() | text.isin(["", "NA", "NaN"])
    out = pd.to_numeric(text.where(~blank), errors="coerce")
    bad = out.isna() & ~blank
    if bad.any():
        raise ValidationError(
            f"{source}: {int(bad.sum())} values are not numbers (e.g. {text[bad].iloc[0]!r}); "
            "expected a number, 'NA' or a blank."
        )
    return out.astype("float64")


# --- code sets ------------------------------------------------------------------------------------


class _CodeSets:
    """Area codes of each LA and UTLA code set, and the changes that retired old codes."""

    def __init__(self, ctx: BuildContext) -> None:
        built = boundary_codes(ctx.out_dir)
        self.sets: dict[tuple[str, str], set[str]] = {}
        for level in ("lad", "utla", "region"):
            for vintage in vintages(level):
                if (level, vintage) in built:
                    self.sets[(level, vintage)] = built[(level, vintage)]
        missing = [(lv, v) for lv in ("lad", "utla") for v in vintages(lv)
                   if v in _TOPO_YEAR and (lv, v) not in self.sets]
        if missing:
            ctx.log(f"  boundary sets {missing} not built yet; reading their codes from the raw TopoJSON")
            self.sets.update(_topo_codes(ctx, missing))
        changes = read_raw_csv(ctx, _CHANGES, encoding="utf-8-sig")
        merged = changes[changes["type"].isin(["merger", "new_code"])]
        self.successor: dict[str, tuple[str, str, str]] = {
            str(old): (str(new), str(name), str(start))
            for old, new, name, start in merged[["oldcd", "newcd", "newnm", "start"]].itertuples(index=False)
        }

    def vintage_of(self, code: str, *, level: str, prefer: str) -> str:
        """``prefer`` when the code is in that set, else the latest earlier set holding it."""
        if code in self.sets.get((level, prefer), set()):
            return prefer
        held = [v for v in vintages(level) if code in self.sets.get((level, v), set())]
        earlier = [v for v in held if v <= prefer]
        if earlier:
            return earlier[-1]
        return held[0] if held else prefer


def _topo_codes(ctx: BuildContext, wanted: list[tuple[str, str]]) -> dict[tuple[str, str], set[str]]:
    """Codes of LA/UTLA sets read from the TopoJSON properties (no geometry), as geo.ingest.lad filters them."""
    topo = json.loads(ctx.raw(_TOPO).read_text(encoding="utf-8"))
    layer = {"lad": ("ltla", _LAD_PREFIXES), "utla": ("utla", _UTLA_PREFIXES)}
    out: dict[tuple[str, str], set[str]] = {}
    for level, vintage in wanted:
        name, prefixes = layer[level]
        year = _TOPO_YEAR[vintage]
        out[(level, vintage)] = {
            g["properties"]["areacd"]
            for g in topo["objects"][name]["geometries"]
            if g["properties"]["areacd"].startswith(prefixes)
            and g["properties"].get("start", -1) <= year <= g["properties"].get("end", 9999)
        }
    return out


# --- readers: raw file -> tidy rows (area_code, period, sex, value, lower_ci, upper_ci, note) ------


def _ess_le(ctx: BuildContext) -> pd.DataFrame:
    raw = read_raw_csv(ctx, RAW["ess_le"], encoding="utf-8-sig")
    long = raw.melt(id_vars=["areacd", "areanm"], var_name="end", value_name="value")
    # A column is the END year of a 3-year period (2003 = 2001-03), checked by the hunt against ONS CMD 2016-18.
    end = long["end"].astype(int)
    period = (end - 2).astype(str) + "-" + (end % 100).map("{:02d}".format)
    return pd.DataFrame({"area_code": long["areacd"], "period": period, "sex": "female",
                         "value": _number(long["value"], source=RAW["ess_le"])})


def _cmd_le(ctx: BuildContext) -> pd.DataFrame:
    raw = read_raw_csv(ctx, RAW["cmd_le"])
    raw = raw[raw["age-groups"] == "0-1"]  # at birth
    src = RAW["cmd_le"]
    return pd.DataFrame({
        "area_code": raw["administrative-geography"], "period": raw["two-year-intervals"].map(period_label),
        "sex": raw["sex"].str.lower(), "value": _number(raw["v4_2"], source=src),
        "lower_ci": _number(raw["Lower CI"], source=src), "upper_ci": _number(raw["Upper CI"], source=src),
    })


def _ons_le_2023(ctx: BuildContext) -> pd.DataFrame:
    raw = read_raw_csv(ctx, RAW["ons_le_2023"])
    return pd.DataFrame({"area_code": raw["Area code"], "period": "2023", "sex": raw["Sex"].str.lower(),
                         "value": _number(raw["Life expectancy"], source=RAW["ons_le_2023"])})


def _health_index(name: str) -> Callable[[BuildContext], pd.DataFrame]:
    def read(ctx: BuildContext) -> pd.DataFrame:
        raw = _read_health_index(ctx.raw(RAW["health_index"]))
        raw = raw[raw["indicator"] == name]
        rows = pd.DataFrame({"area_code": raw["ltla21_code"], "period": raw["year"], "sex": "persons",
                             "value": _number(raw["value"], source=RAW["health_index"])})
        return rows.assign(note=_carried_forward(rows))

    return read


@shared.cached(max_entries=1, scope="bundled")
def _read_health_index(path: Path) -> pd.DataFrame:
    """The Health Index file is read once for its four indicators."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])


def _carried_forward(rows: pd.DataFrame) -> pd.Series:
    """Note the years in which every area repeats the year before (ONS carried the values forward)."""
    wide = rows.pivot(index="area_code", columns="period", values="value")
    years = sorted(wide.columns)
    repeated = {y: prev for prev, y in itertools.pairwise(years) if wide[y].equals(wide[prev])}
    note = rows["period"].map(lambda y: f"identical to {repeated[y]} in every area: ONS carried the {repeated[y]} "
                              "value forward" if y in repeated else None)
    return note.astype("str")


def _els(key: str) -> Callable[[BuildContext], pd.DataFrame]:
    def read(ctx: BuildContext) -> pd.DataFrame:
        src = RAW[key]
        raw = read_raw_csv(ctx, src, encoding="utf-8-sig")
        first = raw["indicator"].str.split().str[0].str.lower()
        notes = [raw[c].where(raw[c].notna()) for c in ("status", "notes")]
        note = notes[0].str.cat(notes[1], sep="; ", na_rep="").str.strip("; ")
        return pd.DataFrame({
            "area_code": raw["areacd"], "period": raw["period"].map(period_label),
            "sex": first.where(first.isin(SEXES), "persons"), "value": _number(raw["observation"], source=src),
            "lower_ci": _number(raw["lci_95"], source=src), "upper_ci": _number(raw["uci_95"], source=src),
            "note": ("source: " + note).where(note.str.len() > 0),
        })

    return read


def _fingertips(key: str) -> Callable[[BuildContext], pd.DataFrame]:
    """A Trafford Data Lab copy of a Fingertips indicator; sex sits in inequality, group or unit."""

    def read(ctx: BuildContext) -> pd.DataFrame:
        src = RAW[key]
        raw = read_raw_csv(ctx, src)
        sex = pd.Series(None, index=raw.index, dtype="str")
        for column in ("inequality", "group", "unit"):
            if column in raw:
                found = raw[column].str.lower()
                sex = sex.fillna(found.where(found.isin(SEXES)))
        if sex.isna().any():
            raise ValidationError(f"{src}: {int(sex.isna().sum())} rows name no sex in inequality/group/unit.")
        # The RAG comparison has no CI behind it in these files, so it is kept as a note only.
        rag = raw["compared_to_England"] if "compared_to_England" in raw else raw["significance"]
        note = ("compared with England (Fingertips, 95% CI): " + rag.str.lower()).where(rag != "Not compared")
        return pd.DataFrame({"area_code": raw["area_code"], "period": raw["period"].map(period_label),
                             "sex": sex, "value": _number(raw["value"], source=src), "note": note})

    return read


# --- parts: which release feeds which indicator, periods and level ---------------------------------


@dataclass(frozen=True)
class _Part:
    """One release feeding one indicator.

    ``tier`` says which levels its LA-type codes go to: "lad", "utla" (UTLA-only
    sources) or "both" (sources with county rows; unitaries are repeated at utla).
    ``suppressed`` is the note for City of London and Isles of Scilly where the
    release leaves them blank or out because their numbers are too small.
    """

    indicator_id: str
    key: str
    read: Callable[[BuildContext], pd.DataFrame]
    vintage: str
    suppressed: str
    tier: str = "lad"
    periods: Callable[[str], bool] = lambda period: True
    sexes: tuple[str, ...] = SEXES
    england: bool = True


_PARTS: tuple[_Part, ...] = (
    # Women to 2016-18 from ONS's original estimates, the one release with districts, counties and regions;
    # Fingertips's women's figures for 2015-17 and 2016-18 (revised populations) would contradict its
    # unitary authorities at the upper tier.
    _Part("le_birth", "ess_le", _ess_le, "2019", _TOO_FEW_DEATHS_ONS, tier="both"),
    _Part("le_birth", "ft_le", _fingertips("ft_le"), "2023", _TOO_FEW_DEATHS_OHID, sexes=("male",)),
    _Part("le_birth", "ft_le", _fingertips("ft_le"), "2023", _TOO_FEW_DEATHS_OHID, sexes=("female",),
          periods=lambda p: p > "2016-18"),
    _Part("le_birth_1618", "cmd_le", _cmd_le, "2020", _TOO_FEW_DEATHS_ONS),
    _Part("le_birth_1yr", "ons_le_2023", _ons_le_2023, "2023", _TOO_FEW_DEATHS_ONS),
    *(_Part(i, "health_index", _health_index(name), "2021", _NOT_IN_HEALTH_INDEX) for i, name in _HEALTH_INDEX.items()),
    _Part("hle_birth", "els_hle", _els("els_hle"), "2025", _TOO_FEW_SURVEYED, tier="utla"),
    _Part("hle_birth", "ft_hle", _fingertips("ft_hle"), "2013", _TOO_FEW_SURVEYED, tier="utla",
          periods=lambda p: p < "2011-13"),
    # Up to 2015-17 the July 2024 district release equals the 2019 upper-tier release in every unitary
    # authority, so the two levels agree; the May 2026 recalculation takes over from 2016-18.
    _Part("sii_le", "ft_sii", _fingertips("ft_sii"), "2023", _TOO_FEW_DEATHS_OHID, periods=lambda p: p > "2015-17"),
    _Part("sii_le", "ft_sii_2024", _fingertips("ft_sii_2024"), "2021", _TOO_FEW_DEATHS_OHID,
          periods=lambda p: p <= "2015-17"),
    # England rows for SII come from the district releases: one release per period and level.
    _Part("sii_le", "ft_sii_utla", _fingertips("ft_sii_utla"), "2013", _TOO_FEW_DEATHS_OHID, tier="utla",
          england=False),
    # The file keys Barnsley and Sheffield by their pre-2025 codes only, so its code set is April 2023's.
    _Part("u75_cvd_prev", "els_cvd", _els("els_cvd"), "2023", _TOO_FEW_DEATHS_OHID, tier="both"),
    _Part("u75_cancer_prev", "ft_cancer", _fingertips("ft_cancer"), "2013", _TOO_FEW_DEATHS_OHID),
    _Part("u75_prev", "ft_u75", _fingertips("ft_u75"), "2023", _TOO_FEW_DEATHS_OHID),
    _Part("u75_prev", "ft_u75_2025", _fingertips("ft_u75_2025"), "2023", _TOO_FEW_DEATHS_OHID,
          periods=lambda p: p < "2014"),
)


def _split_combined(tidy: pd.DataFrame) -> pd.DataFrame:
    """Give a combined (E67) figure to each of its two authorities, noted as combined."""
    combined = tidy["area_code"].isin(list(_COMBINED))
    if not combined.any():
        return tidy
    copies: list[pd.DataFrame] = []
    for pseudo, (members, name) in _COMBINED.items():
        rows = tidy[tidy["area_code"] == pseudo]
        # The note replaces the source's status text, which says the same in fewer words.
        note = f"Combined figure for {name} ({pseudo})"
        copies.extend(rows.assign(area_code=member, note=note) for member in members)
    clash: pd.DataFrame = pd.concat(copies)[["area_code", "period", "sex"]].merge(tidy[~combined], how="inner")
    if len(clash):
        row = clash.iloc[0]
        raise ValidationError(f"{row['area_code']} {row['period']} {row['sex']} has its own row and a combined "
                              "(E67) row; expected one or the other. Decide which to keep in geo.ingest.health.")
    return pd.concat([tidy[~combined], *copies], ignore_index=True)


def _place(ctx: BuildContext, codes: _CodeSets, part: _Part, tidy: pd.DataFrame) -> pd.DataFrame:
    """Give each row a level and vintage; log (and leave out) geographies the atlas does not hold."""
    tidy = _split_combined(tidy)
    prefix = tidy["area_code"].str[:3]
    lad, utla = _LAD_PREFIXES, _UTLA_PREFIXES
    england = tidy["area_code"] == ENGLAND_CODE
    frames = [tidy[prefix == "E12"].assign(level="region", vintage="2019")]
    if part.england:
        frames.append(tidy[england].assign(level="england", vintage=part.vintage))
    if part.tier in ("lad", "both"):
        frames.append(_with_vintage(codes, tidy[prefix.isin(lad)], level="lad", part=part))
    if part.tier in ("utla", "both"):
        frames.append(_with_vintage(codes, tidy[prefix.isin(utla)], level="utla", part=part))
    held = (*lad, *utla) if part.tier == "both" else lad if part.tier == "lad" else utla
    left = tidy.loc[~(england | (prefix == "E12") | prefix.isin(held)), "area_code"]
    if len(left):
        counts = left.drop_duplicates().str[:3].value_counts().sort_index()
        ctx.log(f"  {part.indicator_id} <- {part.key}: left out {len(left)} rows of geographies not mapped here "
                f"({', '.join(f'{n} {p}' for p, n in counts.items())} codes)")
    return pd.concat(frames, ignore_index=True)


def _with_vintage(codes: _CodeSets, rows: pd.DataFrame, *, level: str, part: _Part) -> pd.DataFrame:
    rows = rows.assign(level=level)
    rows["vintage"] = [codes.vintage_of(c, level=level, prefer=part.vintage) for c in rows["area_code"]]
    old = rows["vintage"] != part.vintage
    if old.any():
        present = set(zip(rows["area_code"], rows["period"], strict=True))
        rows.loc[old, "note"] = [
            _join(note, _predecessor_note(codes, code, period, present, vintage=vintage, prefer=part.vintage))
            for code, period, vintage, note in rows.loc[old, ["area_code", "period", "vintage", "note"]].itertuples(
                index=False)
        ]
    return rows


def _predecessor_note(codes: _CodeSets, code: str, period: str, present: set[tuple[str, str]], *,
                      vintage: str, prefer: str) -> str:
    note = f"code of the {vintage} set, abolished before the {prefer} codes this release uses"
    succ = codes.successor.get(code)
    if succ:
        new_code, new_name, start = succ
        note = f"code of the {vintage} set: merged into {new_code} {new_name} in {start}"
        if (new_code, period) in present:
            note += f"; the source also gives {new_code} for this period, so do not add the two"
    return note


def _join(*parts: object) -> str | None:
    kept = [str(p) for p in parts if isinstance(p, str) and p and p != "nan"]
    return "; ".join(kept) if kept else None


def _add_left_out(codes: _CodeSets, part: _Part, rows: pd.DataFrame) -> pd.DataFrame:
    """Blank rows for City of London and Isles of Scilly where the release leaves them out altogether.

    Only on the part's own code set, at the levels it feeds, and for the periods and sexes it
    gives there; the publishers leave both out because their numbers are too small.
    """
    mapped = rows[rows["level"].isin(["lad", "utla"]) & (rows["vintage"] == part.vintage)]
    blanks: list[dict[str, object]] = []
    for (level, period, sex), group in mapped.groupby(["level", "period", "sex"]):
        known = codes.sets.get((str(level), part.vintage), set())
        absent = [c for c in _SUPPRESSED if c in known and c not in set(group["area_code"])]
        blanks.extend({"area_code": c, "level": level, "vintage": part.vintage, "period": period, "sex": sex,
                       "value": np.nan, "lower_ci": np.nan, "upper_ci": np.nan, "note": None} for c in absent)
    if not blanks:
        return rows
    return pd.concat([rows, pd.DataFrame(blanks)], ignore_index=True)


def _status(rows: pd.DataFrame, *, suppressed_note: str) -> pd.DataFrame:
    """ok / suppressed / missing: a blank for City of London or Isles of Scilly is suppressed, with a note."""
    rows = rows.copy()
    suppressed = rows["value"].isna() & rows["area_code"].isin(_SUPPRESSED)
    rows["status"] = np.where(rows["value"].notna(), "ok", np.where(suppressed, "suppressed", "missing"))
    rows["note"] = [_join(suppressed_note, n) if s else _join(n)
                    for s, n in zip(suppressed, rows["note"], strict=True)]
    return rows


# --- build ------------------------------------------------------------------------------------------


def build_table(ctx: BuildContext, *, only: Collection[str] = ()) -> pd.DataFrame:
    """The long health table from the raw files (``only``: restrict to these indicator ids)."""
    codes = _CodeSets(ctx)
    frames = []
    for part in _PARTS:
        if only and part.indicator_id not in only:
            continue
        tidy = part.read(ctx)
        for column in ("lower_ci", "upper_ci", "note"):
            if column not in tidy:
                tidy[column] = np.nan if column != "note" else None
        tidy = tidy[tidy["period"].map(part.periods) & tidy["sex"].isin(part.sexes)]
        placed = _add_left_out(codes, part, _place(ctx, codes, part, tidy)).assign(indicator_id=part.indicator_id)
        frames.append(_status(placed, suppressed_note=part.suppressed))
    if not frames:
        raise ValidationError(f"No health indicator matches {sorted(only)}; expected some of "
                              f"{sorted({p.indicator_id for p in _PARTS})}.")
    table = finish_indicators(pd.concat(frames, ignore_index=True))
    validate(table)
    _report_unmatched(ctx, table, codes)
    key = ["indicator_id", "level", "vintage", "period", "sex", "area_code"]
    return table.sort_values(key).reset_index(drop=True)


def validate(table: pd.DataFrame, *, catalogue: Collection[Indicator] | None = None) -> None:
    """Raise :class:`ValidationError` unless the table keeps the indicator contract and plausible ranges."""
    declared = {i.indicator_id: i for i in (CATALOGUE if catalogue is None else catalogue)}
    check_indicator_contract(table, declared=declared, where="health")
    bad_level = set(table["level"]) - {"lad", "utla", "region", "england"}
    if bad_level:
        raise ValidationError(f"level values {sorted(bad_level)}; expected some of england, lad, region, utla.")
    for level, vintage in table[["level", "vintage"]].drop_duplicates().itertuples(index=False):
        if level != "england" and vintage not in vintages(level):
            raise ValidationError(f"Vintage {vintage!r} for level {level!r}; expected one of {vintages(level)}.")
    bad_period = ~table["period"].str.fullmatch(r"\d{4}(-\d{2})?")
    if bad_period.any():
        raise ValidationError(f"Period {table.loc[bad_period, 'period'].iloc[0]!r}; expected e.g. 2016-18 or 2019.")
    ci = table["lower_ci"].notna()
    inverted = ci & ~((table["lower_ci"] <= table["value"]) & (table["value"] <= table["upper_ci"]))
    if inverted.any():
        row = table[inverted].iloc[0]
        raise ValidationError(f"{row['indicator_id']} {row['area_code']} {row['period']}: value {row['value']} "
                              f"outside its confidence interval {row['lower_ci']}..{row['upper_ci']}.")
    for indicator_id, rows in table.groupby("indicator_id"):
        valid = declared[str(indicator_id)].valid_range
        if valid is None:
            continue
        out = rows["value"].notna() & ~rows["value"].between(*valid)
        if out.any():
            row = rows[out].iloc[0]
            raise ValidationError(f"{indicator_id}: {int(out.sum())} values outside the plausible range "
                                  f"{valid[0]}..{valid[1]}, e.g. {row['area_code']} {row['period']} {row['sex']} = "
                                  f"{row['value']}; check the raw file and the unit.")


def _report_unmatched(ctx: BuildContext, table: pd.DataFrame, codes: _CodeSets) -> None:
    """Log area codes missing from the boundary set of their level and vintage (the rows are kept)."""
    areas = table[table["level"].isin(["lad", "utla", "region"])]
    for (indicator_id, level, vintage), rows in areas.groupby(["indicator_id", "level", "vintage"]):
        known = codes.sets.get((str(level), str(vintage)), set())
        wrong = rows.loc[~rows["area_code"].isin(known), "area_code"].value_counts().sort_index()
        if len(wrong):
            listed = ", ".join(f"{code} ({n} rows)" for code, n in wrong.items())
            ctx.log(f"  {indicator_id}: {len(wrong)} {level} {vintage} code(s) with no boundary, kept: {listed}")


def _build(ctx: BuildContext) -> list[Output]:
    table = build_table(ctx)
    for indicator_id, rows in table.groupby("indicator_id"):
        status = rows["status"].value_counts().to_dict()
        ctx.log(f"  {indicator_id}: {len(rows):,} rows, {rows['period'].nunique()} periods, {status}")
    return [write_parquet(ctx, table, "indicators/health.parquet")]


# --- catalogue ----------------------------------------------------------------------------------------


def _src(publisher: str, dataset: str, *keys: str, url: str = "") -> Source:
    return Source(publisher=publisher, dataset=dataset, raw_file="; ".join(RAW[k] for k in keys), url=url,
                  attribution="Contains public sector information licensed under the Open Government Licence v3.0.")


_OHID = "Office for Health Improvement and Disparities (Fingertips), via Trafford Data Lab"
_HI = _src("Office for National Statistics", "Health Index for England 2015-2021, underlying data (Table 2)",
           "health_index")
_HI_CAVEATS = (
    "From the ONS Health Index underlying data: each value is labelled by a single Health Index year; ONS sets "
    "which data years feed each Health Index year (see ONS 'Health Index indicators and definitions'), so do not "
    "compare it directly with the Fingertips or ONS series.",
    "Held on April 2021 districts. City of London and Isles of Scilly are not in the Health Index (populations "
    "too small): shown as suppressed.",
)
_LE_YEARS = (60.0, 95.0)
_DSR = (0.0, 1000.0)

CATALOGUE: list[Indicator] = [
    Indicator(
        "le_birth", "Life expectancy at birth",
        "How many years a newborn would live on average if the area's death rates in the 3-year period "
        "stayed the same all their life.",
        "years", "higher_is_better", "Life expectancy",
        _src("Office for National Statistics; OHID Fingertips (indicator 90366)",
             "Life expectancy at birth, 3-year periods", "ess_le", "ft_le"),
        value_type="years", sexes=("female", "male"), short_title="Life expectancy",
        caveats=(
            "Women 2001-03 to 2016-18: ONS's original local-area estimates (ONS Explore Subnational Statistics), "
            "the one release with districts, counties, regions and England, on April 2019 boundaries (including "
            "the districts abolished since). No men's series before 2015-17 could be obtained.",
            "Men 2015-17 to 2023-25 and women 2017-19 to 2023-25: OHID Fingertips (April 2023 districts, "
            "districts only). These use ONS's revised population estimates: some areas differ a lot from the "
            "original release (Westminster men 2016-18: 81.5 here against 83.9 first published), so do not read "
            "the step between 2016-18 and 2017-19 (women) as change, nor compare men and women in 2015-17 and "
            "2016-18 closely. OHID's revised women's figures for those two periods are not shown.",
            "Up to 2019-21 Fingertips also gives the 17 districts abolished in April 2023 (Cumbria, North "
            "Yorkshire, Somerset); they are held on the 2021 boundaries and overlap the new unitary "
            "authorities, so never add them to them.",
            "The 2023-25 figures were downloaded in May 2026 and may be provisional.",
            "City of London and Isles of Scilly are not published (too few deaths): shown as suppressed.",
        ),
        valid_range=_LE_YEARS,
    ),
    Indicator(
        "le_birth_1618", "Life expectancy at birth, ONS 2016-18 release",
        "Life expectancy at birth in 2016-18 as ONS first published it, with 95% confidence intervals.",
        "years", "higher_is_better", "Life expectancy",
        _src("Office for National Statistics", "Life expectancy by local authority (CMD dataset, time-series v1)",
             "cmd_le"),
        value_type="years", sexes=("female", "male"), has_ci=True, short_title="Life expectancy 2016-18 (ONS)",
        caveats=(
            "Kept apart from 'Life expectancy at birth' because OHID's current 2016-18 figures use revised "
            "population estimates and differ by up to 2.4 years (inner London); only a third agree to 0.05 years.",
            "April 2020 districts; no England or regional rows in this file.",
            "City of London and Isles of Scilly are not published (too few deaths): shown as suppressed.",
        ),
        valid_range=_LE_YEARS,
    ),
    Indicator(
        "le_birth_1yr", "Life expectancy at birth, single year",
        "Life expectancy at birth from one year of deaths, not a 3-year average.",
        "years", "higher_is_better", "Life expectancy",
        _src("Office for National Statistics", "Life expectancy for local areas of Great Britain, single-year "
             "periods", "ons_le_2023"),
        value_type="years", sexes=("female", "male"), short_title="Life expectancy (single year)",
        caveats=(
            "One year of deaths: more volatile than the 3-year figures and not comparable with them.",
            "Only 2023 could be obtained; April 2023 districts; City of London and Isles of Scilly are not "
            "published (too few deaths): shown as suppressed.",
        ),
        valid_range=_LE_YEARS,
    ),
    Indicator(
        "le_birth_hi", "Life expectancy at birth (Health Index)",
        "Life expectancy at birth for everyone, as used in the ONS Health Index.",
        "years", "higher_is_better", "Life expectancy", _HI, value_type="years",
        short_title="Life expectancy, persons (Health Index)",
        caveats=(
            *_HI_CAVEATS,
            "Persons (not by sex); the values look like the average of the male and female figures.",
            "The 2021 values equal the 2020 values in every area: ONS carried them forward (noted on each row).",
        ),
        valid_range=_LE_YEARS,
    ),
    Indicator(
        "hle_birth", "Healthy life expectancy at birth",
        "How many years a newborn could expect to live in very good or good health.",
        "years", "higher_is_better", "Life expectancy",
        _src("Office for National Statistics (Explore Local Statistics); OHID Fingertips (indicator 90362)",
             "Health state life expectancies, UK", "els_hle", "ft_hle"),
        value_type="years", sexes=("female", "male"), has_ci=True, short_title="Healthy life expectancy",
        caveats=(
            "2011-13 to 2022-24 from ONS's current series (interim method; official statistics in development), "
            "with 95% confidence intervals, on 2025 upper-tier authorities.",
            "2009-11 and 2010-12 from the earlier Fingertips release (2013 upper-tier authorities, no intervals). "
            "Its method and populations differ: in the overlapping periods fewer than 5% of its values agree "
            "with the current series, so do not read the step to 2011-13 as change.",
            "Upper-tier authorities only. City of London and Isles of Scilly are excluded by ONS (too few people "
            "surveyed): shown as suppressed.",
        ),
        valid_range=(45.0, 80.0),
    ),
    Indicator(
        "sii_le", "Inequality in life expectancy at birth (slope index)",
        "The gap in years between the most and least deprived ends of the area, across its local deprivation "
        "deciles: a bigger gap means more inequality, so lower is better.",
        "years", "lower_is_better", "Life expectancy",
        _src(_OHID, "Inequality in life expectancy at birth (indicator 92901)", "ft_sii", "ft_sii_2024",
             "ft_sii_utla"),
        value_type="years", sexes=("female", "male"), short_title="Life expectancy gap (SII)",
        caveats=(
            "Districts: 2016-18 to 2022-24 from the May 2026 release (April 2023 districts); 2010-12 to 2015-17 "
            "from the July 2024 release (April 2021 districts). OHID recalculated the index between releases "
            "(only 10% of overlapping values agree), so the step between 2015-17 and 2016-18 is not change.",
            "The July 2024 release also gives 25 districts abolished in 2019-2021 (Dorset, Suffolk, Somerset, "
            "Buckinghamshire, Northamptonshire); they are held on the boundaries of their own time and noted "
            "where they overlap their successors.",
            "Upper-tier authorities 2010-12 to 2015-17 from the 2019 release (2013 upper-tier authorities). For "
            "every unitary authority it equals the July 2024 district release, so both maps show one value.",
            "A few values are below zero (life expectancy higher at the deprived end). Not published for "
            "City of London and Isles of Scilly (suppressed), nor for Rutland and in some periods a few small "
            "districts (missing: no reason given). No confidence intervals in these files.",
        ),
        valid_range=(-5.0, 25.0),
    ),
    Indicator(
        "u75_cvd_prev", "Under-75 mortality from cardiovascular disease considered preventable",
        "Deaths under 75 from heart disease and stroke that are considered preventable, per 100,000 people, "
        "age-standardised, 3-year periods.",
        "per 100,000", "lower_is_better", "Mortality",
        _src("OHID (Fingertips indicator 93722), via ONS Explore Local Statistics",
             "Preventable cardiovascular mortality (England)", "els_cvd"),
        has_ci=True, short_title="Under-75 preventable CVD mortality",
        caveats=(
            "Uses the 2019 definition of preventable mortality, not the 2004 'CVD mortality under 75' used to "
            "pick the Spearhead areas.",
            "All periods are back-cast by OHID to current areas. The file gives Barnsley and Sheffield only "
            "under their pre-2025 codes (E08000016, E08000019), so it is held on the April 2023 districts and "
            "upper-tier authorities.",
            "Hackney with City of London (E67000001) and Cornwall with Isles of Scilly (E67000002) are "
            "published combined, with no separate rows for the four authorities: each combined figure is shown "
            "on both its authorities, noted as combined. Never add the two.",
            "2020 onwards includes the impact of COVID-19.",
        ),
        valid_range=_DSR,
    ),
    Indicator(
        "u75_cancer_prev", "Under-75 mortality from cancer considered preventable",
        "Deaths under 75 from cancers considered preventable, per 100,000 people, age-standardised, 3-year "
        "periods.",
        "per 100,000", "lower_is_better", "Mortality",
        _src(_OHID, "Under 75 mortality rate from cancer considered preventable (indicator 40502)", "ft_cancer"),
        short_title="Under-75 preventable cancer mortality",
        caveats=(
            "The pre-2019 definition as downloaded in May 2019; not the all-cancer rate used for the Spearhead "
            "criteria.",
            "2013-2019 districts (326); values rounded to 1 decimal place by the carrier; no confidence "
            "intervals in this file.",
            "Isles of Scilly is never published and City of London not in some periods (too few deaths): both "
            "shown as suppressed.",
        ),
        valid_range=_DSR,
    ),
    Indicator(
        "u75_prev", "Under-75 mortality from causes considered preventable",
        "Deaths under 75 from causes considered preventable, per 100,000 people, age-standardised, single years.",
        "per 100,000", "lower_is_better", "Mortality",
        _src(_OHID, "Under 75 mortality rate from causes considered preventable, 2019 definition (indicator "
             "93721)", "ft_u75", "ft_u75_2025"),
        sexes=("female", "male", "persons"), short_title="Under-75 preventable mortality",
        caveats=(
            "2014-2024 from the April 2026 release; 2010-2013 from the April 2025 release, which OHID later "
            "revised slightly for new population estimates (83% of the overlapping values are unchanged).",
            "April 2023 districts; no confidence intervals in these files; 2020 and 2021 are affected by COVID-19.",
            "City of London and Isles of Scilly are not published (too few deaths): shown as suppressed.",
        ),
        valid_range=_DSR,
    ),
    Indicator(
        "infant_mortality", "Infant mortality (Health Index)", "Deaths under one year old per 1,000 live births.",
        "per 1,000 live births", "lower_is_better", "Mortality", _HI, short_title="Infant mortality",
        caveats=(
            *_HI_CAVEATS,
            "The only infant mortality series that could be obtained; small numbers make single districts "
            "volatile (some are 0).",
        ),
        valid_range=(0.0, 20.0),
    ),
    Indicator(
        "mortality_all_cause_hi", "Mortality from all causes (Health Index)",
        "Deaths from all causes per 100,000 people, age-standardised, as used in the ONS Health Index.",
        "per 100,000", "lower_is_better", "Mortality", _HI, short_title="All-cause mortality (Health Index)",
        caveats=_HI_CAVEATS, valid_range=(0.0, 3000.0),
    ),
    Indicator(
        "mortality_avoidable_hi", "Avoidable mortality (Health Index)",
        "Deaths that are avoidable through prevention or treatment, per 100,000 people, age-standardised, as "
        "used in the ONS Health Index.",
        "per 100,000", "lower_is_better", "Mortality", _HI, short_title="Avoidable mortality (Health Index)",
        caveats=(
            *_HI_CAVEATS,
            "The 2021 values equal the 2020 values in every area: ONS carried them forward (noted on each row).",
        ),
        valid_range=_DSR,
    ),
]

STAGES = [Stage("health", _build, "life expectancy, healthy life expectancy, SII and mortality",
                needs=("lad", "utla", "region"))]
