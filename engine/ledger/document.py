"""What an issued statement says of the ledger: its issue, its prior-period adjustments by month
and by cause, the net payable, the year to date as issued beside the year to date as now known
and, on the final statement, the year's reconciliation. Plain data, money as Decimal."""

from __future__ import annotations

import polars as pl

from ..fileio import shown
from ..money import pence_to_decimal
from .compare import KINDS
from .issue import Issued, Prepared


def ledger_sections(prepared: Prepared, issued: Issued) -> dict[tuple[str, str], dict]:
    """The ledger section of each statement, by (provider, commissioner)."""
    hashes = {(s["provider"], s["commissioner"]): s for s in issued.statements}
    return {(s["provider"], s["commissioner"]): _section(prepared, issued, s, hashes[(s["provider"], s["commissioner"])])
            for s in prepared.statements}


def _section(prepared: Prepared, issued: Issued, statement: dict, chained: dict) -> dict:
    plan = prepared.plan
    found = statement["adjustments_frame"]
    months = _months(prepared, statement)
    section = {
        "ledger": str(shown(plan.store.name)), "issue": issued.sequence, "issued_on": plan.issued_on,
        "submission": plan.request.submission, "final": plan.request.final,
        "supersedes": ({"sequence": plan.replaces["sequence"], "issued_on": plan.replaces["issued_on"],
                        "reason": plan.request.reason} if plan.replaces else None),
        "sha256": chained["sha256"], "chain": chained["chain"],
        "after_freeze": prepared.after_freeze,
        "adjustments": {
            "count": found.height,
            "by_month": _grouped(found, ["adjusts_period"]),
            "by_cause": [{**row, "title": KINDS.get(row["kind"], row["kind"])} for row in _grouped(found, ["kind"])],
            "by_month_and_cause": [{**row, "title": KINDS.get(row["kind"], row["kind"])}
                                   for row in _grouped(found, ["adjusts_period", "kind"])],
            "adjusted": pence_to_decimal(statement["adjustments"]),
            "reported": pence_to_decimal(statement["reported"]),
            "file": "adjustments.csv",
        },
        "this_month": pence_to_decimal(statement["payable"]),
        "net_payable": pence_to_decimal(statement["net_payable"]),
        "year_to_date": months,
        "reconciliation": None,
    }
    if plan.request.final:
        section["reconciliation"] = {
            "months": months["months"], "total": months["total"],
            "balanced": all(m["difference"] == 0 for m in months["months"]),
        }
    return section


def _grouped(found: pl.DataFrame, keys: list[str]) -> list[dict]:
    if found.is_empty():
        return []
    treatment = pl.col("treatment")
    grouped = found.group_by(keys).agg(
        lines=pl.len(),
        adjusted=pl.col("amount").filter(treatment == "adjusted").sum(),
        reported=pl.col("amount").filter(treatment == "reported").sum(),
    ).sort(keys)
    return [{**{k: r[k] for k in keys}, "lines": r["lines"], "adjusted": pence_to_decimal(r["adjusted"]),
             "reported": pence_to_decimal(r["reported"])} for r in grouped.iter_rows(named=True)]


def _months(prepared: Prepared, statement: dict) -> dict:
    """Each month the ledger holds: issued, adjusted before and on this statement, paid to date,
    as now known, and any difference left (reported only, after freeze)."""
    plan = prepared.plan
    pair = (pl.col("provider") == statement["provider"]) & (pl.col("commissioner") == statement["commissioner"])
    issued = dict(plan.statements.filter(pair).select("period", "payable").iter_rows())
    issued[plan.period.label] = statement["payable"]
    before = prepared.adjusted_before.filter(pair)
    now = dict(prepared.now_by_month.filter(pair).select("period", "paid").iter_rows())
    here = statement["adjustments_frame"]
    rows = []
    for month in [*(i["period"] for i in plan.earlier), plan.period.label]:
        def summed(frame: pl.DataFrame, period_column: str, treatment: str) -> int:
            picked = frame.filter((pl.col(period_column) == month) & (pl.col("treatment") == treatment))
            return int(picked["amount"].sum())
        adjusted_before = summed(before, "period", "adjusted")
        adjusted_now = summed(here, "adjusts_period", "adjusted")
        reported = summed(here, "adjusts_period", "reported")
        paid = issued.get(month, 0) + adjusted_before + adjusted_now
        known = now.get(month, 0)
        rows.append({"period": month, "issued": issued.get(month, 0), "adjusted_before": adjusted_before,
                     "adjusted_now": adjusted_now, "paid_to_date": paid, "now_known": known,
                     "reported": reported, "difference": known - paid})
    total = {k: sum(r[k] for r in rows) for k in rows[0] if k != "period"}
    money = lambda row: {k: (pence_to_decimal(v) if k != "period" else v) for k, v in row.items()}  # noqa: E731
    return {"months": [money(r) for r in rows], "total": money(total)}

