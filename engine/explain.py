"""The trail behind one episode's lines: the row as read, what the checks said, the days it owns
after overlaps, its reviews, and for each line the days counted, the price and the date it took
effect, the rules and clause, the status and the amount."""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from .clusters import CLUSTERS
from .errors import LocalpayError
from .money import pence_to_decimal
from .pipeline import RunResult
from .reconcile import SET_ASIDE
from .rules.trail import trail


def explain_episode(result: RunResult, episode_id: str) -> dict:
    rows = result.parsed.filter(pl.col("episode_id") == episode_id)
    if rows.is_empty():
        raise LocalpayError(f"no episode with episode_id {episode_id!r} in {result.inputs['episodes']}")
    first = rows.row(0, named=True)
    context = result.context
    lines = result.lines.filter(pl.col("episode_id") == episode_id)
    reviews = context.reviews.filter(
        (pl.col("patient_id") == first["patient_id"]) & (pl.col("provider") == first["provider"])
    )["review_date"].to_list()
    cluster = CLUSTERS.get(first["cluster"]) if first["cluster"] is not None else None
    return {
        "episode_id": episode_id,
        "rows": [_row(r) for r in rows.iter_rows(named=True)],
        "cluster": {"code": cluster.code, "name": cluster.name, "review_period": cluster.review_period} if cluster else None,
        "day_count": result.ruleset.settings.day_count,
        "horizon": context.horizon,
        "spans": context.spans.filter(pl.col("episode_id") == episode_id).sort("span_start").select(
            first="span_start", last=pl.col("span_stop") - pl.duration(days=1)).rows(named=True),
        "reviews": reviews,
        "exceptions": result.exceptions.filter(
            (pl.col("source") == "episodes") & (pl.col("row").is_in(rows["row"].implode())
                                                 | ((pl.col("action") == SET_ASIDE) & (pl.col("episode_id") == episode_id)))
        ).rows(named=True),
        "months": [_month(result, lines, m.label) for m in result.months],
        "matched": _matched(result, episode_id),
    }


def _row(row: dict) -> dict:
    text = {k.removeprefix("_text_"): v for k, v in row.items() if k.startswith("_text_")}
    return {"row": row["row"], "patient_id": row["patient_id"], "provider": row["provider"],
            "commissioner": row["commissioner"], "service": row.get("service"), **text}


def _month(result: RunResult, lines: pl.DataFrame, label: str) -> dict:
    mine = lines.filter(pl.col("period") == label).sort("arrangement", "from_date", "unit", "commissioner")
    plan = result.outcomes.plan_of(lines["episode_id"][0]) if result.outcomes and lines.height else None
    items = []
    for line in mine.iter_rows(named=True):
        arrangement = result.ruleset.arrangement(line["arrangement"])
        items.append({**line, "title": arrangement.label, "amount": pence_to_decimal(line["amount"]),
                      "rules": line["rules"].split(";") if line["rules"] else [], "trail": trail(plan, line)})
    totals = {status: sum((i["amount"] for i in items if i["status"] == status), Decimal("0.00"))
              for status in ("payable", "held")}
    totals["suspended"] = sum((pence_to_decimal(i["value"]) for i in items if i["status"] == "suspended"), Decimal("0.00"))
    return {"period": label, "lines": items, "totals": totals}


def _matched(result: RunResult, episode_id: str) -> list[dict]:
    """The rules that matched the episode, whether or not it has lines (an excluded one has none)."""
    plan = result.outcomes.plan_of(episode_id) if result.outcomes else None
    return trail(plan, {"quantity": 0, "option_price": 0, "status": "", "amount": 0}) if plan else []
