"""The SWEMWBS raw-score to metric-score conversion.

SWEMWBS (the short Warwick-Edinburgh Mental Well-being Scale) has seven items scored 1-5, so a
raw total from 7 to 35. The raw total is not an interval scale: it is converted to a *metric
score* by the published Rasch conversion table (Stewart-Brown et al. 2009, Health and Quality
of Life Outcomes 7:15, as republished in the Warwick scoring guidance) before scores are
compared or averaged. Change is measured on the metric score, never on the raw total.

Metric scores are held as whole hundredths (9.51 is 951) so that comparisons are exact: no
float ever holds a score.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl

RAW_MIN = 7
RAW_MAX = 35

# raw total -> metric score in hundredths (the table prints two decimal places)
METRIC_HUNDREDTHS: dict[int, int] = {
    7: 700, 8: 951, 9: 1125, 10: 1240, 11: 1333, 12: 1408, 13: 1475, 14: 1532, 15: 1584,
    16: 1636, 17: 1688, 18: 1743, 19: 1798, 20: 1859, 21: 1925, 22: 1998, 23: 2073, 24: 2154,
    25: 2235, 26: 2321, 27: 2411, 28: 2503, 29: 2602, 30: 2703, 31: 2813, 32: 2931, 33: 3070,
    34: 3255, 35: 3500,
}


def metric_hundredths(raw: int) -> int:
    """The metric score of a raw total, in hundredths (20 -> 1859). Raises ValueError for a
    total outside 7-35, which no seven-item SWEMWBS can produce."""
    if isinstance(raw, bool) or not isinstance(raw, int) or raw not in METRIC_HUNDREDTHS:
        raise ValueError(f"a SWEMWBS raw total is a whole number from {RAW_MIN} to {RAW_MAX}, found {raw!r}")
    return METRIC_HUNDREDTHS[raw]


def metric_score(raw: int) -> Decimal:
    """The metric score of a raw total as a Decimal (20 -> Decimal("18.59"))."""
    return Decimal(metric_hundredths(raw)).scaleb(-2)


def metric_hundredths_expr(raw: pl.Expr | str) -> pl.Expr:
    """A Polars expression converting a raw-total column to metric hundredths (Int64).

    A total outside the table becomes null rather than an error: the assessment checks have
    already reported such rows, and a null score simply cannot form a pair."""
    column = pl.col(raw) if isinstance(raw, str) else raw
    return column.replace_strict(METRIC_HUNDREDTHS, default=None, return_dtype=pl.Int64)
