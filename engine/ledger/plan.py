"""Before anything is computed: what the ledger already holds for the area's contract year, and
whether the month asked for may be issued now.

Months are issued in order, each once. The last month issued may be issued again only with
``--reissue --reason``; a closed year (its final month issued with ``--final``) takes no more.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl
import sqlalchemy as sa

from ..periods import Month
from ..ruleset import Ruleset
from .store import LedgerError, Store, areas, excepted, issues, statements

SUBMISSIONS = ("flex", "freeze")


@dataclass(frozen=True)
class Request:
    """What ``localpay run --ledger`` asks for."""

    ledger: str
    submission: str = "flex"
    issued_on: dt.date | None = None  # today unless given
    reissue: bool = False
    reason: str | None = None
    final: bool = False


@dataclass
class Plan:
    store: Store
    request: Request
    area: str
    year_from: str
    period: Month
    issued_on: str
    current: list[dict]  # the issues that stand (not superseded), in order
    head: int  # the last sequence number used in the area's year, superseded issues included
    replaces: dict | None  # the issue a reissue supersedes
    exists: bool  # the ledger's tables exist
    has_area: bool
    statements: pl.DataFrame = field(default_factory=pl.DataFrame)  # what each standing issue's statements said
    excepted_before: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def earlier(self) -> list[dict]:
        """The standing issues of months before this one (a reissue's own month left out)."""
        return [i for i in self.current if i["period"] < self.period.label]

    @property
    def first_month(self) -> Month | None:
        return Month.parse(self.earlier[0]["period"]) if self.earlier else None

    def frozen(self) -> dict[str, str]:
        """Each earlier month already frozen before this issue, and how, in words. A month is
        frozen by its own issue on freeze data, or by the issue of the month after it (whose
        data is the month's refresh, the freeze)."""
        out = {}
        for issue in self.earlier:
            if issue["submission"] == "freeze":
                out[issue["period"]] = f"frozen by its own issue on freeze data on {issue['issued_on']}"
                continue
            later = [i for i in self.earlier if i["period"] > issue["period"]]
            if later:
                out[issue["period"]] = f"frozen by the issue of {later[0]['period']} on {later[0]['issued_on']}"
        return out


def plan_issue(store: Store, ruleset: Ruleset, period: Month, request: Request) -> Plan:
    if request.submission not in SUBMISSIONS:
        raise LedgerError(f"--submission must be flex or freeze, not {request.submission!r}")
    if request.reason is not None and not request.reissue:
        raise LedgerError("--reason is given only with --reissue (it says why an issue is replaced)")
    if request.reissue and not (request.reason or "").strip():
        raise LedgerError("--reissue needs --reason \"...\": why the earlier issue is replaced")
    contract = ruleset.period
    first, last = Month.of(contract.start), Month.of(contract.end)
    if not first <= period <= last:
        raise LedgerError(f"{period} is outside the contract ({first} to {last}); nothing was issued")
    if request.final and period != last:
        raise LedgerError(f"--final closes the year with its last month, {last}, not {period}")
    area, year_from = ruleset.document.area, contract.start.isoformat()
    issued_on = (request.issued_on or dt.date.today()).isoformat()
    with store.reading() as conn:
        exists = store.version(conn) is not None
        known = [r[0] for r in conn.execute(sa.select(areas.c.area).order_by(areas.c.area))] if exists else []
        rows = [dict(r._mapping) for r in conn.execute(
            sa.select(issues).where(issues.c.area == area, issues.c.year_from == year_from).order_by(issues.c.sequence)
        )] if exists else []
        plan = Plan(store, request, area, year_from, period, issued_on, [r for r in rows if r["superseded_by"] is None],
                    max((r["sequence"] for r in rows), default=0), None, exists, area in known)
        _check(plan, known)
        ids = [i["issue_id"] for i in plan.earlier]
        plan.statements = _statements(conn, ids)
        if plan.current:
            latest = plan.current[-1]
            plan.excepted_before = {r[0]: (latest["issued_on"], r[1]) for r in conn.execute(
                sa.select(excepted.c.episode_id, excepted.c.reason).where(excepted.c.issue_id == latest["issue_id"]))}
    return plan


def _check(plan: Plan, known: list[str]) -> None:
    request, label = plan.request, plan.period.label
    if plan.exists and not plan.has_area and known:
        raise LedgerError(
            f"the ledger {plan.store.name} holds the statements of {', '.join(known)}, not {plan.area}; "
            f"to keep {plan.area}'s in it too, add the area first: localpay ledger add-area {plan.store.name} "
            f"{plan.area!r}; nothing was issued")
    if not plan.current:
        if request.reissue:
            raise LedgerError(f"nothing has been issued for {plan.area} {plan.year_from[:4]}, so there is nothing to re-issue")
        return
    last = plan.current[-1]
    if last["final"] and not (request.reissue and last["period"] == label):
        raise LedgerError(f"the contract year from {plan.year_from} was closed by the final issue of {last['period']} "
                          f"on {last['issued_on']}; nothing more is issued into it")
    if request.reissue:
        if last["period"] != label:
            raise LedgerError(f"only the last month issued, {last['period']}, can be re-issued, not {label}")
        plan.replaces = last
        return
    if label == last["period"]:
        raise LedgerError(
            f"{label} was already issued for {plan.area} on {last['issued_on']} ({last['submission']} data, issue "
            f"{last['sequence']}); an issue stands as issued. If it was issued in error, re-issue it with "
            f"--reissue --reason \"...\"; corrections to it are paid as adjustments when the next month is issued")
    if label < last["period"]:
        raise LedgerError(f"{label} is before the last month issued, {last['period']}; months are issued in order "
                          "and an earlier month changes only by adjustments on a later statement")
    expected = Month.parse(last["period"]).next()
    if plan.period != expected:
        raise LedgerError(f"the next month to issue is {expected} (the last issued is {last['period']}), not {label}; "
                          "months are issued in order")


def _statements(conn, ids: list[int]) -> pl.DataFrame:
    schema = {"issue_id": pl.Int64, "statement_id": pl.String, "provider": pl.String, "commissioner": pl.String,
              "period": pl.String, "payable": pl.Int64}
    if not ids:
        return pl.DataFrame(schema=schema)
    rows = conn.execute(sa.select(*(statements.c[c] for c in schema)).where(statements.c.issue_id.in_(ids))).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
