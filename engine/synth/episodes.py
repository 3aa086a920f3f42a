"""Synthetic episodes and assessments shaped like a real trust's: most people in clusters 1-4,
11-12 and 18-19, stays of weeks to years, step-ups to 14/15 and step-downs, some people under
two providers, a small share of overdue reviews, and a few bad rows of every kind the checks
catch. Same seed, same files: generation is vectorised over people with one seeded generator.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import polars as pl

from ..csvout import write_input_csv
from ..fileio import atomic_write_with
from ..inputs.tables import InputTable
from .areas import assign_services, shape_for
from .assessments import assessments_for
from .shape import BAD_KINDS, CODES, MEDIAN_DAYS, MIX, SERVICES, spoil, transition_table
from .spec import SynthSpec
from .tables import synthesise_tables, write_tables

EPOCH = dt.date(1970, 1, 1)
MAX_PERIODS = 6


def synthesise(spec: SynthSpec) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(spec.seed)
    periods = _periods(spec, rng)
    periods = _second_providers(periods, spec, rng)
    assessments = _assessments(periods, spec, rng)
    episodes = _as_text(periods, spec, rng)
    return _spoil(episodes, spec, rng), assessments


def _days(day: dt.date) -> int:
    return (day - EPOCH).days


def _periods(spec: SynthSpec, rng: np.random.Generator) -> pl.DataFrame:
    n, extract = spec.people, _days(spec.extract) + 1
    pair_weights = np.array([0.7] + [0.3 / max(len(spec.pairs) - 1, 1)] * (len(spec.pairs) - 1))
    pair = rng.choice(len(spec.pairs), size=n, p=pair_weights / pair_weights.sum())
    cluster = rng.choice(CODES, size=n, p=MIX)
    start = rng.integers(_days(spec.year_start) - 2 * 365, extract - 1, size=n)
    cumulative = transition_table()
    index_of = {code: i for i, code in enumerate(CODES)}
    to_index = np.vectorize(index_of.get)
    rows, alive = [], np.ones(n, dtype=bool)
    for step in range(MAX_PERIODS):
        length = np.maximum(3, rng.lognormal(np.log(np.take(MEDIAN_DAYS, to_index(cluster))), 0.8)).astype(np.int64)
        stop = start + length
        rows.append(pl.DataFrame({
            "person": np.arange(n)[alive], "step": np.full(alive.sum(), step), "pair": pair[alive],
            "cluster": cluster[alive], "start": start[alive], "stop": stop[alive],
        }))
        nxt = (cumulative[to_index(cluster)] > rng.random(n)[:, None]).argmax(axis=1)
        discharged = rng.random(n) < 0.18
        gap = np.where(discharged, rng.integers(30, 400, size=n), 0)
        cluster, start = np.asarray(CODES)[nxt], stop + gap
        alive &= (start < extract) & (rng.random(n) > 0.08)
    # the extract holds a year of history before the contract year, not every period ever
    frame = pl.concat(rows).filter((pl.col("start") < extract) & (pl.col("stop") >= _days(spec.year_start) - 365))
    return frame.with_columns(stop=pl.when(pl.col("stop") >= extract).then(None).otherwise(pl.col("stop")))


def _second_providers(periods: pl.DataFrame, spec: SynthSpec, rng: np.random.Generator) -> pl.DataFrame:
    """About 4% of people are also under a second provider for part of the time."""
    if len({p for p, _ in spec.pairs}) < 2:
        return periods
    firsts = periods.filter(pl.col("step") == 0)
    chosen = firsts.filter(pl.Series(rng.random(firsts.height) < 0.04))
    # a pair whose provider differs from the person's own: shift along the list of pairs
    providers = [p for p, _ in spec.pairs]
    other = {i: next(j for k in range(1, len(providers)) if providers[j := (i + k) % len(providers)] != providers[i])
             for i in range(len(providers))}
    extra = chosen.with_columns(
        pair=pl.col("pair").replace_strict(other, return_dtype=pl.Int64),
        step=pl.lit(MAX_PERIODS),
        start=pl.col("start") + pl.Series(rng.integers(0, 60, size=chosen.height)),
    ).with_columns(stop=pl.col("start") + pl.Series(rng.integers(60, 500, size=chosen.height)))
    extract = _days(spec.extract) + 1
    extra = extra.with_columns(stop=pl.when(pl.col("stop") >= extract).then(None).otherwise(pl.col("stop")))
    return pl.concat([periods, extra.select(periods.columns)], how="vertical_relaxed").sort("person", "step")


def _assessments(periods: pl.DataFrame, spec: SynthSpec, rng: np.random.Generator) -> pl.DataFrame:
    """An MHCT at each period's start and reviews before each review period runs out, except
    for the people whose reviews lapse; HoNOS alongside each MHCT, WEMWBS for some."""
    return assessments_for(periods, spec, rng, EPOCH)


def _as_text(periods: pl.DataFrame, spec: SynthSpec, rng: np.random.Generator) -> pl.DataFrame:
    n = periods.height
    providers = {i: p for i, (p, _) in enumerate(spec.pairs)}
    commissioners = {i: c for i, (_, c) in enumerate(spec.pairs)}
    padded = rng.random(n) < 0.3
    uk_dates = rng.random(n) < 0.02
    services = {c: SERVICES.get(c, "CMHT") for c in range(22)}
    cluster = periods["cluster"].to_numpy()
    inpatient = rng.random(n) < np.select([np.isin(cluster, [13, 14, 15, 17]), cluster >= 3], [0.15, 0.01], 0.0)
    frame = periods.with_columns(
        episode_id=pl.format("EP{}", (pl.int_range(1, n + 1)).cast(pl.String).str.pad_start(8, "0")),
        patient_id=pl.format("P{}", (pl.col("person") + 1).cast(pl.String).str.pad_start(7, "0")),
        provider=pl.col("pair").replace_strict(providers, return_dtype=pl.String),
        commissioner=pl.col("pair").replace_strict(commissioners, return_dtype=pl.String),
        cluster=pl.when(pl.Series(padded)).then(pl.col("cluster").cast(pl.String).str.pad_start(2, "0"))
        .otherwise(pl.col("cluster").cast(pl.String)),
        start_date=_date_text(pl.col("start"), uk_dates),
        end_date=_date_text(pl.col("stop"), uk_dates),
        setting=pl.when(pl.Series(inpatient)).then(pl.lit("inpatient")).otherwise(pl.lit("community")),
        service=_services(periods, spec, rng) if spec.services else
        pl.col("cluster").replace_strict(services, return_dtype=pl.String),
    )
    return frame.select("episode_id", "patient_id", "provider", "commissioner", "cluster", "start_date",
                        "end_date", "setting", "service")


def _services(periods: pl.DataFrame, spec: SynthSpec, rng: np.random.Generator) -> pl.Series:
    assert spec.services is not None  # only an area with services of its own assigns them
    providers = {i: p for i, (p, _) in enumerate(spec.pairs)}
    provider = periods["pair"].replace_strict(providers, return_dtype=pl.String).to_numpy()
    return pl.Series(assign_services(periods["cluster"].to_numpy(), provider, spec.services, rng), dtype=pl.String)


def _date_text(days: pl.Expr, uk: np.ndarray) -> pl.Expr:
    day = pl.lit(EPOCH) + pl.duration(days=days)
    return pl.when(pl.Series(uk)).then(day.dt.to_string("%d/%m/%Y")).otherwise(day.dt.to_string("%Y-%m-%d"))


def _spoil(episodes: pl.DataFrame, spec: SynthSpec, rng: np.random.Generator) -> pl.DataFrame:
    """Bad rows of every kind, each a share of ``bad_share``, at seeded places."""
    return spoil(episodes, spec.bad_share, rng, BAD_KINDS)


def spec_for(ruleset, people: int, seed: int, bad_share: float = 0.01, as_of: dt.date | None = None) -> SynthSpec:
    """Synthetic data for a ruleset's own parties, pairs named by the arrangements that price
    episodes first (not the account a personal health budget is paid through), in the services
    of the ruleset's area when it is a bundled one."""
    pairs = [(a.provider, a.commissioner) for a in ruleset.arrangements
             if a.provider and a.commissioner and ruleset.option_of(a).price is not None]
    if not pairs:
        pairs = [(p, c) for p in ruleset.providers for c in ruleset.commissioners]
    shape = shape_for(ruleset.document.area)
    return SynthSpec(people, seed, tuple(dict.fromkeys(pairs)), ruleset.period.start, ruleset.period.end, bad_share,
                     as_of=as_of, services=shape.services if shape else None)


def assessments_path(episodes_path: Path) -> Path:
    return episodes_path.with_name(f"{episodes_path.stem}-assessments{episodes_path.suffix}")


def write_synthetic(spec: SynthSpec, out: Path, ruleset=None,
                    tables: Mapping[str, InputTable] | None = None) -> tuple[Path, Path, int, int, dict[str, Path]]:
    """Episodes to ``out`` (CSV, or Parquet for .parquet) and assessments beside it; given the
    ruleset and the input tables declared, also each table the ruleset's options read."""
    episodes, assessments = synthesise(spec)
    second = assessments_path(Path(out))
    for frame, path in ((episodes, Path(out)), (assessments, second)):
        if path.suffix.lower() == ".parquet":
            atomic_write_with(path, frame.write_parquet)
        else:
            write_input_csv(path, frame)
    made = synthesise_tables(ruleset, spec, episodes, assessments, tables) if ruleset is not None and tables else {}
    return Path(out), second, episodes.height, assessments.height, write_tables(made, Path(out))
