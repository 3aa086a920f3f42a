"""Synthetic input tables beside the episodes, for the options a ruleset uses: a budgets file for
personal health budgets, a returns file for measures its providers report, a population file for
capitation. Same seed, same files: one generator seeded from the spec's seed, apart from the
episodes' own, so adding a table never changes the episodes.

- **Budgets**: for each ``phb`` arrangement, one row per chosen person (the same people for every
  commissioner, so an area with two funders has integrated budgets, a part from each), starting
  a few days after one of their HoNOS assessments. The agreed amount is the indicative budget
  the arrangement's allocation gives for that HoNOS and cluster, times 0.85 to 1.25, to the
  pound: most agreed inside the moderation band, some outside it. Some budgets have ended,
  most direct payments are partly unspent, and a review follows about three months in.
- **Returns**: for each ``reported`` measure, goal or KPI, a row for every month from the start
  of the contract to the extract, a rate around its floor and target; the provider's own for
  outcomes and CQUIN, the alliance's (no provider) for an alliance KPI.
- **Population**: for each capitation commissioner, forty people for each synthetic person.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import numpy as np
import polars as pl

from ..fileio import atomic_write_with
from ..periods import Month, months_between
from .areas import shape_for


def synthesise_tables(ruleset, spec, episodes: pl.DataFrame, assessments: pl.DataFrame) -> dict[str, pl.DataFrame]:
    rng = np.random.default_rng([spec.seed, 20250401])
    tables = {}
    phbs = [a for a in ruleset.arrangements if a.option == "phb"]
    if phbs:
        tables["budgets"] = _budgets(ruleset, spec, phbs, episodes, assessments, rng)
    reported = _reported(ruleset)
    if reported:
        tables["returns"] = _returns(spec, reported, rng)
    payers = list(dict.fromkeys(a.commissioner for a in ruleset.arrangements if a.option == "capitation"))
    if payers:
        tables["population"] = _population(spec, payers, rng)
    return tables


def write_tables(tables: dict[str, pl.DataFrame], episodes_path: Path) -> dict[str, Path]:
    """Each table as ``<episodes stem>-<name>.csv`` beside the episodes."""
    paths = {}
    for name, frame in tables.items():
        path = Path(episodes_path).with_name(f"{Path(episodes_path).stem}-{name}.csv")
        atomic_write_with(path, lambda tmp, f=frame: f.write_csv(tmp))
        paths[name] = path
    return paths


# --- budgets -----------------------------------------------------------------------------------

EPOCH = dt.date(1970, 1, 1)


def _budgets(ruleset, spec, phbs, episodes, assessments, rng) -> pl.DataFrame:
    shape = shape_for(ruleset.document.area)
    chosen = _budget_holders(spec, shape, phbs[0], episodes, assessments, rng)
    n, extract = chosen.height, _days(spec.extract)
    direct = shape.direct_payments if shape else 0.4
    kind = np.where(rng.random(n) < direct, "direct_payment", np.where(rng.random(n) < 0.6, "third_party", "notional"))
    start = (chosen["day"] + pl.Series(rng.integers(1, 10, size=n))).clip(upper_bound=extract)
    ends = start + pl.Series(rng.integers(60, 300, size=n))
    ended = pl.Series(rng.random(n) < 0.12) & (ends <= extract)
    reviewed = start + pl.Series(rng.integers(80, 100, size=n))
    # per mille of the money paid so far that has been spent
    spent = pl.Series(np.where(kind == "direct_payment", rng.integers(550, 1000, size=n), rng.integers(850, 1000, size=n)))
    factor = pl.Series(rng.integers(85, 126, size=n))  # per cent of the indicative budget
    held = (pl.select(pl.when(ended).then(ends).otherwise(extract + 1)).to_series()
            - start.clip(lower_bound=_days(spec.year_start))).clip(lower_bound=0)
    frames = []
    for arrangement in phbs:
        # to the pound, and at least 100.00
        agreed = ((_indicative_pence(arrangement, chosen) * factor + 5_000) // 10_000 * 100).clip(lower_bound=10_000)
        paid = agreed * held // 365
        frames.append(pl.DataFrame({
            "patient_id": chosen["patient_id"],
            "start_date": _date_text(start),
            "end_date": _date_text(ends).zip_with(ended, pl.Series([None] * n, dtype=pl.String)),
            "type": pl.Series(kind, dtype=pl.String),
            "agreed_annual_amount": _pounds_text(agreed),
            "spent_to_date": _pounds_text(paid * spent // 1000),
            "commissioner": pl.Series([arrangement.commissioner] * n, dtype=pl.String),
            "last_review": _date_text(reviewed).zip_with(reviewed <= extract, pl.Series([None] * n, dtype=pl.String)),
        }))
    return pl.concat(frames)


def _days(day: dt.date) -> int:
    return (day - EPOCH).days


def _date_text(days: pl.Series) -> pl.Series:
    return pl.select((pl.lit(EPOCH) + pl.duration(days=days)).dt.to_string("%Y-%m-%d")).to_series()


def _pounds_text(pence: pl.Series) -> pl.Series:
    return pl.select(pl.format("{}.{}", pence // 100, (pence % 100).cast(pl.String).str.pad_start(2, "0"))).to_series()


def _budget_holders(spec, shape, first, episodes, assessments, rng) -> pl.DataFrame:
    """The people holding a budget, each with one HoNOS (``day``, the item scores) and the
    cluster of the MHCT beside it: people with episodes for the first phb commissioner, if any."""
    honos = assessments.filter(pl.col("tool") == "HoNOS").with_columns(
        day=(pl.col("assessment_date").str.to_date() - pl.lit(EPOCH)).dt.total_days())
    clusters = assessments.filter(pl.col("tool") == "MHCT").select("patient_id", "assessment_date", "cluster")
    honos = honos.join(clusters.unique(["patient_id", "assessment_date"], keep="first", maintain_order=True),
                       on=["patient_id", "assessment_date"], how="left", suffix="_mhct")
    window = honos.filter(pl.col("day").is_between(_days(spec.year_start) - 270, _days(spec.extract) - 7))
    theirs = episodes.filter(pl.col("commissioner") == first.commissioner)["patient_id"].drop_nulls().unique()
    if theirs.len():
        window = window.filter(pl.col("patient_id").is_in(theirs.implode()))
    people = window["patient_id"].unique().sort()
    wanted = shape.budgets if shape else 0
    count = wanted if isinstance(wanted, int) else round(wanted * spec.people)
    picked = people.gather(np.sort(rng.choice(people.len(), size=min(count, people.len()), replace=False)))
    rows = window.filter(pl.col("patient_id").is_in(picked.implode())).sort("patient_id", "day")
    # one of each person's HoNOS, at random
    rows = rows.with_columns(_key=pl.Series(rng.random(rows.height))).sort("patient_id", "_key")
    return rows.unique("patient_id", keep="first", maintain_order=True).sort("patient_id").with_columns(
        cluster=pl.col("cluster_mhct").cast(pl.Int64, strict=False),
        **{f"item_{i}": pl.col(f"item_{i}").cast(pl.Int64, strict=False).fill_null(0) for i in range(1, 13)})


def _hundredths(value: Decimal) -> int:
    return int(value * 100)


def _indicative_pence(arrangement, chosen: pl.DataFrame) -> pl.Series:
    """The allocation's indicative budget a year, in pence, from points held as integer
    hundredths: weighted items plus the cluster's points, x the price per point, or the
    annual amount of the highest band the points reach."""
    allocation = arrangement.allocation
    points = pl.sum_horizontal([pl.col(f"item_{item}") * _hundredths(weight)
                                for item, weight in allocation.item_weights.items()])
    if allocation.cluster_points:
        table = {int(c): _hundredths(p) for c, p in allocation.cluster_points.items()}
        points = points + pl.col("cluster").replace_strict(table, default=0, return_dtype=pl.Int64).fill_null(0)
    scored = chosen.select(points=points)["points"]
    if allocation.price_per_point is not None:
        return (scored * _hundredths(allocation.price_per_point) + 50) // 100
    result = pl.Series([0] * len(scored), dtype=pl.Int64)
    for band in allocation.bands:  # listed from the fewest points up: the highest reached wins
        reached = scored >= _hundredths(band.start)
        result = result.zip_with(~reached, pl.Series([_hundredths(band.annual)] * len(scored), dtype=pl.Int64))
    return result


# --- returns -----------------------------------------------------------------------------------

def _reported(ruleset) -> list[tuple[str, str | None, float, float]]:
    """(measure name, provider or None, low, high) for each reported measure, once each."""
    found: dict[tuple[str, str | None], tuple[float, float]] = {}
    for arrangement in ruleset.arrangements:
        risk = getattr(arrangement, "risk_reward", None)
        measures = getattr(arrangement, "measures", None) or getattr(arrangement, "goals", None) or (risk.kpis if risk else [])
        provider = None if arrangement.option == "alliance" else arrangement.provider
        for measure in measures:
            if measure.indicator != "reported":
                continue
            marks = [m for m in (measure.floor, measure.target) if m is not None] or [b.at for b in measure.bands or []]
            marks = marks or [Decimal("0.5")]
            name = measure.parameters.get("name") or measure.id
            found.setdefault((name, provider), (float(min(marks)), float(max(marks))))
    return [(name, provider, low, high) for (name, provider), (low, high) in found.items()]


def _returns(spec, reported, rng) -> pl.DataFrame:
    months = [m.label for m in months_between(Month.of(spec.year_start), Month.of(spec.extract))]
    rows = []
    for name, provider, low, high in reported:
        denominator = rng.integers(max(20, spec.people // 60), max(40, spec.people // 15), size=len(months))
        rate = np.clip(rng.uniform(low - 0.12, high + 0.08, size=len(months)), 0, 1)
        numerator = np.floor(denominator * rate).astype(np.int64)
        rows += [(name, month, int(a), int(b), provider or "") for month, a, b in zip(months, numerator, denominator)]
    return pl.DataFrame(rows, schema={"measure": pl.String, "period": pl.String, "numerator": pl.Int64,
                                      "denominator": pl.Int64, "provider": pl.String}, orient="row")


# --- population --------------------------------------------------------------------------------

def _population(spec, payers: list[str], rng) -> pl.DataFrame:
    months = [m.label for m in months_between(Month.of(spec.year_start), Month.of(spec.extract))]
    rows = []
    for payer in payers:
        base = spec.people * 40
        drift = np.cumsum(rng.integers(-base // 400, base // 200 + 1, size=len(months)))
        rows += [(payer, month, int(base + d)) for month, d in zip(months, drift)]
    return pl.DataFrame(rows, schema={"commissioner": pl.String, "period": pl.String, "population": pl.Int64}, orient="row")
