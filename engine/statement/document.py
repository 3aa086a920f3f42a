"""Statements: for each provider x commissioner, the month's money with its workings.

A statement is plain data (Decimal money, ISO dates) built from the payment lines alone, so
every total on it reconciles to ``lines.csv``; the templates only lay it out.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from ..clusters import CLUSTERS
from ..money import pence_to_decimal
from ..pipeline import RunResult
from ..reconcile import NOT_PRICED

TENTH = Decimal("0.1")
MONEY = ("payable", "held", "suspended", "shadow")  # suspended and shadow: the value, not paid


def statement_pairs(result: RunResult) -> list[tuple[str, str]]:
    named = {(a.provider, a.commissioner) for a in result.ruleset.arrangements if a.provider and a.commissioner}
    lined = set(result.lines.select("provider", "commissioner").unique().iter_rows())
    return sorted(named | lined)


def build_statements(result: RunResult, manifest: dict, ledger: dict[tuple[str, str], dict] | None = None) -> list[dict]:
    """One statement per provider x commissioner; issued into a ledger, each carries its
    ledger section (``localpay.ledger.document``): its issue, adjustments and year to date."""
    ledger = ledger or {}
    pairs = sorted(set(statement_pairs(result)) | set(ledger))
    return [build_statement(result, provider, commissioner, manifest, ledger.get((provider, commissioner)))
            for provider, commissioner in pairs]


def build_statement(result: RunResult, provider: str, commissioner: str, manifest: dict,
                    ledger: dict | None = None) -> dict:
    ruleset, period = result.ruleset, result.period
    pair = result.lines.filter((pl.col("provider") == provider) & (pl.col("commissioner") == commissioner))
    month = pair.filter(pl.col("period") == period.label)
    return {
        "id": f"{provider}-{commissioner}-{period.label}",
        "provider": _party(ruleset.providers, provider),
        "commissioner": _party(ruleset.commissioners, commissioner),
        "period": {"label": period.label, "start": period.start.isoformat(), "end": period.last_day.isoformat()},
        "ruleset": {
            "area": ruleset.document.area, "title": ruleset.document.title, "status": ruleset.document.status,
            "version": ruleset.document.version, "sha256": ruleset.sha256,
            "from": ruleset.period.start.isoformat(), "to": ruleset.period.end.isoformat(),
            "day_count": ruleset.settings.day_count,
        },
        "totals": _totals(month),
        "arrangements": _by_arrangement(month, ruleset, provider, commissioner),
        "clusters": _by_cluster(month),
        "activity": _activity(result, pair, provider, commissioner),
        "year_to_date": _year_to_date(result, pair),
        "decisions": _decisions(month),
        "exceptions": _exceptions(result, provider, commissioner),
        "flags": _flags(result, provider, commissioner),
        "local_rules": _local_rules(month),
        "contract_lines": _contract_lines(month),
        "measures": _details(result, "measures", provider, commissioner),
        "pathways": _details(result, "pathway_stages", provider, commissioner),
        "workings": _workings(result, provider, commissioner),
        "run": result.summary["episodes"],
        "manifest": manifest,
        "ledger": ledger,
    }


def _party(parties: dict, code: str) -> dict:
    party = parties.get(code)
    return {"code": code, "name": party.name if party else code}


def _money_columns() -> list[pl.Expr]:
    status = pl.col("status")
    full = pl.col("value")  # what suspended lines would have paid
    return [
        pl.col("amount").filter(status == "payable").sum().alias("payable"),
        pl.col("amount").filter(status == "held").sum().alias("held"),
        full.filter(status == "suspended").sum().alias("suspended"),
        full.filter(status == "shadow").sum().alias("shadow"),
        pl.len().alias("lines"),
    ]


def _money(row: dict) -> dict:
    return {k: pence_to_decimal(v or 0) if k in MONEY else v for k, v in row.items()}


def _totals(lines: pl.DataFrame) -> dict:
    row = lines.select(*_money_columns(), episodes=pl.col("episode_id").n_unique()).row(0, named=True)
    return _money(row)


def _by_arrangement(lines: pl.DataFrame, ruleset, provider: str, commissioner: str) -> list[dict]:
    """Every arrangement between the two parties, with nil totals where nothing is due."""
    rows = {r["arrangement"]: _money(r) for r in lines.group_by("arrangement").agg(_money_columns()).iter_rows(named=True)}
    nil = _money({"payable": 0, "held": 0, "suspended": 0, "shadow": 0, "lines": 0})
    return [
        {**rows.get(a.id, nil), "arrangement": a.id, "title": a.label, "option": a.option, "clause": a.clause}
        for a in ruleset.arrangements
        if a.id in rows or (a.provider == provider and a.commissioner == commissioner)
    ]


def _by_cluster(lines: pl.DataFrame) -> list[dict]:
    with_cluster = lines.filter(pl.col("cluster").is_not_null())
    grouped = with_cluster.group_by("arrangement", "cluster", "unit").agg(
        *_money_columns(), quantity=pl.col("quantity").sum(),
        suspended_quantity=pl.col("quantity").filter(pl.col("status") == "suspended").sum(),
    ).sort("arrangement", "cluster", "unit")
    return [{**_money(r), "name": CLUSTERS[r["cluster"]].name} for r in grouped.iter_rows(named=True)]


def _activity(result: RunResult, pair: pl.DataFrame, provider: str, commissioner: str) -> list[dict]:
    rows = []
    for arrangement in result.ruleset.arrangements:
        option = result.ruleset.option_of(arrangement)
        if option.activity is None or (arrangement.provider, arrangement.commissioner) != (provider, commissioner):
            continue
        for row in option.activity(arrangement, pair, result.period, result.months):
            plan_month, plan_to_date = row.plan_month, row.plan_to_date
            rows.append({
                "arrangement": row.arrangement, "key": row.key, "unit": row.unit,
                "plan_month": plan_month.quantize(TENTH), "actual_month": row.actual_month,
                "variance_month": (row.actual_month - plan_month).quantize(TENTH),
                "plan_to_date": plan_to_date.quantize(TENTH), "actual_to_date": row.actual_to_date,
                "variance_to_date": (row.actual_to_date - plan_to_date).quantize(TENTH),
            })
    return rows


def _year_to_date(result: RunResult, pair: pl.DataFrame) -> dict | None:
    if len(result.months) < 2:
        return None
    by_month = {r["period"]: _money(r) for r in pair.group_by("period").agg(_money_columns()).iter_rows(named=True)}
    empty = _money({"payable": 0, "held": 0, "suspended": 0, "shadow": 0, "lines": 0})
    months = [{**by_month.get(m.label, empty), "period": m.label} for m in result.months]
    total = {k: sum((m[k] for m in months), Decimal("0.00") if k != "lines" else 0)
             for k in (*MONEY, "lines")}
    return {"from": result.months[0].label, "months": months, "total": total}


def _decisions(lines: pl.DataFrame) -> list[dict]:
    """Lines not simply payable at the price: held, suspended, flagged or released, by reason."""
    decided = lines.filter(pl.col("reason").is_not_null())
    grouped = decided.group_by("arrangement", "status", "rules", "reason", "unit").agg(
        *_money_columns(), quantity=pl.col("quantity").sum(), episodes=pl.col("episode_id").n_unique(),
    ).sort("arrangement", "status", "rules", "unit")
    return [_money(r) for r in grouped.iter_rows(named=True)]


def _exceptions(result: RunResult, provider: str, commissioner: str) -> dict:
    mine = result.exceptions.filter(
        (pl.col("source") == "episodes") & (pl.col("provider") == provider) & (pl.col("commissioner") == commissioner)
    )
    by_reason = mine.group_by("reason_code", "action").agg(rows=pl.col("row").n_unique()).sort("action", "reason_code")
    return {
        "rows": mine.filter(pl.col("action").is_in(NOT_PRICED))["row"].n_unique(),
        "rows_trimmed": mine.filter(pl.col("action") == "trimmed")["row"].n_unique(),
        "by_reason": list(by_reason.iter_rows(named=True)),
        "run_rows_excepted": result.summary["episodes"]["rows_excepted"],
        "file": "exceptions.csv",
    }


FLAGS_SHOWN = 200


def _flags(result: RunResult, provider: str, commissioner: str) -> dict:
    """Episodes a local rule flagged for validation: still paid, listed for checking."""
    mine = result.exceptions.filter(
        (pl.col("action") == "flagged") & (pl.col("provider") == provider) & (pl.col("commissioner") == commissioner)
    ).sort("episode_id", "row")
    return {"count": mine.height, "shown": mine.head(FLAGS_SHOWN).select("row", "episode_id", "value", "reason").rows(named=True),
            "by_rule": mine.group_by("value").len().sort("value").rows(named=True)}


def _local_rules(lines: pl.DataFrame) -> list[dict]:
    """The month's lines a local rule changed, by rule: how many, and their money."""
    if lines.is_empty():
        return []
    changed = lines.filter(pl.col("rules").is_not_null()).with_columns(rule=pl.col("rules").str.split(";")).explode("rule")
    changed = changed.filter(~pl.col("rule").str.contains(":"))  # option decisions carry "option-rule:mode" ids
    grouped = changed.group_by("rule").agg(
        lines=pl.len(), episodes=pl.col("episode_id").n_unique(),
        value=pl.col("value").sum(),
    ).sort("rule")
    return [{"rule": r["rule"], "lines": r["lines"], "episodes": r["episodes"], "value": pence_to_decimal(r["value"])}
            for r in grouped.iter_rows(named=True)]


