"""Load and check assessments (MHCT clustering reviews, HoNOS, WEMWBS, SWEMWBS).

An MHCT assessment is a cluster review. HoNOS item scores (``item_1`` to ``item_12``, kept as
text for the options that weigh them) are each blank or a whole number from 0 to 4. Bad rows go
to the exceptions report (source ``assessments``) and are not used; the run goes on with the rest.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ..clusters import EXPECTED as CLUSTER_WORDS
from .checks import RowCheck, missing, not_in, run_checks, unparsed
from .read import DATE_WORDS, cluster_expr, date_expr, integer_expr, read_input

REQUIRED = ("patient_id", "provider", "assessment_date", "tool")
TOOLS = {"mhct": "MHCT", "honos": "HoNOS", "wemwbs": "WEMWBS", "swemwbs": "SWEMWBS"}
TOTAL_RANGES = {"HoNOS": (0, 48), "WEMWBS": (14, 70), "SWEMWBS": (7, 35)}
PARSED = ("assessment_date", "tool", "cluster", "total")
HONOS_ITEMS = tuple(f"item_{i}" for i in range(1, 13))
REVIEW_COLUMNS = {"patient_id": pl.String, "provider": pl.String, "review_date": pl.Date}


def read_assessments(path: Path) -> pl.DataFrame:
    frame = read_input(path, "assessments", REQUIRED, ("cluster", "total"))
    texts = {f"_text_{c}": pl.col(c) for c in PARSED}
    return frame.with_columns(**texts).with_columns(
        assessment_date=date_expr("_text_assessment_date"),
        tool=pl.col("_text_tool").str.to_lowercase().replace_strict(TOOLS, default=None),
        cluster=cluster_expr("_text_cluster"),
        total=integer_expr("_text_total"),
    )


def assessment_checks(providers: list[str]) -> list[RowCheck]:
    mhct = pl.col("tool") == "MHCT"
    low = pl.col("tool").replace_strict({t: r[0] for t, r in TOTAL_RANGES.items()}, default=None, return_dtype=pl.Int64)
    high = pl.col("tool").replace_strict({t: r[1] for t, r in TOTAL_RANGES.items()}, default=None, return_dtype=pl.Int64)
    return [
        *(missing(c, parsed=c in PARSED) for c in REQUIRED),
        unparsed("assessment_date", "bad_date", DATE_WORDS),
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
    """HoNOS item scores, for the item columns the file has: each blank or a whole number 0 to 4."""
    honos = pl.col("tool") == "HoNOS"
    checks = []
    for column in (c for c in HONOS_ITEMS if c in columns):
        text = pl.col(column).cast(pl.String)
        checks.append(RowCheck("bad_item", column, honos & text.is_not_null() & ~text.str.contains(r"^[0-4]$"),
                               pl.concat_str(pl.lit(f"a HoNOS {column.replace('_', ' ')} score is blank or a whole "
                                                    "number from 0 to 4, found '"), text, pl.lit("'"))))
    return checks


def check_assessments(frame: pl.DataFrame, providers: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The usable assessments and the exception rows for the rest."""
    exceptions = run_checks(frame, assessment_checks(providers) + item_checks(frame.columns), "assessments")
    good = frame.join(exceptions.select("row").unique(), on="row", how="anti")
    return good.drop([c for c in good.columns if c.startswith("_text_")]), exceptions


def reviews_of(assessments: pl.DataFrame | None, horizon) -> pl.DataFrame:
    """MHCT reviews dated before the horizon: later ones have not happened yet for this run."""
    if assessments is None:
        return pl.DataFrame(schema=REVIEW_COLUMNS)
    return assessments.filter((pl.col("tool") == "MHCT") & (pl.col("assessment_date") < horizon)).select(
        "patient_id", "provider", review_date="assessment_date"
    ).unique().sort("patient_id", "provider", "review_date")
