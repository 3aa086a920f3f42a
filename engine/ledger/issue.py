"""Issuing a month: the run's lines for it, its prior-period adjustments, and one transaction
that writes them all into the ledger with their hashes, or writes nothing.

``prepare`` works only on frames (joins on keys, no loop over lines) and reads the ledger
without writing; ``write`` then takes the ledger's write lock, checks that nothing was issued
in the meantime, and writes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa

from .. import __version__
from ..lines import STATUSES
from ..pipeline import RunResult
from ..reconcile import NOT_PRICED
from ..statement.document import statement_pairs
from . import chain
from .compare import ADJUSTMENT_COLUMNS, Basis, adjustments, differences
from .plan import Plan
from .positions import KEY, POSITION_COLUMNS, positions_of
from .store import LedgerError, areas, issues, positions, statements
from .tables import bulk_insert, read_frame

ISSUE_LINE_COLUMNS = [c for c in chain.LINE_SCHEMA]


@dataclass
class Prepared:
    plan: Plan
    lines: pl.DataFrame  # the month's lines, as the ledger stores them
    positions: pl.DataFrame  # the month's positions and every earlier position that changed
    adjustments: pl.DataFrame  # ADJUSTMENT_COLUMNS and statement_id
    excepted: pl.DataFrame  # episode_id, reason: the rows this issue could not price
    statements: list[dict]  # each statement's totals and its hashed content
    now_by_month: pl.DataFrame  # provider, commissioner, period, paid: every month as now known
    adjusted_before: pl.DataFrame  # provider, commissioner, period, treatment, amount: earlier issues' adjustments
    after_freeze: str = "adjust"


def prepare(plan: Plan, result: RunResult) -> Prepared:
    month = plan.period.label
    earlier = [i["period"] for i in plan.earlier]
    recomputed = result.lines.filter(pl.col("period").is_in(earlier))
    now = positions_of(recomputed)
    with plan.store.reading() as conn:
        was = _believed(conn, plan) if earlier else pl.DataFrame(schema=POSITION_COLUMNS)
        adjusted_before = _adjusted(conn, plan)
    _check_coverage(was, now, earlier)
    changed = differences(was, now)
    known = set(was["episode_id"].drop_nulls().to_list())
    issued_on = {i["period"]: i["issued_on"] for i in plan.earlier}
    changed = changed.with_columns(
        was_episode_known=pl.coalesce("now_episode_id", "was_episode_id").is_in(list(known)),
        was_issued_on_month=pl.col("period").replace_strict(issued_on, default=None, return_dtype=pl.String),
    )
    found = adjustments(changed, _basis(plan, result, changed))
    found = found.with_columns(statement_id=pl.concat_str("provider", "commissioner", pl.lit(month), separator="-"))
    month_lines = chain.conform_lines(result.lines.filter(pl.col("period") == month))
    either = ("episode_id", "patient_id", "option", "unit")  # a key now gone keeps who and what it was
    moved = changed.select(*KEY, *[(pl.coalesce(f"now_{c}", f"was_{c}") if c in either else pl.col(f"now_{c}")).alias(c)
                                   for c in POSITION_COLUMNS if c not in KEY])
    new_positions = pl.concat([positions_of(result.lines.filter(pl.col("period") == month)),
                               _tombstones(moved)]).sort(KEY)
    excepted_rows = _excepted(result)
    pairs = sorted(set(statement_pairs(result)) | set(found.select("provider", "commissioner").unique().iter_rows()))
    now_by_month = result.lines.filter(pl.col("status") == "payable").group_by("provider", "commissioner", "period").agg(
        paid=pl.col("amount").sum())
    prepared = Prepared(plan, month_lines, new_positions, found, excepted_rows, [], now_by_month, adjusted_before,
                        result.ruleset.settings.after_freeze)
    prepared.statements = [_statement(prepared, provider, commissioner) for provider, commissioner in pairs]
    return prepared


def _believed(conn, plan: Plan) -> pl.DataFrame:
    """The latest position of every key of the earlier months, with the issue it came from."""
    ids = [i["issue_id"] for i in plan.earlier]
    months = [i["period"] for i in plan.earlier]
    frame = read_frame(conn, positions, POSITION_COLUMNS | {"issue_id": pl.Int64},
                       positions.c.issue_id.in_(ids) & positions.c.period.in_(months))
    about = pl.DataFrame([(i["issue_id"], i["issued_on"], i["ruleset_version"], i["ruleset_sha256"]) for i in plan.earlier],
                         schema={"issue_id": pl.Int64, "issued_on": pl.String, "ruleset_version": pl.String,
                                 "ruleset_sha256": pl.String}, orient="row")
    latest = frame.sort("issue_id").unique(subset=KEY, keep="last")
    # a key that vanished is kept as a tombstone (no days, no money): it is not there
    latest = latest.filter(pl.col("first_day").is_not_null())
    return latest.join(about, on="issue_id", how="left").sort(KEY)


def _tombstones(moved: pl.DataFrame) -> pl.DataFrame:
    """The new positions of the keys that changed; a key now gone becomes a position of nothing."""
    gone = pl.col("paid").is_null()
    return moved.with_columns(
        paid=pl.col("paid").fill_null(0), held=pl.col("held").fill_null(0), suspended=pl.col("suspended").fill_null(0),
        quantity=pl.col("quantity").fill_null(0),
        first_day=pl.when(gone).then(None).otherwise(pl.col("first_day")),
    ).select(list(POSITION_COLUMNS))


def _adjusted(conn, plan: Plan) -> pl.DataFrame:
    from .store import adjustments as table
    schema = {"provider": pl.String, "commissioner": pl.String, "period": pl.String, "treatment": pl.String,
              "amount": pl.Int64}
    ids = [i["issue_id"] for i in plan.earlier]
    if not ids:
        return pl.DataFrame(schema=schema)
    query = sa.select(table.c.provider, table.c.commissioner, table.c.adjusts_period, table.c.treatment,
                      sa.func.sum(table.c.amount)).where(table.c.issue_id.in_(ids)).group_by(
        table.c.provider, table.c.commissioner, table.c.adjusts_period, table.c.treatment)
    return pl.DataFrame([tuple(r) for r in conn.execute(query)], schema=schema, orient="row")


def _check_coverage(was: pl.DataFrame, now: pl.DataFrame, earlier: list[str]) -> None:
    """Refuse an episode file that lacks months already issued, rather than adjust them to nothing."""
    had = set(was.filter(pl.col("episode_id").is_not_null())["period"].unique().to_list())
    has = set(now.filter(pl.col("episode_id").is_not_null())["period"].unique().to_list())
    lacking = sorted(m for m in earlier if m in had and m not in has)
    if lacking:
        raise LedgerError(
            f"the episode file has no episodes in {', '.join(lacking)}, which the ledger holds issued statements for: "
            "give the year to date (as an MHSDS refresh does), not only the latest month; nothing was issued")


def _basis(plan: Plan, result: RunResult, changed: pl.DataFrame) -> Basis:
    exceptions = result.exceptions.filter((pl.col("source") == "episodes") & pl.col("action").is_in(NOT_PRICED)
                                          & pl.col("episode_id").is_not_null())
    wanted = pl.coalesce("now_episode_id", "was_episode_id")
    episodes = changed.select(wanted.alias("episode_id")).drop_nulls()["episode_id"].to_list()
    excepted_now = dict(exceptions.filter(pl.col("episode_id").is_in(episodes)).unique("episode_id", keep="first",
                                                                                        maintain_order=True)
                        .select("episode_id", "reason").iter_rows())
    valid = result.context.episodes.filter(pl.col("episode_id").is_in(episodes))
    dates = {r[0]: (r[1].isoformat() if r[1] else None, r[2].isoformat() if r[2] else None)
             for r in valid.select("episode_id", "start_date", "end_date").iter_rows()}
    return Basis(result.ruleset.document.version, result.ruleset.sha256, excepted_now, plan.excepted_before, dates, plan.frozen(),
                 result.ruleset.settings.after_freeze)


def _excepted(result: RunResult) -> pl.DataFrame:
    rows = result.exceptions.filter((pl.col("source") == "episodes") & pl.col("action").is_in(NOT_PRICED)
                                    & pl.col("episode_id").is_not_null())
    return rows.select("episode_id", "reason").unique("episode_id", keep="first", maintain_order=True).sort("episode_id")


def _statement(prepared: Prepared, provider: str, commissioner: str) -> dict:
    plan = prepared.plan
    mine = (pl.col("provider") == provider) & (pl.col("commissioner") == commissioner)
    lines = prepared.lines.filter(mine)
    found = prepared.adjustments.filter(mine)
    status = pl.col("status")
    totals = {s: int(lines.filter(status == s)["amount" if s in ("payable", "held") else "value"].sum()) for s in STATUSES}
    adjusted = int(found.filter(pl.col("treatment") == "adjusted")["amount"].sum())
    reported = int(found.filter(pl.col("treatment") == "reported")["amount"].sum())
    statement_id = f"{provider}-{commissioner}-{plan.period.label}"
    return {"statement_id": statement_id, "provider": provider, "commissioner": commissioner,
            "period": plan.period.label, "lines": lines.height, **totals, "adjustments": adjusted,
            "reported": reported, "net_payable": totals["payable"] + adjusted,
            "positions": prepared.positions.filter(mine), "lines_frame": lines,
            "adjustments_frame": found.select("statement_id", *ADJUSTMENT_COLUMNS)}


@dataclass(frozen=True)
class Issued:
    issue_id: int
    sequence: int
    statements: list[dict]  # each with its chain place and hashes


def write(prepared: Prepared, result: RunResult, before_commit: Callable[[Issued], object] | None = None) -> Issued:
    """Write the issue in one transaction; refuse if another issue landed since it was planned.
    ``before_commit`` is given the issue inside the transaction (the run's outputs are written
    then): if it fails, nothing is issued."""
    plan, store = prepared.plan, prepared.plan.store
    with store.writing() as conn:
        store.ensure_schema(conn)
        if conn.execute(sa.select(areas.c.area).where(areas.c.area == plan.area)).first() is None:
            if plan.exists and conn.execute(sa.select(sa.func.count()).select_from(areas)).scalar() and not plan.has_area:
                raise LedgerError(f"the ledger {store.name} gained another area while this issue was computed; run it again")
            conn.execute(areas.insert().values(area=plan.area, added_on=plan.issued_on))
        if store.postgres:  # the area's row is the lock two issues into one area queue on
            conn.execute(sa.select(areas.c.area).where(areas.c.area == plan.area).with_for_update())
        head = conn.execute(sa.select(sa.func.max(issues.c.sequence)).where(
            issues.c.area == plan.area, issues.c.year_from == plan.year_from)).scalar() or 0
        if head != plan.head:
            raise LedgerError(f"another issue was written to {store.name} for {plan.area} while this one was computed "
                              f"(the ledger's last issue is now number {head}, not {plan.head}); run this one again, "
                              "nothing was written")
        sequence = head + 1
        header = _header(plan, result, sequence)
        issue_id = conn.execute(issues.insert().values(**header).returning(issues.c.issue_id)).scalar_one()
        if plan.replaces:
            conn.execute(issues.update().where(issues.c.issue_id == plan.replaces["issue_id"]).values(superseded_by=issue_id))
        previous = chain.head_hash(conn, plan.area)
        place = chain.head_place(conn, plan.area)
        written = []
        for statement in prepared.statements:
            place += 1
            content = chain.content_hash(header, statement)
            digest = chain.link(previous, content)
            row = {k: statement[k] for k in ("statement_id", "provider", "commissioner", "period", "lines", *STATUSES,
                                             "adjustments", "reported", "net_payable")}
            conn.execute(statements.insert().values(issue_id=issue_id, chain=place, content_sha256=content,
                                                    previous_sha256=previous, sha256=digest, **row))
            written.append({**row, "chain": place, "content_sha256": content, "previous_sha256": previous, "sha256": digest})
            previous = digest
        from .store import adjustments as adjustments_table, excepted, lines
        with_issue = pl.lit(issue_id, pl.Int64).alias("issue_id")
        bulk_insert(conn, lines, prepared.lines.select(with_issue, *ISSUE_LINE_COLUMNS))
        bulk_insert(conn, positions, prepared.positions.select(with_issue, *POSITION_COLUMNS))
        bulk_insert(conn, adjustments_table, prepared.adjustments.select(with_issue, "statement_id", *ADJUSTMENT_COLUMNS))
        bulk_insert(conn, excepted, prepared.excepted.select(with_issue, "episode_id", "reason"))
        issued = Issued(issue_id, sequence, written)
        if before_commit is not None:
            before_commit(issued)
    return issued


def _header(plan: Plan, result: RunResult, sequence: int) -> dict:
    inputs = {name: {"file": path.name, "sha256": chain.file_digest(path)} for name, path in sorted(result.inputs.items())
              if path is not None}
    document = result.ruleset.document
    return {
        "area": plan.area, "year_from": plan.year_from, "sequence": sequence, "period": plan.period.label,
        "submission": plan.request.submission, "issued_on": plan.issued_on, "final": plan.request.final,
        "ruleset_title": document.title, "ruleset_version": document.version, "ruleset_sha256": result.ruleset.sha256,
        "engine_version": __version__, "inputs": json.dumps(inputs, sort_keys=True),
        "after_freeze": result.ruleset.settings.after_freeze,
        "supersedes": plan.replaces["issue_id"] if plan.replaces else None,
        "reason": plan.request.reason if plan.replaces else None,
    }
