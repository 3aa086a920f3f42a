"""Load and check assessments (MHCT clustering reviews, HoNOS, WEMWBS, SWEMWBS).

An MHCT assessment is a cluster review. HoNOS item scores (``item_1`` to ``item_12``) are read
only when the run's options or indicators ask for them (``items``), as small integers, each blank
or a whole number from 0 to 4 on a HoNOS row. Bad rows go to the exceptions report (source
``assessments``) and are not used; the run goes on with the rest. Only the columns later stages
use are kept: a row's text only while it is being reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import polars as pl

from ..clusters import EXPECTED as CLUSTER_WORDS
from .checks import RowCheck, missing, not_in, run_checks, unparsed
from .read import Checked, Plan, cluster_expr, date_expr, date_words, integer_expr, read_checked

REQUIRED = ("patient_id", "provider", "assessment_date", "tool")
TOOLS = {"mhct": "MHCT", "honos": "HoNOS", "wemwbs": "WEMWBS", "swemwbs": "SWEMWBS"}
TOTAL_RANGES = {"HoNOS": (0, 48), "WEMWBS": (14, 70), "SWEMWBS": (7, 35)}
PARSED = ("assessment_date", "tool", "cluster", "total")
HONOS_ITEMS = tuple(f"item_{i}" for i in range(1, 13))
KEPT = ("patient_id", "provider", "assessment_date", "tool", "cluster", "total")  # and the items asked for
REVIEW_COLUMNS = {"patient_id": pl.String, "provider": pl.String, "review_date": pl.Date}


def read_assessments(path: Path, providers: list[str], items: Iterable[int] = ()) -> Checked:
    """The assessments file read and checked: its usable rows (``row``, the ``KEPT`` columns
    typed, and ``item_<n>`` as Int8 for each HoNOS item asked for that the file has) and an
    exception entry for every other row."""

    def plan(columns: list[str]) -> Plan:
        scored = [f"item_{i}" for i in sorted(set(items)) if f"item_{i}" in columns]

        def parse(frame: pl.LazyFrame) -> pl.LazyFrame:
            texts = {f"_text_{c}": pl.col(c) for c in (*PARSED, *scored)}
            return frame.with_columns(**texts).with_columns(
                assessment_date=date_expr("_text_assessment_date"),
                tool=pl.col("_text_tool").str.to_lowercase().replace_strict(TOOLS, default=None),
                cluster=cluster_expr("_text_cluster"),
                total=integer_expr("_text_total"),
                **{c: pl.col(f"_text_{c}").cast(pl.Int8, strict=False) for c in scored},
            )

        return Plan(parse, assessment_checks(providers) + item_checks(scored), [*KEPT, *scored], [*PARSED, *scored])

    return read_checked(path, "assessments", REQUIRED, ("cluster", "total"), plan)


def assessment_checks(providers: list[str]) -> list[RowCheck]:
    mhct = pl.col("tool") == "MHCT"
    low = pl.col("tool").replace_strict({t: r[0] for t, r in TOTAL_RANGES.items()}, default=None, return_dtype=pl.Int64)
    high = pl.col("tool").replace_strict({t: r[1] for t, r in TOTAL_RANGES.items()}, default=None, return_dtype=pl.Int64)
    return [
        *(missing(c, parsed=c in PARSED) for c in REQUIRED),
        unparsed("assessment_date", "bad_date", date_words()),
        unparsed("tool", "unknown_tool", "one of " + ", ".join(TOOLS.values())),
        unparsed("cluster", "unknown_cluster", CLUSTER_WORDS),
        RowCheck("missing_value", "cluster", mhct & pl.col("_text_cluster").is_null(),
                 pl.lit("an MHCT assessment needs the cluster it assigned")),
        unparsed("total", "bad_total", "a whole number"),
        RowCheck("bad_total", "total", (pl.col("total") < low) | (pl.col("total") > high),
                 pl.concat_str(pl.lit("a "), pl.col("tool"), pl.lit(" total must be from "), low.cast(pl.String),
                               pl.lit(" to "), high.cast(pl.String), pl.lit(", found "), pl.col("_text_total"))),
        not_in("provider", "unknown_provider", providers, "a provider party to the ruleset"),
    ]


def item_checks(columns: list[str]) -> list[RowCheck]:
    """HoNOS item scores (``_text_<item>`` beside each), each blank or a whole number 0 to 4."""
    honos = pl.col("tool") == "HoNOS"
    checks = []
    for column in (c for c in HONOS_ITEMS if c in columns):
        text = pl.col(f"_text_{column}")
        checks.append(RowCheck("bad_item", column, honos & text.is_not_null() & ~text.str.contains(r"^[0-4]$"),
                               pl.concat_str(pl.lit(f"a HoNOS {column.replace('_', ' ')} score is blank or a whole "
                                                    "number from 0 to 4, found '"), text, pl.lit("'"))))
    return checks


def reviews_of(assessments: pl.DataFrame | None, horizon) -> pl.DataFrame:
    """MHCT reviews dated before the horizon: later ones have not happened yet for this run."""
    if assessments is None:
        return pl.DataFrame(schema=REVIEW_COLUMNS)
    keys = ("patient_id", "provider", "review_date")
    # sorted, then a review kept where it differs from the one before: a quarter of the cost
    # of hashing every review to drop the repeats
    new = pl.any_horizontal([pl.col(k).ne_missing(pl.col(k).shift(1)) for k in keys]) | (pl.int_range(pl.len()) == 0)
    return assessments.lazy().filter((pl.col("tool") == "MHCT") & (pl.col("assessment_date") < horizon)).select(
        "patient_id", "provider", review_date="assessment_date"
    ).sort(keys).filter(new).collect()
