"""The statements' sheets of ``statements.xlsx``: ``Summary``, listing every statement with its
totals and a link to its sheet, and a sheet per statement: its totals, its arrangements, its
clusters and, issued into a ledger, its prior-period adjustments, each a small table under a
header. The figures are the statement's own (``document``), so they reconcile to the lines."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .cells import Formats, Rows

AMOUNTS = (("payable", "Payable"), ("held", "Held"), ("suspended", "Suspended (not payable)"),
           ("shadow", "Shadow (not paid)"))


def summary_sheet(sheet: Any, formats: Formats, statements: list[dict], names: list[str]) -> None:
    """Every statement with its totals and a link to its sheet, then the run's total."""
    rows = Rows(sheet, formats)
    first = statements[0] if statements else None
    ledger = any(s.get("ledger") for s in statements)
    rows.text(0, f"Payment statements: {first['ruleset']['area']}, {first['period']['label']}" if first
              else "Payment statements", formats.title)
    rows.skip()
    if first:
        rows.text(0, f"{first['ruleset']['title']} (ruleset status {first['ruleset']['status']})", formats.muted)
    rows.skip()
    if first and first["ruleset"]["status"] != "live":
        rows.text(0, f"{first['ruleset']['status']} ruleset: not for payment", formats.warning)
    rows.skip()
    rows.text(0, "Every figure is the sum of the statement's lines (sheet Lines, and lines.csv).", formats.muted)
    rows.skip(2)
    titles = ["Statement", "Sheet", "Provider", "Provider name", "Commissioner", "Commissioner name", "Period",
              "Lines", "Episodes", *(title for _, title in AMOUNTS)]
    if ledger:
        titles += ["Prior-period adjustments", "Net payable"]
    top = rows.header(titles, range(7, len(titles)))
    sheet.freeze_panes(top + 1, 1)
    money = [key for key, _ in AMOUNTS] + (["adjusted", "net_payable"] if ledger else [])
    totals = dict.fromkeys(money, Decimal("0.00"))
    lines = 0
    for statement, name in zip(statements, names):
        figures = {**statement["totals"], **_issued(statement.get("ledger"))}
        rows.text(0, statement["id"])
        sheet.write_url(rows.row, 1, f"internal:'{name}'!A1", formats.link, string=name)
        rows.line([("text", statement["provider"]["code"]), ("text", statement["provider"]["name"]),
                   ("text", statement["commissioner"]["code"]), ("text", statement["commissioner"]["name"]),
                   ("text", statement["period"]["label"]), ("count", figures["lines"]), ("count", figures["episodes"]),
                   *(("money", figures.get(key)) for key in money)], start=2)
        lines += figures["lines"]
        for key in money:
            totals[key] += figures.get(key) or 0
    sheet.autofilter(top, 0, max(rows.row - 1, top), len(titles) - 1)
    # no total of episodes: one episode may be on two statements
    rows.line([("text", "Total"), *([("text", None)] * 6), ("count", lines), ("count", None),
               *(("money", totals[key]) for key in money)], total=True)
    widths(sheet, [26, 12, 10, 32, 12, 32, 9, 10, 10, *([16] * (len(titles) - 9))])


def _issued(ledger: dict | None) -> dict:
    return {"adjusted": ledger["adjustments"]["adjusted"], "net_payable": ledger["net_payable"]} if ledger else {}


def statement_sheet(sheet: Any, formats: Formats, s: dict) -> None:
    """One statement: its title rows (frozen), then its totals, arrangements, clusters and
    adjustments, each a table under a heading."""
    rows = Rows(sheet, formats)
    rows.text(0, f"Payment statement {s['period']['label']}: {s['commissioner']['name']} ({s['commissioner']['code']}) "
                 f"pays {s['provider']['name']} ({s['provider']['code']})", formats.title)
    rows.skip()
    version = f", version {s['ruleset']['version']}" if s["ruleset"].get("version") else ""
    rows.text(0, f"Statement {s['id']}, {s['period']['start']} to {s['period']['end']}. {s['ruleset']['area']}: "
                 f"{s['ruleset']['title']}{version}.", formats.muted)
    rows.skip()
    if s["ruleset"]["status"] != "live":
        rows.text(0, f"{s['ruleset']['status']} ruleset: not for payment", formats.warning)
    rows.skip()
    sheet.freeze_panes(rows.row, 0)
    rows.skip()
    _totals(rows, s)
    _arrangements(rows, s)
    _clusters(rows, s)
    if s.get("ledger"):
        _adjustments(rows, s["ledger"])
    widths(sheet, [30, 34, 14, 26, 12, 16, 16, 16, 16, 16])


