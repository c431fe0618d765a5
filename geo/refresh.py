"""Fresh official figures from the OHID Fingertips API, kept beside the bundled data and swapped in whole.

``python -m geo refresh`` (and the About page's button) downloads the Fingertips
indicators in :data:`geo.fingertips.SERIES` for the area types in
:data:`geo.fingertips.AREA_TYPES` (:func:`geo.fingertips.download`), validates them with
the build's checks (the long-table contract, and every code in the boundary set of its
level and vintage), and swaps them in atomically: a new folder under
:data:`geo._paths.REFRESH_DIR` is written in full, then the one-line ``CURRENT`` file
naming it is replaced with :func:`os.replace`. Readers (:mod:`geo.indicators`,
:mod:`geo.catalogue`) see either the old folder or the new one, never a mixture; a
failed, partial or interrupted refresh leaves ``CURRENT`` as it was. The repository's
``data/`` is never written.

A refresh changes only what it made. It marks the refreshed folder, and each
``refresh-*`` folder it writes, with a :data:`MARKER` file; it uses a folder that is
new, empty, marked, or as an older refresh left it (only ``CURRENT`` and ``refresh-*``
folders each holding a ``manifest.json``, which it then marks), and refuses any other,
as it refuses the root folder, the home folder, the repository and the bundled
``data/``. Tidying and :func:`revert` remove only marked ``refresh-*`` folders.

:func:`current` and :func:`periods_held` say what the folder in use holds; :func:`revert`
goes back to the bundled figures.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import pandas as pd

from geo import _paths
from geo.contract import boundary_codes, check_indicator_contract, finish_indicators
from geo.errors import AtlasError, RefreshError, ValidationError, VintageMismatchError
from geo.fingertips import AREA_TYPES, DEFAULT_BASE_URL, PUBLISHER, SERIES, SOURCE, AreaType, Series, download
from geo.http import Http, Unreachable
from geo.schema import ENGLAND_CODE, SEXES

__all__ = [
    "MARKER",
    "Outcome",
    "Progress",
    "current",
    "periods_held",
    "refresh",
    "revert",
]

#: How patient a refresh is by default (the About page's button and the command).
_HTTP = Http()


@dataclass(frozen=True)
class Outcome:
    """What a refresh did: rows per indicator, the folder now in use, and how long it took."""

    folder: Path
    rows: dict[str, int]
    seconds: float
    unplaced: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def describe(self) -> str:
        total = sum(self.rows.values())
        parts = ", ".join(f"{k} {v:,}" for k, v in self.rows.items())
        text = f"refreshed {len(self.rows)} indicator(s), {total:,} rows ({parts}) in {self.seconds:.1f} s into {self.folder}"
        lost = {k: v for k, v in self.unplaced.items() if v}
        if lost:
            text += "; not placed (codes in no boundary set the atlas holds): " + "; ".join(
                f"{k} {len(v)} ({', '.join(v[:5])}{' ...' if len(v) > 5 else ''})" for k, v in lost.items())
        return text


#: Told (fraction done, what is happening) as the refresh goes; what it returns is ignored.
Progress = Callable[[float, str], object]


# --- validation -------------------------------------------------------------------------------------


def _validate(table: pd.DataFrame, *, declared: Iterable[str], data_dir: Path) -> None:
    """The build's checks: the long-table contract, then every code in its boundary set."""
    from geo.codes import detect

    check_indicator_contract(table, declared=declared, where="Fingertips refresh")
    bad_sex = set(table["sex"]) - set(SEXES)
    if bad_sex:
        raise ValidationError(f"Fingertips refresh: sexes {sorted(bad_sex)}; expected some of {list(SEXES)}.")
    known = boundary_codes(data_dir)
    known.update({("england", v): {ENGLAND_CODE} for v in set(table.loc[table["level"] == "england", "vintage"])})
    for (level, vintage), codes in table.groupby(["level", "vintage"])["area_code"]:
        held = known.get((str(level), str(vintage)))
        if held is None:
            raise ValidationError(f"Fingertips refresh: no {level} {vintage} boundaries in {data_dir}; run `python -m geo build`.")
        stray = sorted(set(codes) - held)
        if not stray:
            continue
        try:
            found = detect(stray, data_dir=data_dir)
            hint = f"they look like {found.level} {found.vintage} codes"
        except AtlasError:
            hint = "they are in no boundary set the atlas holds"
        raise VintageMismatchError(
            f"Fingertips refresh: {len(stray)} {level} codes are not in the {vintage} set (e.g. {stray[0]}); {hint}. "
            "The API changed its geography: update geo.fingertips.AREA_TYPES."
        )


