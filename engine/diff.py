"""The impact of a ruleset change: the same data priced under the old and the new ruleset, and
what the change does to the money.

Totals before and after by arrangement, cluster and provider; the causes of each difference (a
rule added, removed or changed, a price changed); and the episodes most affected. Lines are
compared by episode (contract-level lines by arrangement and unit), so every penny of the
difference is accounted for: the episodes' changes and the contract lines' changes add up to the
difference in the totals.
"""

from __future__ import annotations

import polars as pl

from .money import format_price, pence_text_expr, pence_to_decimal
from .pipeline import RunResult

MOST_AFFECTED = 25


def diff_runs(old: RunResult, new: RunResult) -> tuple[dict, pl.DataFrame]:
    """The comparison as plain data for the templates, and every changed episode as a table."""
    before, after = _month(old), _month(new)
    episodes = _episodes(before, after)
    changed = episodes.filter(pl.col("change") != 0)
    causes = _causes(changed, old, new)
    contract = _contract(before, after)
    total_before, total_after = _sum(before), _sum(after)
    explained = int(changed["change"].sum()) + sum(c["change_pence"] for c in contract)
    if total_after - total_before != explained:
        raise RuntimeError(f"the difference {total_after - total_before}p is not the episodes' and contract lines' "
                           f"{explained}p")
    return {
        "period": old.period.label, "months": [m.label for m in old.months],
        "old": _about(old), "new": _about(new),
        "totals": {"before": pence_to_decimal(total_before), "after": pence_to_decimal(total_after),
                   "change": pence_to_decimal(total_after - total_before)},
        "by_arrangement": _by(before, after, ["arrangement"]),
        "by_provider": _by(before, after, ["provider", "commissioner"]),
        "by_cluster": _by(before.filter(pl.col("cluster").is_not_null()), after.filter(pl.col("cluster").is_not_null()),
                          ["cluster"]),
        "causes": causes,
        "contract": [{k: v for k, v in c.items() if k != "change_pence"} for c in contract],
        "episodes": {"compared": episodes.height, "changed": changed.height},
        "most_affected": _most_affected(changed),
    }, changed.select(
        "episode_id", "patient_id", "provider", "cluster",
        before=_pounds("amount_before"), after=_pounds("amount_after"), change=_pounds("change"),
        rules_before=_joined("rules_before"), rules_after=_joined("rules_after"),
    ).sort("episode_id")


def _joined(column: str) -> pl.Expr:
    """Rule ids as "a;b", or empty (null) for none."""
    return pl.when(pl.col(column).list.len() > 0).then(pl.col(column).list.join(";"))


def _pounds(column: str) -> pl.Expr:
    return pence_text_expr(pl.col(column))


def _month(result: RunResult) -> pl.DataFrame:
    """The lines of the months priced, payable and held (what is owed), as compared."""
    return result.lines.filter(pl.col("status").is_in(["payable", "held"]))


def _sum(lines: pl.DataFrame) -> int:
    return int(lines["amount"].sum())


def _about(result: RunResult) -> dict:
    doc = result.ruleset.document
    return {"path": str(result.ruleset.path), "title": doc.title, "version": doc.version, "sha256": result.ruleset.sha256}


def _by(before: pl.DataFrame, after: pl.DataFrame, keys: list[str]) -> list[dict]:
    old = before.group_by(keys).agg(before=pl.col("amount").sum())
    new = after.group_by(keys).agg(after=pl.col("amount").sum())
    both = old.join(new, on=keys, how="full", coalesce=True, nulls_equal=True).fill_null(0)
    both = both.with_columns(change=pl.col("after") - pl.col("before")).sort(keys)
    return [{**{k: row[k] for k in keys}, "before": pence_to_decimal(row["before"]), "after": pence_to_decimal(row["after"]),
             "change": pence_to_decimal(row["change"])} for row in both.iter_rows(named=True)]


def _per_episode(lines: pl.DataFrame, side: str) -> pl.DataFrame:
    rules = pl.col("rules").str.split(";").explode().drop_nulls().unique().sort()
    prices = pl.concat_str(pl.col("arrangement"), pl.lit(":"), pl.col("cluster").cast(pl.String), pl.lit(":"),
                           pl.col("unit"), pl.lit("@"), pl.col("option_price").cast(pl.String))
    return lines.filter(pl.col("episode_id").is_not_null()).group_by("episode_id").agg(
        pl.col("amount").sum().alias(f"amount_{side}"),
        rules.alias(f"rules_{side}"),
        prices.unique().sort().alias(f"prices_{side}"),
        pl.col("patient_id").first().alias(f"patient_{side}"),
        pl.col("provider").first().alias(f"provider_{side}"),
        pl.col("cluster").first().alias(f"cluster_{side}"),
    )


