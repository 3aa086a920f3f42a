"""The shape of synthetic data: cluster mix, lengths of stay, moves between clusters, services,
and the bad rows planted for the checks to find."""

from __future__ import annotations

import numpy as np
import polars as pl

CODES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]
_MIX = {0: .5, 1: 9, 2: 7, 3: 14, 4: 10, 5: 3, 6: 1, 7: 4, 8: 2, 10: 4, 11: 13, 12: 11, 13: 4, 14: 1,
        15: .5, 16: 2, 17: 2, 18: 5, 19: 6, 20: 2, 21: 1}
MIX = np.array([_MIX[c] for c in CODES]) / sum(_MIX.values())
_MEDIAN = {0: 30, 1: 70, 2: 90, 3: 240, 4: 300, 5: 330, 6: 300, 7: 540, 8: 400, 10: 700, 11: 900, 12: 700,
           13: 500, 14: 35, 15: 40, 16: 400, 17: 420, 18: 500, 19: 420, 20: 360, 21: 300}
MEDIAN_DAYS = np.array([_MEDIAN[c] for c in CODES], dtype=float)
SERVICES = {10: "EIP", 14: "CRHT", 15: "CRHT", 16: "DUAL", 18: "MAS", 19: "MAS", 20: "MAS", 21: "MAS",
            1: "PCMH", 2: "PCMH"}

# next cluster after a period ends (crisis step-ups to 14/15 and step-downs after them)
_MOVES: dict[int, dict[int, float]] = {
    0: {1: 2, 3: 3, 4: 2, 11: 1, 18: 1}, 1: {1: 1, 2: 3, 3: 2}, 2: {1: 2, 2: 1, 3: 3, 4: 1},
    3: {2: 2, 3: 1, 4: 3, 1: 1}, 4: {3: 3, 4: 1, 5: 2, 7: 1}, 5: {4: 3, 5: 1, 7: 2, 8: 1},
    6: {4: 2, 6: 1, 7: 1}, 7: {7: 1, 4: 2, 8: 1}, 8: {8: 1, 7: 2, 5: 1},
    10: {11: 4, 12: 2, 14: 2}, 11: {11: 1, 12: 2, 14: 1.5, 15: 0.5}, 12: {11: 2, 12: 1, 13: 1.5, 14: 2},
    13: {12: 3, 13: 1, 14: 2.5, 15: 0.5}, 14: {12: 3, 13: 3, 11: 2, 10: 1}, 15: {12: 3, 13: 2, 4: 1},
    16: {16: 1, 12: 1, 14: 1}, 17: {17: 1, 13: 1, 14: 1.5}, 18: {18: 1, 19: 3}, 19: {19: 1, 20: 2, 18: 1},
    20: {20: 1, 21: 2, 19: 1}, 21: {21: 2, 20: 1},
}

BAD_KINDS = ("unknown_cluster", "bad_date", "end_before_start", "unknown_provider", "unknown_commissioner",
             "missing_value", "duplicate_episode_id", "repeated_row", "overlap")


def transition_table() -> np.ndarray:
    """Cumulative probabilities: row = current cluster's index in CODES, column = next's."""
    table = np.zeros((len(CODES), len(CODES)))
    for code, moves in _MOVES.items():
        for target, weight in moves.items():
            table[CODES.index(code), CODES.index(target)] = weight
    table /= table.sum(axis=1, keepdims=True)
    cumulative = table.cumsum(axis=1)
    cumulative[:, -1] = 1.0
    return cumulative


def spoil(episodes: pl.DataFrame, share: float, rng: np.random.Generator, kinds=BAD_KINDS) -> pl.DataFrame:
    n = episodes.height
    per_kind = max(1, round(n * share / len(kinds))) if share > 0 and n > 50 else 0
    if per_kind == 0:
        return episodes
    iso = episodes["start_date"].str.contains(r"^\d{4}-").to_numpy()
    chosen = rng.choice(np.flatnonzero(iso), size=min(per_kind * len(kinds), int(iso.sum())), replace=False)
    picks = dict(zip(kinds, np.array_split(chosen, len(kinds))))
    frame = episodes.with_row_index("_i")

    def at(kind: str) -> pl.Expr:
        return pl.col("_i").is_in(pl.Series(picks.get(kind, []), dtype=pl.UInt32).implode())

    start = pl.col("start_date").str.to_date("%Y-%m-%d", strict=False)
    donors = pl.Series(rng.integers(0, n, size=n), dtype=pl.UInt32)
    frame = frame.with_columns(
        cluster=pl.when(at("unknown_cluster")).then(pl.lit("22")).otherwise("cluster"),
        start_date=pl.when(at("bad_date")).then(pl.lit("2025-02-30")).otherwise("start_date"),
        end_date=pl.when(at("end_before_start")).then((start - pl.duration(days=10)).dt.to_string("%Y-%m-%d"))
        .otherwise("end_date"),
        provider=pl.when(at("unknown_provider")).then(pl.lit("RZZ")).otherwise("provider"),
        commissioner=pl.when(at("unknown_commissioner")).then(pl.lit("99X")).otherwise("commissioner"),
        patient_id=pl.when(at("missing_value")).then(pl.lit(None, pl.String)).otherwise("patient_id"),
        episode_id=pl.when(at("duplicate_episode_id")).then(pl.col("episode_id").gather(donors))
        .otherwise("episode_id"),
    )
    repeats = frame.filter(at("repeated_row"))
    overlaps = frame.filter(at("overlap")).with_columns(
        episode_id=pl.col("episode_id") + "-B",
        cluster=pl.lit("14"),
        start_date=(start + pl.duration(days=5)).dt.to_string("%Y-%m-%d"),
        end_date=(start + pl.duration(days=25)).dt.to_string("%Y-%m-%d"),
    )
    return pl.concat([frame, repeats, overlaps]).drop("_i")
