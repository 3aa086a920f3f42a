"""For random sequences of data changes across a (short) contract year (clusters, end dates,
withdrawn and new episodes, a change of commissioner, and new ruleset versions that backdate a
price), with a CQUIN paid on account on the month's actual value: what was issued plus every
adjustment equals the year recomputed on the last data, to the penny, for every month and in
total, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools

import polars as pl
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CLUSTER_PER_DAY, HEADER, csv_text, ruleset_text
from localpay import api
from localpay.ledger.chain import verify
from localpay.ledger.store import Store
from localpay.pipeline import Inputs

from test_issue import CQUIN_ON_ACTUAL, Cycle

MONTHS = ("2025-04", "2025-05", "2025-06", "2025-07")
CLUSTERS = (3, 4, 5, 11)
counter = itertools.count()

episode = st.tuples(st.sampled_from(CLUSTERS), st.integers(0, 100), st.one_of(st.none(), st.integers(1, 120)),
                    st.sampled_from(["01W", "01Y"]))
change = st.tuples(st.sampled_from(["cluster", "end", "drop", "add", "commissioner", "price"]), st.integers(0, 20),
                   episode)


def _ruleset(cluster_3_pence: int) -> str:
    """The ruleset with cluster 3 at the price given (a new version of it backdates the price),
    and CQUIN on account at 1.25% of each month's actual value: a contract-level line that moves
    with every change to the episodes' money."""
    price = f"{cluster_3_pence // 100}.{cluster_3_pence % 100:02d}"
    return ruleset_text(CLUSTER_PER_DAY.replace("3: 7.80", f"3: {price}") + CQUIN_ON_ACTUAL, period=("2025-04-01", "2025-07-31"))


def _rows(people: dict[str, tuple]) -> str:
    """The episodes, and one that never changes, so that every month issued keeps some data."""
    out = ["Z0,PZ,RT2,01W,3,2025-03-01,,community,CMHT"]
    for eid, (cluster, start, length, commissioner) in sorted(people.items()):
        begin = dt.date(2025, 3, 1) + dt.timedelta(days=start)
        end = "" if length is None else (begin + dt.timedelta(days=length)).isoformat()
        out.append(f"{eid},P{eid},RT2,{commissioner},{cluster},{begin.isoformat()},{end},community,CMHT")
    return "\n".join(out) + "\n"


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.lists(episode, min_size=1, max_size=6), changes=st.lists(st.lists(change, max_size=4),
                                                                        min_size=3, max_size=3))
def test_issued_plus_adjustments_is_the_year_on_the_last_data(tmp_path, ledger_url, plugins, start, changes):
    run = next(counter)
    folder = tmp_path / f"case{run}"
    folder.mkdir()
    cycle = Cycle(folder, _fresh(ledger_url, run), plugins, _ruleset(780))
    people = {f"E{i}": e for i, e in enumerate(start)}
    for number, month in enumerate(MONTHS):
        if number:
            for kind, which, fresh in changes[number - 1]:
                keys = sorted(people)
                target = keys[which % len(keys)] if keys else None
                if kind == "price":  # a new ruleset version: cluster 3 at £7.80 plus 0 to 20 pence, backdated
                    cycle.write_ruleset(_ruleset(780 + which))
                elif kind == "add" or target is None:
                    people[f"N{run}-{number}-{which}"] = fresh
                elif kind == "drop" and len(people) > 1:
                    del people[target]
                elif kind == "cluster":
                    people[target] = (fresh[0], *people[target][1:])
                elif kind == "end":
                    people[target] = (*people[target][:2], fresh[2], people[target][3])
                elif kind == "commissioner":
                    people[target] = (*people[target][:3], fresh[3])
        cycle.issue(_rows(people), month, f"{month}-28", final=month == MONTHS[-1])
    # the year recomputed on the last data, without the ledger
    last = folder / "last.csv"
    last.write_text(csv_text(HEADER, _rows(people)))
    result, _ = api.run_statement(cycle.ruleset, plugins, Inputs(last), MONTHS[-1], folder / "plain", MONTHS[0])
    recomputed = dict(result.lines.filter(pl.col("status") == "payable").group_by("period").agg(
        pl.col("amount").sum()).iter_rows())
    store = Store(cycle.ledger)
    with store.engine.connect() as conn:
        issued = dict(conn.execute(sa.text("select period, sum(payable) from statements group by period")).all())
        adjusted = dict(conn.execute(sa.text(
            "select adjusts_period, sum(amount) from adjustments where treatment = 'adjusted' "
            "group by adjusts_period")).all())
    for month in MONTHS:
        assert issued.get(month, 0) + adjusted.get(month, 0) == recomputed.get(month, 0), month
    assert sum(issued.values()) + sum(adjusted.values()) == sum(recomputed.values())
    assert verify(store).problems == []


def _fresh(ledger: str, run: int) -> str:
    """A new ledger for each example: a new SQLite file, or a new PostgreSQL database."""
    if "://" not in ledger:
        return ledger.replace("ledger.db", f"ledger-{run}.db")
    import psycopg

    server, name = ledger.rsplit("/", 1)
    with psycopg.connect(ledger, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}_{run}"')
    return f"{server}/{name}_{run}"
