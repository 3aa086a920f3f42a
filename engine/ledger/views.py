"""What ``localpay ledger`` shows: the issues and their statements, one episode's money as
believed on each issue date, and every issued row as CSV. Reads only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa

from ..csvout import with_bom, write_csv
from ..outfolder import seal, staged
from ..money import format_money, pence_text_expr
from .chain import ADJUSTMENT_SCHEMA, LINE_SCHEMA
from .positions import POSITION_COLUMNS
from .store import LedgerError, Store, adjustments, areas, issues, lines, positions, statements
from .tables import read_frame

ISSUE_SCHEMA: dict[str, Any] = {"issue_id": pl.Int64, "area": pl.String, "year_from": pl.String, "sequence": pl.Int64,
                "period": pl.String, "submission": pl.String, "issued_on": pl.String, "final": pl.Boolean,
                "ruleset_version": pl.String, "ruleset_sha256": pl.String, "supersedes": pl.Int64, "reason": pl.String,
                "superseded_by": pl.Int64}


def show(store: Store, period: str | None = None, provider: str | None = None) -> str:
    """Each issue (when, on which submission, superseded or not) and its statements' totals."""
    with store.reading() as conn:
        store.existing(conn)
        about = read_frame(conn, issues, ISSUE_SCHEMA, order=["area", "year_from", "sequence"])
        query = sa.select(statements).order_by(statements.c.chain)
        if period:
            query = query.where(statements.c.period == period)
        if provider:
            query = query.where(statements.c.provider == provider)
        rows = [dict(r._mapping) for r in conn.execute(query)]
    by_issue: dict[int, list[dict]] = {}
    for row in rows:
        by_issue.setdefault(row["issue_id"], []).append(row)
    out = []
    for issue in about.iter_rows(named=True):
        mine = by_issue.get(issue["issue_id"])
        if not mine:
            continue
        state = (f"superseded by issue {_sequence(about, issue['superseded_by'])}" if issue["superseded_by"] else "stands")
        extra = f"; re-issues {_sequence(about, issue['supersedes'])}: {issue['reason']}" if issue["supersedes"] else ""
        out.append(f"{issue['area']} issue {issue['sequence']}: {issue['period']} on {issue['submission']} data, issued "
                   f"{issue['issued_on']}{', final' if issue['final'] else ''} ({state}{extra}); ruleset "
                   f"{issue['ruleset_version'] or 'unversioned'} {issue['ruleset_sha256'][:12]}")
        for s in mine:
            out.append(f"  {s['statement_id']}: payable {format_money(s['payable'])}, held {format_money(s['held'])}, "
                       f"adjustments {format_money(s['adjustments'])}, net payable {format_money(s['net_payable'])} "
                       f"({s['lines']:,} lines) sha256 {s['sha256'][:16]}")
    if not out:
        raise LedgerError(f"the ledger {store.name} holds no statements" + _filters(period, provider))
    return "\n".join(out)


def _filters(period: str | None, provider: str | None) -> str:
    said = [f"for {period}" if period else "", f"of provider {provider}" if provider else ""]
    return (" " + " ".join(s for s in said if s)) if any(said) else ""


def _sequence(about: pl.DataFrame, issue_id: int) -> int:
    return about.filter(pl.col("issue_id") == issue_id)["sequence"].item()