def _episodes(before: pl.DataFrame, after: pl.DataFrame) -> pl.DataFrame:
    both = _per_episode(before, "before").join(_per_episode(after, "after"), on="episode_id", how="full", coalesce=True)
    return both.with_columns(
        amount_before=pl.col("amount_before").fill_null(0), amount_after=pl.col("amount_after").fill_null(0),
        patient_id=pl.coalesce("patient_after", "patient_before"), provider=pl.coalesce("provider_after", "provider_before"),
        cluster=pl.coalesce("cluster_after", "cluster_before"),
    ).with_columns(change=pl.col("amount_after") - pl.col("amount_before")).sort("episode_id")


def _causes(changed: pl.DataFrame, old: RunResult, new: RunResult) -> list[dict]:
    """Each cause with the episodes it touches and their change (an episode with several
    causes is counted under each)."""
    old_rules = {r.id: r for r in old.ruleset.rules}
    new_rules = {r.id: r for r in new.ruleset.rules}
    altered = {rid for rid in old_rules.keys() & new_rules.keys() if _terms(old_rules[rid]) != _terms(new_rules[rid])}
    found: dict[str, list[int]] = {}
    for row in changed.iter_rows(named=True):
        rules_before, rules_after = set(row["rules_before"] or ()), set(row["rules_after"] or ())
        reasons = [f"rule {r} now applies" for r in sorted(rules_after - rules_before)]
        reasons += [f"rule {r} no longer applies" for r in sorted(rules_before - rules_after)]
        reasons += [f"rule {r} changed" for r in sorted(rules_before & rules_after & altered)]
        reasons += _price_reasons(row["prices_before"] or [], row["prices_after"] or [])
        if not reasons and (row["amount_before"] == 0 or row["amount_after"] == 0):
            reasons = ["paid under one ruleset only"]
        for reason in reasons or ["days, statuses or settings"]:
            found.setdefault(reason, []).append(row["change"])
    return sorted(({"cause": cause, "episodes": len(changes), "change": pence_to_decimal(sum(changes))}
                   for cause, changes in found.items()), key=lambda c: (-abs(c["change"]), c["cause"]))


def _terms(rule) -> str:
    return repr((rule.when, [(a.name, a.value) for a in rule.then], rule.priority))


def _price_reasons(before: list[str], after: list[str]) -> list[str]:
    def split(items):
        return dict(item.rsplit("@", 1) for item in items)
    old, new = split(before), split(after)
    out = []
    for key in sorted(old.keys() & new.keys()):
        if old[key] != new[key]:
            arrangement, cluster, unit = key.split(":", 2)
            out.append(f"price of cluster {cluster} ({unit}, {arrangement}) changed from "
                       f"{format_price(int(old[key]))} to {format_price(int(new[key]))}")
    return out


def _contract(before: pl.DataFrame, after: pl.DataFrame) -> list[dict]:
    keys = ["arrangement", "provider", "commissioner", "unit"]
    old = before.filter(pl.col("episode_id").is_null()).group_by(keys).agg(before=pl.col("amount").sum())
    new = after.filter(pl.col("episode_id").is_null()).group_by(keys).agg(after=pl.col("amount").sum())
    both = old.join(new, on=keys, how="full", coalesce=True).fill_null(0).with_columns(
        change=pl.col("after") - pl.col("before")).filter(pl.col("change") != 0).sort(keys)
    return [{**{k: row[k] for k in keys}, "before": pence_to_decimal(row["before"]), "after": pence_to_decimal(row["after"]),
             "change": pence_to_decimal(row["change"]), "change_pence": row["change"]} for row in both.iter_rows(named=True)]


def _most_affected(changed: pl.DataFrame) -> list[dict]:
    top = changed.with_columns(size=pl.col("change").abs()).sort(["size", "episode_id"], descending=[True, False])
    return [{"episode_id": r["episode_id"], "patient_id": r["patient_id"], "provider": r["provider"], "cluster": r["cluster"],
             "before": pence_to_decimal(r["amount_before"]), "after": pence_to_decimal(r["amount_after"]),
             "change": pence_to_decimal(r["change"]),
             "rules_before": ";".join(r["rules_before"] or ()), "rules_after": ";".join(r["rules_after"] or ())}
            for r in top.head(MOST_AFFECTED).iter_rows(named=True)]
