"""Nothing lost: every episode row is priced (it has a payment line) or excepted (it has an
exception entry saying why not). Rows that are valid but have nothing payable in the statement
months are accounted for here too, with the reason."""

from __future__ import annotations

import polars as pl

from .lines import EXCEPTION_COLUMNS

NOT_PRICED = ("excluded", "no_activity")
SET_ASIDE = "superseded"  # a row a later submission of the same episode in the file replaces: read, not priced
NO_ACTIVITY = ("outside_period", "nothing_due")  # valid rows with nothing payable in the months


def no_days(valid: pl.DataFrame, day_count: str) -> pl.DataFrame:
    """A period that ends on the day it starts has no days when the end date is not counted."""
    empty = valid.filter(pl.col("stop") == pl.col("start_date"))
    return _entries(empty, "end_date", pl.col("end_date").dt.to_string("%Y-%m-%d"), "no_days",
                    pl.lit(f"the period starts and ends on the same day, so it has no days under {day_count}"),
                    "excluded")


def settle_actions(found: pl.DataFrame, lines: pl.DataFrame) -> pl.DataFrame:
    """An option's exception on an episode row that still has lines (from it or another option)
    means fewer days were paid, not that the row was left out. An exception about another input
    (a missing population) keeps the action the option gave it, ``excluded`` if none."""
    paid = lines["episode_id"].drop_nulls().unique().implode()
    episode = pl.when(pl.col("episode_id").is_in(paid)).then(pl.lit("trimmed")).otherwise(pl.lit("excluded"))
    return found.with_columns(
        action=pl.when(pl.col("source") == "episodes").then(episode)
        .otherwise(pl.col("action").fill_null(pl.lit("excluded")))
    )


def unaccounted(parsed, lines, exceptions, spans, months, horizon, ruleset) -> pl.DataFrame:
    """Entries for valid rows that have no line and no reason yet."""
    explained = exceptions.filter((pl.col("source") == "episodes") & pl.col("action").is_in(NOT_PRICED))
    # one lazy query over the columns the entries quote
    rest = parsed.lazy().select("row", "episode_id", "provider", "commissioner", "start_date", "_text_start_date",
                                "_text_end_date").join(explained.lazy().select("row").unique(), on="row", how="anti").join(
        lines.lazy().select("episode_id").unique(), on="episode_id", how="anti"
    ).collect()
    if rest.is_empty():
        return pl.DataFrame(schema=EXCEPTION_COLUMNS)
    first = months[0].start
    active = spans.filter((pl.col("span_start") < horizon) & (pl.col("span_stop") > first))
    covered = pl.DataFrame(
        [(a.provider, a.commissioner, True) for a in ruleset.arrangements if ruleset.option_of(a).price is not None],
        schema={"provider": pl.String, "commissioner": pl.String, "_covered": pl.Boolean}, orient="row",
    ).unique()
    rest = rest.join(covered, on=["provider", "commissioner"], how="left").with_columns(
        _active=pl.col("episode_id").is_in(active["episode_id"].implode()),
        _covered=pl.col("_covered").fill_null(False),
    )
    window = f"{months[0]} to {months[-1]}" if len(months) > 1 else str(months[0])
    runs = pl.concat_str(pl.lit("the period runs from "), pl.col("_text_start_date"), pl.lit(" to "),
                         pl.col("_text_end_date").fill_null("(open)"))
    outside = _entries(rest.filter(~pl.col("_active")), "start_date", pl.col("_text_start_date"), "outside_period",
                       pl.concat_str(pl.lit(f"no days in {window}: "), runs), "no_activity")
    inside = rest.filter(pl.col("_active"))
    uncovered = _entries(inside.filter(~pl.col("_covered")), "provider", pl.col("provider"), "no_arrangement",
                         pl.concat_str(pl.lit("no arrangement prices episodes of provider "), pl.col("provider"),
                                       pl.lit(" for commissioner "), pl.col("commissioner")), "excluded")
    not_due = _entries(inside.filter(pl.col("_covered")), "start_date", pl.col("_text_start_date"), "nothing_due",
                       pl.lit(f"in {window}, but nothing falls due then under the arrangement's basis "
                              "(for example, the episode or review period started earlier)"), "no_activity")
    return pl.concat([outside, uncovered, not_due])


def _entries(rows: pl.DataFrame, column: str, value: pl.Expr, code: str, reason: pl.Expr, action: str) -> pl.DataFrame:
    return rows.select(
        source=pl.lit("episodes"), row="row", episode_id="episode_id", provider="provider",
        commissioner="commissioner", column=pl.lit(column), value=value.cast(pl.String),
        reason_code=pl.lit(code), reason=reason, action=pl.lit(action),
    ).cast(EXCEPTION_COLUMNS)  # type: ignore[arg-type]  # polars types a cast's keys as names, selectors or types


def summary(parsed, lines, exceptions, assessments, malformed: int = 0) -> dict:
    """The run's counts; ``malformed``: episode records that could not be read as rows (each
    excepted, and not in ``parsed``)."""
    episodes = exceptions.filter(pl.col("source") == "episodes")
    read = parsed.height + malformed
    priced_ids = lines["episode_id"].drop_nulls().unique().implode()
    excepted = episodes.filter(pl.col("action").is_in([*NOT_PRICED, SET_ASIDE]))
    priced = parsed.lazy().select("row", "episode_id").filter(pl.col("episode_id").is_in(priced_ids)).join(
        excepted.lazy().select("row").unique(), on="row", how="anti").select(pl.len()).collect().item()
    excepted_rows = excepted["row"].n_unique()
    if priced + excepted_rows != read:
        raise RuntimeError(
            f"rows do not reconcile: read {read}, priced {priced}, excepted {excepted_rows}"
        )
    by_reason = excepted.group_by("reason_code").agg(pl.col("row").n_unique()).sort("reason_code")
    result = {
        "episodes": {
            "rows_read": read, "rows_priced": priced, "rows_excepted": excepted_rows,
            "rows_trimmed": episodes.filter(pl.col("action") == "trimmed")["row"].n_unique(),
            "excepted_by_reason": dict(by_reason.iter_rows()),
        },
        "lines": lines.height,
    }
    if assessments is not None:
        result["assessments"] = {
            "rows_read": assessments.rows_read, "rows_used": assessments.usable.height,
            "rows_excepted": assessments.rows_read - assessments.usable.height,
        }
    return result
