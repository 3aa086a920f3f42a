"""Tamper evidence: each issued statement's content hashed, and chained to the statement issued
before it in the same area.

A statement's content is its issue's particulars, its totals, and its lines, positions and
adjustments, each table written as CSV in one fixed order; its hash is SHA-256 of that. Its
chain hash is SHA-256 of the previous statement's chain hash and its own content hash, so
altering, adding or removing any statement breaks every hash after it. ``verify`` recomputes
all of it, and every total, from the stored rows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from ..fileio import file_sha256
from ..lines import LINE_COLUMNS, STATUSES
from .positions import KEY, POSITION_COLUMNS
from .store import Store, adjustments, issues, lines, positions, statements
from .tables import read_frame

GENESIS = "0" * 64
DATES = ("from_date", "to_date", "price_from")
LINE_SCHEMA = {name: (pl.String if kind in (pl.Date, pl.String) else pl.Int64) for name, kind in LINE_COLUMNS.items()}
HEADER = ("area", "year_from", "sequence", "period", "submission", "issued_on", "final", "ruleset_title",
          "ruleset_version", "ruleset_sha256", "engine_version", "inputs", "after_freeze", "supersedes", "reason")
TOTALS = ("statement_id", "provider", "commissioner", "period", "lines", *STATUSES, "adjustments", "reported",
          "net_payable")
ADJUSTMENT_SCHEMA = {"statement_id": pl.String, "adjusts_period": pl.String, "arrangement": pl.String,
                     "provider": pl.String, "commissioner": pl.String, "episode_id": pl.String, "item": pl.String,
                     "was": pl.Int64, "now": pl.Int64, "amount": pl.Int64, "kind": pl.String, "cause": pl.String,
                     "treatment": pl.String}


def conform_lines(frame: pl.DataFrame) -> pl.DataFrame:
    """Payment lines as the ledger stores them: dates as ISO text, integers as 64-bit."""
    return frame.select([
        (pl.col(c).dt.to_string("%Y-%m-%d") if c in DATES else pl.col(c)).cast(t).alias(c)
        for c, t in LINE_SCHEMA.items()
    ])


def file_digest(path: Path) -> str:
    return file_sha256(path)


def _csv(frame: pl.DataFrame, order: list[str]) -> bytes:
    return frame.sort(order, nulls_last=True).write_csv(null_value="\\N").encode()


def content_hash(header: dict, statement: dict) -> str:
    digest = hashlib.sha256()
    about = {**{k: header[k] for k in HEADER}, **{k: statement[k] for k in TOTALS}}
    digest.update(json.dumps(about, sort_keys=True, default=str).encode() + b"\n")
    digest.update(_csv(statement["lines_frame"].select(list(LINE_SCHEMA)), list(LINE_SCHEMA)))
    digest.update(b"\n")
    digest.update(_csv(statement["positions"].select(list(POSITION_COLUMNS)), list(POSITION_COLUMNS)))
    digest.update(b"\n")
    digest.update(_csv(statement["adjustments_frame"].select(list(ADJUSTMENT_SCHEMA)), list(ADJUSTMENT_SCHEMA)))
    return digest.hexdigest()


def link(previous: str, content: str) -> str:
    return hashlib.sha256(f"{previous}:{content}".encode()).hexdigest()


def _area_statements(area: str):
    return sa.select(statements).join(issues, issues.c.issue_id == statements.c.issue_id).where(issues.c.area == area)


def head_hash(conn, area: str) -> str:
    row = conn.execute(_area_statements(area).order_by(statements.c.chain.desc()).limit(1)).first()
    return row._mapping["sha256"] if row else GENESIS


def head_place(conn, area: str) -> int:
    row = conn.execute(_area_statements(area).order_by(statements.c.chain.desc()).limit(1)).first()
    return row._mapping["chain"] if row else 0


@dataclass(frozen=True)
class Verified:
    statements: int
    lines: int
    problems: list[str]  # each naming the statement (and issue) that does not hold


def verify(store: Store) -> Verified:
    """Recompute every statement's hashes and totals from its stored rows."""
    problems: list[str] = []
    counted = checked = 0
    with store.reading() as conn:
        store.existing(conn)
        about = {r._mapping["issue_id"]: dict(r._mapping) for r in conn.execute(sa.select(issues))}
        rows = [dict(r._mapping) for r in conn.execute(
            sa.select(statements, issues.c.area).join(issues, issues.c.issue_id == statements.c.issue_id)
            .order_by(issues.c.area, statements.c.chain))]
        previous: dict[str, str] = {}
        places: dict[str, int] = {}
        for row in rows:
            area, issue = row["area"], about[row["issue_id"]]
            name = f"statement {row['statement_id']} (issue {issue['sequence']} of {area}, issued {issue['issued_on']})"
            mine = (lines.c.issue_id == row["issue_id"]) & (lines.c.statement_id == row["statement_id"])
            stored = read_frame(conn, lines, LINE_SCHEMA, mine)
            held = (positions.c.issue_id == row["issue_id"]) & (positions.c.provider == row["provider"]) & (
                positions.c.commissioner == row["commissioner"])
            stored_positions = read_frame(conn, positions, POSITION_COLUMNS, held)
            owned = (adjustments.c.issue_id == row["issue_id"]) & (adjustments.c.statement_id == row["statement_id"])
            stored_adjustments = read_frame(conn, adjustments, ADJUSTMENT_SCHEMA, owned)
            counted += 1
            checked += stored.height
            problems += _totals(name, row, stored, stored_adjustments)
            statement = {**row, "lines_frame": stored, "positions": stored_positions,
                         "adjustments_frame": stored_adjustments}
            content = content_hash(issue, statement)
            if content != row["content_sha256"]:
                problems.append(f"{name}: its content does not match its SHA-256: a line, position, adjustment, "
                                "total or particular of its issue was altered")
            expected_previous = previous.get(area, GENESIS)
            if row["previous_sha256"] != expected_previous or row["chain"] != places.get(area, 0) + 1:
                problems.append(f"{name}: the chain is broken before it: a statement before it was altered, removed "
                                "or inserted")
            if link(row["previous_sha256"], row["content_sha256"]) != row["sha256"]:
                problems.append(f"{name}: its chain hash does not match")
            previous[area], places[area] = row["sha256"], row["chain"]
        problems += _superseded(about)
        orphans = conn.execute(sa.select(sa.func.count()).select_from(lines).where(
            ~sa.exists().where((statements.c.issue_id == lines.c.issue_id)
                               & (statements.c.statement_id == lines.c.statement_id)))).scalar()
        if orphans:
            problems.append(f"{orphans} payment lines belong to no issued statement: lines were added")
    return Verified(counted, checked, problems)


