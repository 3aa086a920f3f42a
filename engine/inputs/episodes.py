"""Load and check care cluster assignment periods (one row per period).

Every input row ends up either checked (and later priced) or in the exceptions report with a
reason. Row checks come from the ``localpay_episode_checks`` hook; checks across rows (repeated
episode ids) are made here.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ..clusters import EXPECTED as CLUSTER_WORDS
from ..lines import EXCEPTION_COLUMNS
from ..periods import DAY_COUNTS
from .checks import RowCheck, missing, not_in, run_checks, unparsed
from .read import cluster_expr, date_expr, date_words, read_input

REQUIRED = ("episode_id", "patient_id", "provider", "commissioner", "cluster", "start_date", "end_date")
SETTINGS = ("community", "inpatient")
PARSED = ("cluster", "start_date", "end_date", "setting")


def read_episodes(path: Path) -> pl.DataFrame:
    return read_input(path, "episodes", REQUIRED, ("setting", "service"))


def parse_episodes(frame: pl.DataFrame, day_count: str) -> pl.DataFrame:
    """Typed columns beside the text they came from (``_text_<column>``); ``stop`` is the first
    day not paid under the day-count convention (null while the period is open)."""
    texts = {f"_text_{c}": pl.col(c) for c in PARSED}
    setting = pl.col("setting").str.to_lowercase().fill_null("community")
    # lazily, so that each date is parsed once however often its checks name it
    return frame.lazy().with_columns(**texts).with_columns(
        cluster=cluster_expr("_text_cluster"),
        start_date=date_expr("_text_start_date"),
        end_date=date_expr("_text_end_date"),
        setting=setting,
    ).with_columns(stop=pl.col("end_date") + pl.duration(days=DAY_COUNTS[day_count])).collect()


def default_checks(providers: list[str], commissioners: list[str]) -> list[RowCheck]:
    return [
        *(missing(c, parsed=c in PARSED) for c in REQUIRED if c != "end_date"),
        unparsed("cluster", "unknown_cluster", CLUSTER_WORDS),
        unparsed("start_date", "bad_date", date_words()),
        unparsed("end_date", "bad_date", date_words()),
        RowCheck("end_before_start", "end_date", pl.col("end_date") < pl.col("start_date"),
                 pl.concat_str(pl.lit("the period ends ("), pl.col("_text_end_date"),
                               pl.lit(") before it starts ("), pl.col("_text_start_date"), pl.lit(")"))),
        not_in("setting", "unknown_setting", list(SETTINGS), "a known setting"),
        not_in("provider", "unknown_provider", providers, "a provider party to the ruleset"),
        not_in("commissioner", "unknown_commissioner", commissioners, "a commissioner party to the ruleset"),
    ]


def check_episodes(frame: pl.DataFrame, checks: list[RowCheck]) -> pl.DataFrame:
    """Exception rows for every row check and for repeated episode ids."""
    found = run_checks(frame, checks, "episodes") if checks else None
    parts = [found] if found is not None else []
    parts.append(repeated_ids(frame))
    return pl.concat(parts, how="vertical") if parts else pl.DataFrame(schema=EXCEPTION_COLUMNS)


def repeated_ids(frame: pl.DataFrame) -> pl.DataFrame:
    """An id on several rows: exact repeats of a row are dropped (the first is kept); rows that
    share an id but differ are all excluded, since nobody can tell which one is right."""
    raw = [c for c in frame.columns if c != "row" and not c.startswith("_") and c not in ("stop",) + PARSED]
    raw += [f"_text_{c}" for c in PARSED]
    ids = frame.filter(pl.col("episode_id").is_not_null() & (pl.len().over("episode_id") > 1))
    ids = ids.with_columns(
        _variants=pl.struct(raw).n_unique().over("episode_id"),
        _first=pl.col("row").min().over("episode_id"),
        _rows=pl.col("row").cast(pl.String).implode().over("episode_id").list.join(", "),
    )
    exact = ids.filter((pl.col("_variants") == 1) & (pl.col("row") != pl.col("_first")))
    conflicting = ids.filter(pl.col("_variants") > 1)
    return pl.concat([
        _repeat_rows(exact, "repeated_row", pl.concat_str(
            pl.lit("this row repeats row "), pl.col("_first").cast(pl.String), pl.lit(" exactly; it is counted once"))),
        _repeat_rows(conflicting, "duplicate_episode_id", pl.concat_str(
            pl.lit("episode_id '"), pl.col("episode_id"), pl.lit("' is on rows "), pl.col("_rows"),
            pl.lit(" with different values; none of them is paid until the data is corrected"))),
    ])


def _repeat_rows(frame: pl.DataFrame, code: str, reason: pl.Expr) -> pl.DataFrame:
    return frame.select(
        source=pl.lit("episodes"), row="row", episode_id="episode_id", provider="provider",
        commissioner="commissioner", column=pl.lit("episode_id"), value="episode_id",
        reason_code=pl.lit(code), reason=reason, action=pl.lit("excluded"),
    ).cast(EXCEPTION_COLUMNS)  # type: ignore[arg-type]  # polars types a cast's keys as names, selectors or types