def _catalogue_records(table: pd.DataFrame, series: Sequence[Series], meta: dict[str, dict[str, Any]],
                       *, data_dir: Path) -> list[dict[str, Any]]:
    """Catalogue records for the refreshed indicators: levels, periods and provenance as refreshed."""
    from geo.catalogue import Indicator, Source, _load_catalogue

    bundled = _load_catalogue(data_dir, None)
    records = []
    for s in series:
        rows = table[table["indicator_id"] == s.indicator_id]
        m = meta[s.indicator_id]
        caveat = (f"Refreshed from the {SOURCE} (indicator {s.fingertips_id}, released {m['released']}, "
                  f"downloaded {m['downloaded']}); refreshed figures replace the bundled ones for the same "
                  "area, period and sex. `python -m geo refresh --revert` goes back.")
        levels = {str(lv): tuple(sorted(set(g))) for lv, g in rows.groupby("level")["vintage"]}
        if s.indicator_id in bundled:
            base = bundled[s.indicator_id]
            merged = {lv: tuple(sorted(set(base.levels.get(lv, ())) | set(vs))) for lv, vs in levels.items()}
            record = replace(
                base,
                levels={**base.levels, **merged},
                periods=tuple(sorted(set(base.periods) | set(rows["period"]))),
                sexes=tuple(sorted(set(base.sexes) | set(rows["sex"]))),
                has_ci=base.has_ci or bool(rows["lower_ci"].notna().any()),
                caveats=(*[c for c in base.caveats if not c.startswith(f"Refreshed from the {SOURCE}")], caveat),
            )
        else:
            assert s.new is not None
            new = s.new
            record = Indicator(
                s.indicator_id, new.title, new.description, new.unit, new.polarity,  # type: ignore[arg-type]
                new.group,
                Source(PUBLISHER, f"{m['name'] or new.title} (indicator {s.fingertips_id})",
                       f"{SOURCE}: all_data/csv/by_indicator_id?indicator_ids={s.fingertips_id}",
                       url=f"https://fingertips.phe.org.uk/search/{s.fingertips_id}",
                       attribution="Contains public sector information licensed under the Open Government Licence v3.0."),
                value_type=new.value_type, sexes=tuple(sorted(set(rows["sex"]))), levels=levels,
                periods=tuple(sorted(set(rows["period"]))), has_ci=bool(rows["lower_ci"].notna().any()),
                caveats=(caveat,), short_title=new.short_title,
            )
        records.append(record.to_dict())
    return records


# --- the swap ---------------------------------------------------------------------------------------