def _totals(name: str, row: dict, stored: pl.DataFrame, found: pl.DataFrame) -> list[str]:
    out = []
    status = pl.col("status")
    recomputed = {s: int(stored.filter(status == s)["amount" if s in ("payable", "held") else "value"].sum())
                  for s in STATUSES}
    recomputed["lines"] = stored.height
    recomputed["adjustments"] = int(found.filter(pl.col("treatment") == "adjusted")["amount"].sum())
    recomputed["reported"] = int(found.filter(pl.col("treatment") == "reported")["amount"].sum())
    recomputed["net_payable"] = recomputed["payable"] + recomputed["adjustments"]
    for key, value in recomputed.items():
        if row[key] != value:
            out.append(f"{name}: its {key} total is {row[key]} but its stored rows come to {value}")
    bad = found.filter(pl.col("amount") != pl.col("now") - pl.col("was"))
    if bad.height:
        out.append(f"{name}: {bad.height} adjustments whose amount is not now - was")
    return out


def _superseded(about: dict[int, dict]) -> list[str]:
    out = []
    for issue in about.values():
        later = issue["superseded_by"]
        if later is not None and (later not in about or about[later]["supersedes"] != issue["issue_id"]):
            out.append(f"issue {issue['sequence']} of {issue['area']} ({issue['period']}) is marked superseded, "
                       "but no later issue says it supersedes it")
    replaced = {i["supersedes"]: i for i in about.values() if i["supersedes"] is not None}
    for old, new in replaced.items():
        if old in about and about[old]["superseded_by"] != new["issue_id"]:
            out.append(f"issue {new['sequence']} of {new['area']} ({new['period']}) supersedes an issue not marked "
                       "superseded")
    return out


__all__ = ["KEY", "Verified", "conform_lines", "content_hash", "link", "verify"]