def _totals(rows: Rows, s: dict) -> None:
    t, ledger = s["totals"], s.get("ledger")
    rows.text(0, "Totals", rows.formats.heading)
    rows.skip()
    rows.header(["Figure", "Amount"], [1])
    rows.line([("text", "Payable this month" if ledger else "Payable"), ("money", t["payable"])])
    if ledger:
        rows.line([("text", "Prior-period adjustments"), ("money", ledger["adjustments"]["adjusted"])])
        rows.line([("text", "Net payable"), ("money", ledger["net_payable"])])
    for key, title in AMOUNTS[1:]:
        rows.line([("text", title), ("money", t[key])])
    rows.line([("text", "Lines"), ("count", t["lines"])])
    rows.line([("text", "Episodes"), ("count", t["episodes"])])
    rows.skip()


def _arrangements(rows: Rows, s: dict) -> None:
    rows.text(0, "By arrangement", rows.formats.heading)
    rows.skip()
    rows.header(["Arrangement", "Title", "Option", "Clause", "Lines", *(title for _, title in AMOUNTS)], range(4, 9))
    for a in s["arrangements"]:
        rows.line([("text", a["arrangement"]), ("text", a["title"]), ("text", a["option"]), ("text", a["clause"]),
                   ("count", a["lines"]), *(("money", a[key]) for key, _ in AMOUNTS)])
    t = s["totals"]
    rows.line([("text", "Total"), ("text", None), ("text", None), ("text", None), ("count", t["lines"]),
               *(("money", t[key]) for key, _ in AMOUNTS)], total=True)
    rows.skip()


def _clusters(rows: Rows, s: dict) -> None:
    rows.text(0, "By cluster", rows.formats.heading)
    rows.skip()
    if not s["clusters"]:
        rows.text(0, f"No cluster activity in {s['period']['label']}.")
        rows.skip(2)
        return
    rows.header(["Arrangement", "Cluster", "Unit", "Quantity", "Of which suspended", *(title for _, title in AMOUNTS)],
                range(3, 9))
    for c in s["clusters"]:
        rows.line([("text", c["arrangement"]), ("text", f"{c['cluster']}: {c['name']}"), ("text", c["unit"]),
                   ("count", c["quantity"]), ("count", c["suspended_quantity"]), *(("money", c[key]) for key, _ in AMOUNTS)])
    rows.skip()


def _adjustments(rows: Rows, ledger: dict) -> None:
    a = ledger["adjustments"]
    rows.text(0, "Prior-period adjustments", rows.formats.heading)
    rows.skip()
    rows.text(0, f"Issued into the ledger on {ledger['issued_on']}: issue {ledger['issue']}, on {ledger['submission']} data"
                 f"{', the final issue of the contract year' if ledger['final'] else ''}.", rows.formats.muted)
    rows.skip()
    if not a["count"]:
        rows.text(0, "No earlier month's money has changed: no prior-period adjustments.")
        rows.skip(2)
        return
    rows.header(["Month adjusted", "Cause", "Lines", "Adjusted", "Reported only"], range(2, 5))
    for row in a["by_month_and_cause"]:
        rows.line([("text", row["adjusts_period"]), ("text", row["title"]), ("count", row["lines"]),
                   ("money", row["adjusted"]), ("money", row["reported"])])
    rows.line([("text", "Total"), ("text", None), ("count", a["count"]), ("money", a["adjusted"]),
               ("money", a["reported"])], total=True)
    rows.text(0, f"Each adjustment, with what was paid, what is now due and its cause, is in {a['file']} "
                 "(sheet Adjustments).", rows.formats.muted)
    rows.skip(2)


def widths(sheet: Any, sizes: list[float]) -> None:
    """Each column's width, in characters."""
    for col, width in enumerate(sizes):
        sheet.set_column(col, col, width)
