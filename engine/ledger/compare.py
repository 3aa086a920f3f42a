"""Prior-period adjustments: the earlier months as the ledger holds them beside the same months
recomputed on the data now given, key by key, and each difference in words.

The comparison is a join on keys (``positions.KEY``); only the keys whose money differs are
then put into words, each naming what changed: the cluster, the dates, a new, withdrawn,
corrected or excepted episode, a change of commissioner or provider, a price or a rule of a new
ruleset version, held days released by a review, or a settlement recomputed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import polars as pl

from ..money import format_money, format_price
from .positions import KEY, POSITION_COLUMNS, cluster_prices, cluster_starts

ADJUSTMENT_COLUMNS = {
    "adjusts_period": pl.String, "arrangement": pl.String, "provider": pl.String, "commissioner": pl.String,
    "episode_id": pl.String, "item": pl.String, "was": pl.Int64, "now": pl.Int64, "amount": pl.Int64,
    "kind": pl.String, "cause": pl.String, "treatment": pl.String,
}
# what each kind of cause is called on the statement
KINDS = {
    "cluster": "cluster changed", "dates": "dates moved", "new": "new episode", "withdrawn": "episode withdrawn",
    "party": "commissioner or provider changed", "corrected": "corrected row now priced",
    "excepted": "row now excepted", "review": "review released held days", "price": "price changed",
    "rule": "rule applies or no longer applies", "settlement": "settlement or on-account recomputed",
    "other": "days or statuses changed",
}


@dataclass(frozen=True)
class Basis:
    """What the words of a cause draw on besides the two positions."""

    ruleset_version: str | None
    ruleset_sha256: str
    excepted_now: dict[str, str] = field(default_factory=dict)  # episode -> why its row is excepted now
    excepted_before: dict[str, tuple[str, str]] = field(default_factory=dict)  # episode -> (issued on, why)
    episodes_now: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)  # episode -> (start, end)
    frozen: dict[str, str] = field(default_factory=dict)  # month -> how it was frozen, in words
    after_freeze: str = "adjust"


def differences(was: pl.DataFrame, now: pl.DataFrame) -> pl.DataFrame:
    """Every key whose paid money differs: ``was_*`` and ``now_*`` position columns side by side
    (a key on one side only has nulls on the other), and ``was``, ``now``, ``amount`` in pence."""
    value_columns = [c for c in POSITION_COLUMNS if c not in KEY]
    extra = [c for c in was.columns if c not in POSITION_COLUMNS]  # the issue the position came from
    left = was.select(*KEY, *[pl.col(c).alias(f"was_{c}") for c in value_columns + extra])
    right = now.select(*KEY, *[pl.col(c).alias(f"now_{c}") for c in value_columns])
    both = left.join(right, on=KEY, how="full", coalesce=True)
    both = both.with_columns(was=pl.col("was_paid").fill_null(0), now=pl.col("now_paid").fill_null(0))
    return both.with_columns(amount=pl.col("now") - pl.col("was")).filter(pl.col("amount") != 0).sort(KEY)


def adjustments(changed: pl.DataFrame, basis: Basis) -> pl.DataFrame:
    """Each difference as an adjustment row with its kind, its cause in words and its treatment."""
    rows = changed.to_dicts()
    context = _Context(rows)
    out = []
    for row in rows:
        kind, cause = _cause(row, context, basis)
        frozen = basis.frozen.get(row["period"])
        treatment = "reported" if frozen and basis.after_freeze == "report" else "adjusted"
        if frozen:
            cause += (f"; {row['period']} was {frozen}: adjusted after freeze, as settings.after_freeze says"
                      if treatment == "adjusted" else
                      f"; {row['period']} was {frozen}: reported only, not paid, as settings.after_freeze says")
        out.append({"adjusts_period": row["period"], "arrangement": row["arrangement"], "provider": row["provider"],
                    "commissioner": row["commissioner"],
                    "episode_id": row["now_episode_id"] or row["was_episode_id"], "item": row["item"],
                    "was": row["was"], "now": row["now"], "amount": row["amount"], "kind": kind, "cause": cause,
                    "treatment": treatment})
    return pl.DataFrame(out, schema=ADJUSTMENT_COLUMNS) if out else pl.DataFrame(schema=ADJUSTMENT_COLUMNS)


class _Context:
    """The other differing keys of the same person or episode in the same month: a cluster
    change or a change of commissioner shows as one key ending and another starting."""

    def __init__(self, rows: list[dict]):
        # the net change of episode money for each provider, commissioner and month: what a
        # contract-level line figured on the month's activity moved with
        self.activity: dict[tuple, int] = defaultdict(int)
        self.clusters: dict[tuple, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: {"was": [], "now": []})
        self.pairs: dict[tuple, dict[str, set]] = defaultdict(lambda: {"was": set(), "now": set()})
        for row in rows:
            if row["now_episode_id"] or row["was_episode_id"]:
                self.activity[(row["provider"], row["commissioner"], row["period"])] += row["amount"]
            for side in ("was", "now"):
                if row[f"{side}_paid"] is None:
                    continue
                patient, episode = row[f"{side}_patient_id"], row[f"{side}_episode_id"]
                if patient:
                    key = (patient, row["period"], row["provider"], row["commissioner"])
                    self.clusters[key][side] += cluster_starts(row[f"{side}_clusters"])
                if episode:
                    self.pairs[(episode, row["period"])][side].add((row["provider"], row["commissioner"]))


def _cause(row: dict, context: _Context, basis: Basis) -> tuple[str, str]:
    month = row["period"]
    episode = row["now_episode_id"] or row["was_episode_id"]
    if episode is None:
        return "settlement", _settlement(row, context, basis)
    if row["was_paid"] is None:
        return _arrived(row, episode, context, basis)
    if row["now_paid"] is None:
        return _gone(row, episode, context, basis)
    was_clusters, now_clusters = cluster_starts(row["was_clusters"]), cluster_starts(row["now_clusters"])
    if [c for c, _ in was_clusters] != [c for c, _ in now_clusters]:
        old = " and ".join(c for c, _ in was_clusters) or "none"
        moved = [(c, day) for c, day in now_clusters if c not in {w for w, _ in was_clusters}]
        new, day = moved[0] if moved else now_clusters[-1] if now_clusters else ("none", row["now_first_day"])
        return "cluster", f"the cluster changed from {old} to {new} on {day}"
    dates = _dates(row, month)
    if dates:
        follows = _follows(row, context)
        if follows:
            return "cluster", follows
        return "dates", dates
    if (row["was_held"] or 0) > (row["now_held"] or 0) and row["amount"] > 0:
        return "review", (f"held days released: a review is now on record for {month} "
                          f"(held was {format_money(row['was_held'])}, now {format_money(row['now_held'] or 0)})")
    said = _prices(row) + _rules(row)
    if said:
        kind = "price" if _prices(row) else "rule"
        return kind, "; ".join(said) + _ruleset_change(row, basis)
    return "other", (f"the days or statuses changed: {row['was_quantity']} {row['now_unit']} were "
                     f"{format_money(row['was'])}, now {row['now_quantity']} are {format_money(row['now'])}")


def _arrived(row: dict, episode: str, context: _Context, basis: Basis) -> tuple[str, str]:
    month = row["period"]
    if episode in basis.excepted_before and episode not in basis.excepted_now:
        issued_on, why = basis.excepted_before[episode]
        return "corrected", f"the episode's row was excepted on {issued_on} ({why}) and is now corrected and priced"
    party = _party(row, episode, context, "was")
    if party:
        return "party", party
    clusters = context.clusters.get((row["now_patient_id"], month, row["provider"], row["commissioner"]))
    own = cluster_starts(row["now_clusters"])
    if clusters and clusters["was"] and own and own[0][0] not in {c for c, _ in clusters["was"]}:
        old = " and ".join(sorted({c for c, _ in clusters["was"]}))
        return "cluster", f"the cluster changed from {old} to {own[0][0]} on {own[0][1]}: a new period in cluster {own[0][0]}"
    start, end = basis.episodes_now.get(episode, (None, None))
    if start is not None and start >= row["now_first_day"][:7] + "-01" and start == row["now_first_day"]:
        if row["was_episode_known"]:
            return "dates", f"the start date moved: the episode now starts on {start}"
    if row["was_episode_known"]:
        return "dates", f"the dates moved: the episode now has days in {month} ({row['now_first_day']} to {row['now_last_day']})"
    issued = row.get("was_issued_on_month")
    when = f" when {month} was issued on {issued}" if issued else ""
    return "new", f"a new episode, not in the data{when} (it starts {start or row['now_first_day']})"


def _gone(row: dict, episode: str, context: _Context, basis: Basis) -> tuple[str, str]:
    month = row["period"]
    if episode in basis.excepted_now:
        return "excepted", f"the episode's row is now excepted ({basis.excepted_now[episode]}), so it is not priced"
    party = _party(row, episode, context, "now")
    if party:
        return "party", party
    if episode in basis.episodes_now:
        start, end = basis.episodes_now[episode]
        return "dates", (f"the dates moved: the episode now runs from {start} to {end or 'open'}, "
                         f"with no days in {month}")
    return "withdrawn", "the episode was withdrawn: it is no longer in the data"


def _party(row: dict, episode: str, context: _Context, other: str) -> str | None:
    pairs = context.pairs.get((episode, row["period"]), {}).get(other, set())
    here = (row["provider"], row["commissioner"])
    for provider, commissioner in sorted(pairs - {here}):
        old, new = ((provider, commissioner), here) if other == "was" else (here, (provider, commissioner))
        if old[1] != new[1]:
            return f"the commissioner changed from {old[1]} to {new[1]}"
        return f"the provider changed from {old[0]} to {new[0]}"
    return None


def _dates(row: dict, month: str) -> str | None:
    said = []
    if row["was_first_day"] != row["now_first_day"]:
        said.append(f"the start date moved: days in {month} now start on {row['now_first_day']} "
                    f"(were from {row['was_first_day']})")
    if row["was_last_day"] != row["now_last_day"]:
        said.append(f"the end date moved: days in {month} now end on {row['now_last_day']} "
                    f"(were to {row['was_last_day']})")
    return "; ".join(said) or None


def _follows(row: dict, context: _Context) -> str | None:
    """A period cut short because the person moved to another cluster: a new key of the same
    person in the same month starts in another cluster."""
    own = cluster_starts(row["now_clusters"])
    clusters = context.clusters.get((row["now_patient_id"], row["period"], row["provider"], row["commissioner"]))
    if not own or not clusters:
        return None
    mine = {c for c, _ in own}
    later = sorted((day, c) for c, day in clusters["now"] if c not in mine and day > row["now_first_day"])
    was = {c for c, _ in clusters["was"]}
    arrived = [(day, c) for day, c in later if c not in was]
    if not arrived:
        return None
    day, new = arrived[0]
    return f"the cluster changed from {own[-1][0]} to {new} on {day}: this period now ends on {row['now_last_day']}"


def _prices(row: dict) -> list[str]:
    old, new = cluster_prices(row["was_prices"]), cluster_prices(row["now_prices"])
    said = []
    for cluster in sorted(old.keys() & new.keys()):
        if old[cluster] != new[cluster]:
            what = f"cluster {cluster}" if cluster != "-" else row["now_unit"]
            said.append(f"the price of {what} changed from {', '.join(format_price(p) for p in old[cluster])} "
                        f"to {', '.join(format_price(p) for p in new[cluster])}")
    return said


def _rules(row: dict) -> list[str]:
    old = set((row["was_rules"] or "").split(";")) - {""}
    new = set((row["now_rules"] or "").split(";")) - {""}
    return ([f"rule {r} now applies" for r in sorted(new - old)]
            + [f"rule {r} no longer applies" for r in sorted(old - new)])


def _ruleset_change(row: dict, basis: Basis) -> str:
    old_sha = row["was_ruleset_sha256"]
    if not old_sha or old_sha == basis.ruleset_sha256:
        return ""
    old_v, new_v = row["was_ruleset_version"] or "unversioned", basis.ruleset_version or "unversioned"
    return (f" (ruleset version {old_v} -> {new_v}, SHA-256 {old_sha[:12]} -> {basis.ruleset_sha256[:12]})")


def _settlement(row: dict, context: _Context, basis: Basis) -> str:
    unit = row["now_unit"] or row["was_unit"]
    option = row["now_option"] or row["was_option"]
    what = f"the {unit} line of {row['arrangement']} ({option}) for {row['period']}"
    if row["was_paid"] is None:
        text = f"{what} is new: {format_money(row['now'])}"
    elif row["now_paid"] is None:
        text = f"{what} is no longer due (was {format_money(row['was'])})"
    else:
        text = f"{what} is now {format_money(row['now'])} (was {format_money(row['was'])}), recomputed on the data now given"
    moved = context.activity.get((row["provider"], row["commissioner"], row["period"]), 0)
    if moved:
        text += (f"; the episode money of {row['provider']} and {row['commissioner']} for {row['period']} "
                 f"changed by {format_money(moved)} in this issue")
    return text + _ruleset_change(row, basis)