def history(store: Store, episode: str) -> str:
    """One episode's money for each month, as believed on each issue date: what the issue of
    the month said, then each later issue that changed it and why."""
    with store.reading() as conn:
        store.existing(conn)
        about = read_frame(conn, issues, ISSUE_SCHEMA)
        held = read_frame(conn, positions, POSITION_COLUMNS | {"issue_id": pl.Int64}, positions.c.episode_id == episode)
        found = read_frame(conn, adjustments, ADJUSTMENT_SCHEMA | {"issue_id": pl.Int64}, adjustments.c.episode_id == episode)
    if held.is_empty():
        raise LedgerError(f"the ledger {store.name} holds nothing for episode {episode!r}")
    held = held.join(about.select("issue_id", "sequence", "period", "issued_on", "submission", "superseded_by")
                     .rename({"period": "issue_period"}), on="issue_id")
    causes = {(r["issue_id"], r["adjusts_period"], r["arrangement"]): r for r in found.iter_rows(named=True)}
    out = [f"episode {episode}: each month's money as believed on each issue date"]
    for (period, arrangement), versions in held.sort("period", "arrangement", "issue_id").group_by(
            ["period", "arrangement"], maintain_order=True):
        out.append(f"{period} {arrangement}:")
        for v in versions.iter_rows(named=True):
            gone = " (superseded issue)" if v["superseded_by"] else ""
            what = (f"{format_money(v['paid'])} paid, {_quantity(v['quantity'], v['unit'])}, "
                    f"cluster {_clusters(v['clusters'])}"
                    if v["first_day"] else "nothing: the episode has no days in the month")
            said = causes.get((v["issue_id"], period, arrangement))
            change = f"; adjusted {format_money(said['amount'])}: {said['cause']}" if said else ""
            how = "issued" if v["issue_period"] == period else "believed"
            out.append(f"  on {v['issued_on']} (issue {v['sequence']}, {v['issue_period']} {v['submission']}{gone}) "
                       f"{how}: {what}{change}")
    return "\n".join(out)


def _quantity(quantity: int, unit: str) -> str:
    """``30 days``, ``1 bed day``, ``2 review periods``: the unit as a count says it."""
    return f"{quantity:,} {unit}" if quantity == 1 or unit.endswith("s") else f"{quantity:,} {unit}s"


def _clusters(text: str | None) -> str:
    return ", ".join(part.replace("@", " from ") for part in text.split(",")) if text else "none"


def export(store: Store, out: Path) -> list[Path]:
    """Every issued line, position, adjustment, statement and issue as CSV (money in pounds), and
    ``manifest.json``; ``out`` is checked first and written as one unit (``outfolder``)."""
    written = []
    with_bom()  # a bad setting is told before --out is touched
    with staged(Path(out), "ledger export", [("the ledger", store.location)]) as folder:
        with store.reading() as conn:
            store.existing(conn)
            frames = {
                "issues": read_frame(conn, issues, ISSUE_SCHEMA, order=["issue_id"]),
                "statements": read_frame(conn, statements, {c.name: _kind(c) for c in statements.columns},
                                         order=["chain"]),
                "lines": read_frame(conn, lines, {"issue_id": pl.Int64, **LINE_SCHEMA}),
                "adjustments": read_frame(conn, adjustments, {"issue_id": pl.Int64, **ADJUSTMENT_SCHEMA}),
                "positions": read_frame(conn, positions, {"issue_id": pl.Int64, **POSITION_COLUMNS}),
            }
        money = {"statements": ["payable", "held", "suspended", "shadow", "adjustments", "reported", "net_payable"],
                 "lines": ["value", "amount"], "adjustments": ["was", "now", "amount"],
                 "positions": ["paid", "held", "suspended"]}
        for name, frame in frames.items():
            frame = frame.with_columns([pence_text_expr(pl.col(c)).alias(c) for c in money.get(name, [])])
            write_csv(folder.path / f"{name}.csv", frame, money.get(name, []), date_format=None)
            written.append(f"{name}.csv")
        seal(folder.path, {"kind": "ledger export", "ledger": store.name})
    return [folder.shown_as / name for name in written]


def _kind(column: sa.Column) -> Any:
    return pl.Int64 if isinstance(column.type, (sa.Integer, sa.BigInteger)) else pl.String


def add_area(store: Store, area: str, on: str) -> None:
    with store.writing() as conn:
        store.ensure_schema(conn)
        if conn.execute(sa.select(areas.c.area).where(areas.c.area == area)).first() is None:
            conn.execute(areas.insert().values(area=area, added_on=on))
