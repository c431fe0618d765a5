"""The ordered list of build stages and the runner."""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from geo.errors import AtlasError
from geo.ingest._common import BuildContext, Output, Stage, summarise, timed

__all__ = ["STAGES", "run"]

#: Modules that each define ``STAGES: list[Stage]``, in dependency order.
_STAGE_MODULES: tuple[str, ...] = (
    "geo.ingest.lsoa",
    "geo.ingest.lsoa_change",
    "geo.ingest.lad",
    "geo.ingest.pct",
    "geo.ingest.lookups",
    "geo.ingest.imd",
    "geo.ingest.health",
    "geo.ingest.population",
    "geo.ingest.housing",
    "geo.ingest.summaries",
    "geo.ingest.outcomes",
    "geo.ingest.tiles",
    "geo.ingest.postcodes",
    "geo.ingest.catalogue",
)


def _collect() -> list[Stage]:
    stages: list[Stage] = []
    for name in _STAGE_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # stage module not written yet
            raise
        stages.extend(module.STAGES)
    return _ordered(stages)


def _ordered(stages: list[Stage]) -> list[Stage]:
    """Order stages so that each comes after the stages it needs."""
    by_name = {s.name: s for s in stages}
    done: list[Stage] = []
    seen: set[str] = set()

    def visit(stage: Stage) -> None:
        if stage.name in seen:
            return
        seen.add(stage.name)
        for dep in stage.needs:
            if dep in by_name:
                visit(by_name[dep])
        done.append(stage)

    for stage in stages:
        visit(stage)
    return done


STAGES: list[Stage] = _collect()


def run(ctx: BuildContext, *, only: Sequence[str] = ()) -> list[tuple[str, Output]]:
    """Run the stages (all, or those named in ``only``) and return what they wrote."""
    known = {s.name for s in STAGES}
    unknown = [n for n in only if n not in known]
    if unknown:
        raise AtlasError(
            f"Unknown stage(s) {', '.join(unknown)}; expected some of {', '.join(sorted(known))}."
        )
    written: list[tuple[str, Output]] = []
    selected = [s for s in STAGES if not only or s.name in only]
    for i, stage in enumerate(selected, 1):
        ctx.log(f"[{i}/{len(selected)}] {stage.name}: {stage.description} ...")
        outputs, seconds = timed(ctx, stage)
        rows = sum(o.rows for o in outputs)
        ctx.log(f"[{i}/{len(selected)}] {stage.name}: {len(outputs)} file(s), {rows:,} rows, {seconds:.1f}s")
        written.extend((stage.name, o) for o in outputs)
    ctx.log(summarise(written))
    return written
