"""The analysis commands: ``target``, ``spearhead``, ``gap``, ``lag`` and ``gradient``.

Each runs the function its page runs (:func:`geo.target.evaluate`, :func:`geo.spearhead.run`,
:func:`geo.gap.track`, :func:`geo.lag.run`, :func:`geo.gradient.gradient`), prints a
summary and writes the same table as the page's download, with a ``#`` header naming
indicators, periods, cut-offs and rules.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from geo import boundaries, codes, gap, gradient, lag, spearhead, target
from geo.areas import read_area_list_file
from geo.errors import UploadError
from geo.lsoa_sets import CHANGE_WORDS
from geo.periods import period_year
from geo.series import FAMILIES, INDICATORS, select
from geo.tables import write_csv

if TYPE_CHECKING:
    from cli._types import SubParsers

__all__ = ["add_gap", "add_gradient", "add_lag", "add_spearhead", "add_target"]


# --- target -----------------------------------------------------------------------------------------


def add_target(sub: SubParsers) -> None:
    """``python -m geo target --within CODE --where RULE [--out FILE]``."""
    p = sub.add_parser(
        "target",
        help="pick the small areas (LSOAs) that meet a rule",
        description="Pick the LSOAs of an area that meet a rule over small-area indicators, e.g. "
        '--where "imd2019_imd_decile <= 2 and imd2019_idaci_decile <= 2". Presets: '
        + "; ".join(f"{k}: {v}" for k, v in target.PRESETS.items()),
    )
    p.add_argument("--within", required=True, help="an area code of any vintage (LA, upper tier, PCT, region) or 'england'")
    p.add_argument("--where", required=True, help="the rule, in quotes")
    p.add_argument("--out", default=None, help="write the matching LSOAs to a .csv or .geojson file")
    p.set_defaults(run=_target)


def _target(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    result = target.evaluate(args.where, within=args.within)
    seconds = time.perf_counter() - started
    print(f"Rule: {result.rule}")
    print(f"Within: {result.area.label}; {result.lsoa_vintage} LSOAs")
    for sentence in result.totals.sentences():
        print(sentence)
    for note in result.notes:
        print(f"Note: {note}")
    lost = result.not_compared
    if not lost.empty:
        print(f"Not compared ({len(lost):,} 2011 LSOAs split or redrawn in 2021, no value for the 2021 indicators): "
              + ", ".join(f"{c} ({CHANGE_WORDS[k]})" for c, k in zip(lost["area_code"], lost["lsoa_change"], strict=True)))
    if args.out is not None:
        out = Path(args.out)
        if out.suffix.lower() == ".csv":
            out.write_text(target.to_csv(result), encoding="utf-8")
        elif out.suffix.lower() in (".geojson", ".json"):
            out.write_text(target.to_geojson(result), encoding="utf-8")
        else:
            raise UploadError(f"--out {out} should end in .csv or .geojson; got {out.suffix or 'no extension'}.")
        print(f"Wrote {result.totals.lsoas} LSOAs to {out}")
    print(f"Evaluated in {seconds:.2f} s", file=sys.stderr)
    return 0


# --- spearhead --------------------------------------------------------------------------------------


def add_spearhead(sub: SubParsers) -> None:
    """``python -m geo spearhead``."""
    p = sub.add_parser(
        "spearhead", help="the Spearhead method on one period: one row per local authority",
        description="Local authorities in the worst fifth on at least 3 of 5 indicators (DH 2004 method).",
    )
    p.add_argument("--period", default="2015-17", help="period of the health indicators (default: %(default)s)")
    p.add_argument("--out", type=Path, default=Path("spearhead.csv"), help="CSV to write (default: %(default)s)")
    p.add_argument("--threshold", type=int, default=3, help="indicators needed to qualify (default: %(default)s)")
    p.add_argument("--fraction", type=float, default=0.2, help="worst fraction per indicator (default: %(default)s)")
    p.add_argument("--vintage", default=None,
                   help="LA code set, e.g. 2019 (default: the one the period's figures were published on)")
    p.add_argument("--reconstruct-2004", action="store_true",
                   help="the 2004 reconstruction: 2001-03 and IMD 2004 (male life expectancy and the official "
                        "under-75 series are held after `python -m geo refresh`)")
    p.set_defaults(run=_spearhead)


def _spearhead(args: argparse.Namespace) -> int:
    period = "2001-03" if args.reconstruct_2004 else args.period
    result = spearhead.run(period, vintage=args.vintage, fraction=args.fraction, threshold=args.threshold,
                           imd_edition="2004" if args.reconstruct_2004 else None)
    reasons = spearhead.undecided_reasons(result)
    write_csv(spearhead.table_with_reasons(result, reasons), result.header(), args.out)
    t = result.assessment.table
    print(f"{int(t['qualifies'].sum())} of {len(t)} areas qualify ({result.rests_on}); {int(t['undecided'].sum())} "
          f"undecided (column undecided_why says which values are missing and why); wrote {args.out}")
    print(f"Code set: {result.code_set}")
    return 0


# --- gap --------------------------------------------------------------------------------------------


def add_gap(sub: SubParsers) -> None:
    """``python -m geo gap``."""
    p = sub.add_parser("gap", help="gap between a group of areas and England (life expectancy, HLE, under-75 deaths)",
                       description="The gap between a group of areas and England in every period held.")
    p.add_argument("--group", default="spearhead",
                   help="'spearhead' (areas qualifying on --period) or a file of LA codes (default: %(default)s)")
    p.add_argument("--period", default="2015-17", help="period for --group spearhead (default: %(default)s)")
    p.add_argument("--vintage", default=None, help="LA code set (needed with a file of codes)")
    p.add_argument("--indicator", nargs="*",
                   help=f"keys ({', '.join(INDICATORS)}), families ({', '.join(FAMILIES)}) or indicator ids "
                        "(le_birth, hle_birth, u75_cvd_prev, u75_cancer_prev; u75_cvd, u75_cancer after a refresh); "
                        "default: all")
    p.add_argument("--baseline", default=None, help="baseline period (default: the first held)")
    p.add_argument("--target", default=None,
                   help="period by which the gap should have narrowed (default: 2009-11 for the 2004 targets, else the last)")
    p.add_argument("--out", type=Path, default=Path("gap.csv"), help="CSV to write (default: %(default)s)")
    p.set_defaults(run=_gap)


def _listed_codes(path: Path, *, vintage: str) -> list[str]:
    """The local authority codes of ``vintage`` a ``--group`` file lists; unknown entries named on stderr."""
    entries = read_area_list_file(path)
    known = set(boundaries.area_lookup("lad", vintage)["area_code"])
    members = [e.upper() for e in entries if e.upper() in known]
    if not members:
        raise UploadError(f"{path} lists no {vintage} local authority code (read {len(entries):,} entries, e.g. "
                          f"{entries[0][:20]!r}); expected one code per line, such as E08000012." if entries else
                          f"{path} lists no area; expected one {vintage} local authority code per line.")
    unknown = [e for e in entries if e.upper() not in known]
    if unknown:
        print(f"warning: {len(unknown)} entries of {path} are not {vintage} local authority codes and are left out "
              f"(e.g. {', '.join(repr(u[:20]) for u in unknown[:3])}).", file=sys.stderr)
    return members


def _gap(args: argparse.Namespace) -> int:
    if args.group == "spearhead":
        result = spearhead.run(args.period, vintage=args.vintage)
        members = list(result.assessment.table.index[result.assessment.table["qualifies"]])
        vintage, label = result.vintage, f"areas qualifying as Spearhead on {args.period} data ({result.rests_on})"
    else:
        if args.vintage is None:
            raise UploadError("--group FILE needs --vintage, the code set of the listed codes (e.g. 2019).")
        members = _listed_codes(Path(args.group), vintage=args.vintage)
        vintage, label = args.vintage, f"areas listed in {args.group}"
    frames = []
    header: list[str] = []
    for record in select(args.indicator):
        tracked = gap.track(members, indicator=record, vintage=vintage, baseline=args.baseline,
                            target_period=args.target, group_label=label)
        frames.append(tracked.table.assign(indicator_id=tracked.indicator.indicator_id, sex=tracked.indicator.sex))
        header += tracked.header()
        print(f"{tracked.indicator.label} ({tracked.indicator.sex}): population weights "
              f"{gap.years_used(tracked.table)}")
        valued = tracked.table.dropna(subset=["group_value"])
        last = None if valued.empty else valued.iloc[-1]
        print(f"  {tracked.interval}" + ("" if last is None else f". Latest, {last['period']}: group "
              f"{last['group_value']:.2f} {tracked.indicator.unit}, {gap.interval_text(last)}"))
    write_csv(pd.concat(frames, ignore_index=True), header, args.out)
    print(f"{len(members)} areas; wrote {args.out}")
    return 0


# --- lag --------------------------------------------------------------------------------------------


def add_lag(sub: SubParsers) -> None:
    """``python -m geo lag``."""
    p = sub.add_parser("lag", help="years behind England: how long ago England last had an area's value",
                       description=lag.DEFINITION)
    p.add_argument("--indicator", default="le_birth", help="le_birth or hle_birth (default: %(default)s)")
    p.add_argument("--period", default="2023-25", help="period of the areas' values (default: %(default)s)")
    p.add_argument("--sex", default="female", choices=("female", "male"), help="(default: %(default)s)")
    p.add_argument("--level", default=None, help="lad or utla (default: lad where held, else utla)")
    p.add_argument("--vintage", default=None, help="code set (default: the one holding most areas for the period)")
    p.add_argument("--out", type=Path, default=Path("lag.csv"), help="CSV to write (default: %(default)s)")
    p.set_defaults(run=_lag)


def _lag(args: argparse.Namespace) -> int:
    result = lag.run(args.indicator, period=args.period, sex=args.sex, level=args.level, vintage=args.vintage)
    write_csv(result.csv_table(), result.header(), args.out)
    t = result.table
    behind = t[(t["years_behind"] > 0) & ~t["beyond_series"].fillna(False).astype(bool)]
    spans = (f"; {len(behind)} behind within the series: {behind['years_behind'].min():g} to "
             f"{behind['years_behind'].max():g} years, with gaps of {behind['gap'].min():.1f} to "
             f"{behind['gap'].max():.1f} years" if len(behind) else "")
    print(f"{int(t['value'].notna().sum())} areas with a value{spans}; {int(t['beyond_series'].fillna(False).sum())} "
          f"beyond the series (more than {period_year(args.period) - period_year(result.first_period):g} years, a "
          f"floor); every years_behind figure has its gap (England minus the area, in years) in the gap column")
    if result.flat:
        print(result.flat)
    print(f"wrote {args.out}")
    return 0


# --- gradient ---------------------------------------------------------------------------------------


def add_gradient(sub: SubParsers) -> None:
    """``python -m geo gradient``."""
    p = sub.add_parser("gradient", help="an LA outcome against IMD score: line, SII/RII (OHID's phe_sii), residuals",
                       description="The deprivation gradient of one local-authority outcome.")
    p.add_argument("--indicator", default="le_birth", help="outcome indicator id (default: %(default)s)")
    p.add_argument("--period", default="2015-17", help="period (default: %(default)s)")
    p.add_argument("--sex", default="female", help="male, female or persons (default: %(default)s)")
    p.add_argument("--vintage", default="2019", help="LA code set (default: %(default)s)")
    p.add_argument("--imd-edition", default=None, help="IMD edition, e.g. 2019 (default: nearest the period)")
    p.add_argument("--out", type=Path, default=Path("gradient.csv"), help="CSV to write (default: %(default)s)")
    p.set_defaults(run=_gradient)


def _gradient(args: argparse.Namespace) -> int:
    result = gradient.gradient(args.indicator, period=args.period, sex=args.sex, vintage=args.vintage,
                               imd_edition=args.imd_edition)
    names = codes.area_names("lad", args.vintage)
    table = result.table.reset_index().rename(columns={"index": "area_code"})
    table.insert(1, "area_name", [names.get(c, "") for c in table["area_code"]])
    write_csv(table.sort_values("area_code"), result.header(), args.out)
    o, q = result.ohid, result.inequality
    print(f"SII (OHID's phe_sii) {o.sii:.3g} ({o.limits('sii')}); RII (OHID's phe_sii) {o.rii:.4g} "
          f"({o.limits('rii', digits=4)})")
    print(f"{gradient.MEAN_RII_NAME}, the atlas's older definition, not OHID's: {q.rii:.3g}")
    print(f"Method: {gradient.METHOD_NOTE}")
    print(f"wrote {args.out}")
    return 0