def current(*, refresh_dir: Path | None = None) -> dict[str, Any] | None:
    """The manifest of the refreshed folder in use (what, released, downloaded), or ``None``."""
    folder = _current_folder(refresh_dir or _paths.REFRESH_DIR)
    if folder is None:
        return None
    try:
        return dict(json.loads((folder / "manifest.json").read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def periods_held(*, refresh_dir: Path | None = None) -> dict[str, str]:
    """``{indicator_id: "first to last"}``: the periods the refreshed rows in use cover (empty when none)."""
    folder = _current_folder(refresh_dir or _paths.REFRESH_DIR)
    path = folder / "indicators" / "fingertips.parquet" if folder is not None else None
    if path is None or not path.exists():
        return {}
    rows = pd.read_parquet(path, columns=["indicator_id", "period"]).drop_duplicates()
    out: dict[str, str] = {}
    for indicator_id, periods in rows.groupby("indicator_id")["period"]:
        held = sorted(str(p) for p in periods)  # "2001-03" < "2015-17": the start year leads
        out[str(indicator_id)] = held[0] if len(held) == 1 else f"{held[0]} to {held[-1]}"
    return out


def _current_folder(refresh_dir: Path) -> Path | None:
    try:
        name = (refresh_dir / _paths.CURRENT_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    folder = refresh_dir / name
    return folder if name and folder.is_dir() else None


#: The file marking a folder as the refresh's own: in the refreshed folder and in each ``refresh-*`` folder.
MARKER: Final = ".health-gap-atlas-refresh"
#: The pointer an interrupted :func:`_swap` may leave behind.
_POINTER: Final = re.compile(rf"\.{_paths.CURRENT_FILE}\.[0-9a-f]{{32}}")


def _mark(folder: Path) -> None:
    if not (folder / MARKER).is_file():
        note = {"made_by": "health-gap-atlas", "what": "python -m geo refresh: fresh Fingertips figures",
                "marked": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}
        (folder / MARKER).write_text(json.dumps(note) + "\n", encoding="utf-8")


def _made_by_an_older_refresh(entry: Path) -> bool:
    """``CURRENT``, a left-over pointer, or a ``refresh-*`` folder holding a manifest: what a refresh before the marker wrote."""
    if entry.name == _paths.CURRENT_FILE or _POINTER.fullmatch(entry.name):
        return entry.is_file() and not entry.is_symlink()
    return (entry.name.startswith("refresh-") and entry.is_dir() and not entry.is_symlink()
            and (entry / "manifest.json").is_file())


def _refusal(refresh_dir: Path) -> str | None:
    """Why a refresh may not write in, or remove from, ``refresh_dir``; ``None`` when it may."""
    where = refresh_dir.resolve()
    data = _paths.DATA_DIR.resolve()
    try:
        home: Path | None = Path.home().resolve()
    except RuntimeError:  # no home folder to protect
        home = None
    if where == Path(where.anchor):
        return "is the root folder"
    if where == home:
        return "is the home folder"
    if where == _paths.REPO_ROOT.resolve():
        return "is the atlas's repository"
    if where == data:
        return "is the atlas's bundled data folder"
    if where.is_relative_to(data):
        return f"is inside the atlas's bundled data folder ({data})"
    if data.is_relative_to(where):
        return f"holds the atlas's bundled data folder ({data})"
    if not where.exists():
        return None
    if not where.is_dir():
        return "is not a folder"
    if (where / MARKER).is_file():
        return None
    entries = sorted(where.iterdir())
    if all(_made_by_an_older_refresh(e) for e in entries):
        return None
    names = [e.name for e in entries]
    return (f"holds things a refresh did not make (e.g. {', '.join(names[:3])}{', ...' if len(names) > 3 else ''}) "
            f"and no {MARKER} file")


def _refuse(refresh_dir: Path) -> None:
    problem = _refusal(refresh_dir)
    if problem is not None:
        raise RefreshError(
            f"The refreshed folder {refresh_dir} {problem}; expected a new or empty folder, or one a refresh made "
            f"(it holds {MARKER}), since a refresh replaces CURRENT and removes refresh-* folders there. "
            "Choose one with --dir or HGA_REFRESH_DIR (the default is ~/.cache/health-gap-atlas)."
        )


def _claim(refresh_dir: Path, *, create: bool) -> bool:
    """Refuse a folder the refresh did not make; mark a new, empty or older refresh's one. ``False``: no folder."""
    _refuse(refresh_dir)
    if not refresh_dir.is_dir():
        if not create:
            return False
        refresh_dir.mkdir(parents=True)
    if not (refresh_dir / MARKER).is_file():  # new, empty, or all an older refresh's: mark its folders as ours
        for entry in refresh_dir.iterdir():
            if entry.is_dir():
                _mark(entry)
        _mark(refresh_dir)
    return True


def _swap(refresh_dir: Path, folder: Path) -> None:
    """Point ``CURRENT`` at ``folder`` in one atomic rename, then delete the folders no longer named."""
    pointer = refresh_dir / f".{_paths.CURRENT_FILE}.{uuid.uuid4().hex}"
    pointer.write_text(folder.name + "\n", encoding="utf-8")
    os.replace(pointer, refresh_dir / _paths.CURRENT_FILE)
    _tidy(refresh_dir, keep=folder.name)


def _tidy(refresh_dir: Path, *, keep: str | None) -> None:
    """Delete the marked ``refresh-*`` folders but ``keep``; anything else is not the refresh's to delete."""
    for old in refresh_dir.glob("refresh-*"):
        if old.name != keep and old.is_dir() and not old.is_symlink() and (old / MARKER).is_file():
            shutil.rmtree(old, ignore_errors=True)


def revert(*, refresh_dir: Path | None = None) -> bool:
    """Go back to the bundled figures; ``True`` when refreshed figures were in use.

    Raises
    ------
    RefreshError
        ``refresh_dir`` is not the refresh's own (see :data:`MARKER`); nothing was removed.
    """
    refresh_dir = refresh_dir or _paths.REFRESH_DIR
    if not _claim(refresh_dir, create=False):
        return False
    was = _current_folder(refresh_dir) is not None
    (refresh_dir / _paths.CURRENT_FILE).unlink(missing_ok=True)
    _tidy(refresh_dir, keep=None)
    return was


# --- the refresh ------------------------------------------------------------------------------------


def _select(wanted: Sequence[str] | None, series: Sequence[Series]) -> list[Series]:
    if not wanted:
        return list(series)
    by_key = {s.indicator_id: s for s in series} | {str(s.fingertips_id): s for s in series}
    unknown = [w for w in wanted if w not in by_key]
    if unknown:
        raise RefreshError(
            f"--indicators {', '.join(unknown)}: not a refreshable indicator; expected atlas ids or Fingertips ids "
            f"among {', '.join(f'{s.indicator_id} ({s.fingertips_id})' for s in series)}."
        )
    return list(dict.fromkeys(by_key[w] for w in wanted))


def refresh(
    indicators: Sequence[str] | None = None,
    *,
    base_url: str = DEFAULT_BASE_URL,
    refresh_dir: Path | None = None,
    data_dir: Path | None = None,
    http: Http = _HTTP,
    series: Sequence[Series] = SERIES,
    area_types: Sequence[AreaType] = AREA_TYPES,
    progress: Progress | None = None,
) -> Outcome:
    """Download, validate and swap in fresh figures; all or nothing.

    ``indicators`` narrows :data:`SERIES` (atlas ids or Fingertips ids). Indicators refreshed
    earlier and not named here are kept as they were.

    Raises
    ------
    RefreshError
        Something could not be downloaded or read; the message says which indicators
        were fine and which failed. Or ``refresh_dir`` is not the refresh's own (see
        :data:`MARKER`), which is refused before any download. Nothing was changed.
    ValidationError, VintageMismatchError
        The downloads break the build's checks. Nothing was changed.
    """
    from geo.catalogue import _load_catalogue

    start = time.perf_counter()
    refresh_dir = refresh_dir or _paths.REFRESH_DIR
    _refuse(refresh_dir)
    data_dir = data_dir or _paths.DATA_DIR
    chosen = _select(indicators, series)
    types = {t.area_type_id: t for t in area_types}
    downloaded = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    report = progress or (lambda _f, _m: None)

    tables: dict[str, pd.DataFrame] = {}
    failed: dict[str, str] = {}
    for i, s in enumerate(chosen):
        report(i / (len(chosen) + 1), f"Downloading {s.indicator_id} (Fingertips {s.fingertips_id})")
        try:
            tables[s.indicator_id] = download(s, base_url=base_url, http=http, downloaded=downloaded, types=types,
                                              data_dir=data_dir)
        except RefreshError as exc:
            failed[s.indicator_id] = str(exc)
            if isinstance(exc, Unreachable):  # the others would wait as long again, for nothing
                break
    if failed:
        untried = [s.indicator_id for s in chosen if s.indicator_id not in tables and s.indicator_id not in failed]
        first = next(iter(failed.items()))
        raise RefreshError(
            f"nothing refreshed: {len(failed)} of {len(chosen)} indicator(s) failed ({', '.join(failed)}); "
            f"downloaded fine: {', '.join(tables) or 'none'}"
            f"{'; not tried: ' + ', '.join(untried) if untried else ''}. First failure, {first[0]}: {first[1]}"
        )

    report(len(chosen) / (len(chosen) + 1), "Checking codes, vintages and the long-table contract")
    meta = {k: {str(a): v for a, v in t.attrs.items()} for k, t in tables.items()}
    fresh = finish_indicators(pd.concat(tables.values(), ignore_index=True))
    previous = _current_folder(refresh_dir)
    kept = pd.DataFrame()
    old_manifest: dict[str, Any] = {}
    if previous is not None:
        kept_path = previous / "indicators" / "fingertips.parquet"
        if kept_path.exists():
            kept = pd.read_parquet(kept_path)
            kept = kept[~kept["indicator_id"].isin(list(tables))]
        old_manifest = current(refresh_dir=refresh_dir) or {}
    table = finish_indicators(pd.concat([fresh, kept], ignore_index=True)) if not kept.empty else fresh
    declared = set(_load_catalogue(data_dir, None)) | {s.indicator_id for s in series}
    _validate(table, declared=declared, data_dir=data_dir)

    _claim(refresh_dir, create=True)
    folder = refresh_dir / f"refresh-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    folder.mkdir()  # before the try: the clean-up below removes only a folder made here
    try:
        _mark(folder)
        (folder / "indicators").mkdir()
        table.to_parquet(folder / "indicators" / "fingertips.parquet", index=False, compression="zstd")
        records = _catalogue_records(fresh, chosen, meta, data_dir=data_dir)
        if previous is not None and (previous / "catalogue.json").exists():
            earlier = json.loads((previous / "catalogue.json").read_text(encoding="utf-8"))["indicators"]
            records = [r for r in earlier if r["indicator_id"] not in tables] + records
        (folder / "catalogue.json").write_text(json.dumps({"indicators": records}, indent=1), encoding="utf-8")
        entries = dict(old_manifest.get("indicators", {}))
        for s in chosen:
            entries[s.indicator_id] = {**meta[s.indicator_id], "rows": int((fresh["indicator_id"] == s.indicator_id).sum())}
        manifest = {"source": SOURCE, "base_url": base_url, "indicators": entries}
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, default=str), encoding="utf-8")
        _swap(refresh_dir, folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    report(1.0, "Done")
    rows = {s.indicator_id: int((fresh["indicator_id"] == s.indicator_id).sum()) for s in chosen}
    unplaced = {k: tuple(c for t in m["area_types"].values() for c in t["unplaced"]) for k, m in meta.items()}
    return Outcome(folder, rows, time.perf_counter() - start, unplaced)