def _contract_lines(lines: pl.DataFrame) -> list[dict]:
    """Lines for the contract rather than an episode (on account, withheld, settlements,
    budgets' instalments): like lines (arrangement, unit, status, reason) together, so four
    hundred budgets' instalments are one row; a row of one line keeps its particulars."""
    contract = lines.filter(pl.col("episode_id").is_null())
    grouped = contract.group_by("arrangement", "unit", "status", "reason", maintain_order=True).agg(
        lines=pl.len(), amount=pl.col("amount").sum(), note=pl.col("note").first(), first=pl.col("from_date").min(),
    ).sort("arrangement", "unit", "first", "status")
    return [{"arrangement": r["arrangement"], "unit": r["unit"], "status": r["status"], "reason": r["reason"],
             "lines": r["lines"], "amount": pence_to_decimal(r["amount"]),
             "note": r["note"] if r["lines"] == 1 else f"{r['lines']:,} lines, each in lines.csv"}
            for r in grouped.iter_rows(named=True)]


SHOWN_APART = ("measures", "pathway_stages")  # details with their own statement sections
KEYS = ("arrangement", "provider", "commissioner", "period")


def is_money(column: str) -> bool:
    """Details tables hold money as integer pence in columns named so: ``amount``, ``at_stake``,
    ``earned``, or ending ``_amount`` or ``_value``."""
    return column in ("amount", "at_stake", "earned") or column.endswith(("_amount", "_value"))


def _details(result: RunResult, kind: str, provider: str, commissioner: str) -> list[dict]:
    """An option's workings for this statement's parties and month (money in pounds)."""
    frame = result.details.get(kind)
    if frame is None:
        return []
    mine = frame.filter((pl.col("provider") == provider) & (pl.col("commissioner") == commissioner)
                        & (pl.col("period") == result.period.label))
    return [{k: pence_to_decimal(v) if is_money(k) and isinstance(v, int) else v for k, v in row.items()}
            for row in mine.iter_rows(named=True)]


def _workings(result: RunResult, provider: str, commissioner: str) -> list[dict]:
    """Every other option's workings, as titled tables: ``personal_health_budgets`` is shown as
    "Personal health budgets", its columns in the order the option gave them."""
    tables = []
    for kind in sorted(set(result.details) - set(SHOWN_APART)):
        rows = _details(result, kind, provider, commissioner)
        if rows:
            columns = [c for c in result.details[kind].columns if c not in KEYS]
            tables.append({"kind": kind, "title": kind.replace("_", " ").capitalize(), "columns": columns,
                           "money": [c for c in columns if is_money(c)],
                           "rows": [[row[c] for c in columns] for row in rows]})
    return tables
