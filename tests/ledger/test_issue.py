"""Issuing months into a ledger: prior-period adjustments worked by hand, each cause asserted,
on SQLite and on PostgreSQL (the ``ledger_url`` fixture)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from localpay import api
from localpay.errors import LocalpayError
from localpay.ledger import Request
from localpay.ledger.chain import verify
from localpay.ledger.store import Store
from localpay.pipeline import Inputs

from conftest import ASSESSMENTS_HEADER, CLUSTER_PER_DAY, HEADER, csv_text, ruleset_text

# cluster 3 pays £7.80 a day, cluster 4 £10.95, cluster 5 £14.20 (CLUSTER_PER_DAY); days count
# from the start, exclusive of the end date
APRIL_FLEX = """\
    E1,P1,RT2,01W,3,2025-03-01,,community,CMHT
    E2,P2,RT2,01W,5,2025-04-01,,community,CMHT
    E3,P3,RT2,01W,4,2025-04-01,,community,CMHT
    """
# April's refresh with May's flex: P1 moved from cluster 3 to 4 on 10 April (E1 ends, E1B
# starts), E2 is withdrawn, E3's end date is now 16 April, E4 arrives late from 20 April
MAY_FLEX = """\
    E1,P1,RT2,01W,3,2025-03-01,2025-04-10,community,CMHT
    E1B,P1,RT2,01W,4,2025-04-10,,community,CMHT
    E3,P3,RT2,01W,4,2025-04-01,2025-04-16,community,CMHT
    E4,P4,RT2,01W,3,2025-04-20,,community,CMHT
    """


class Cycle:
    """A ruleset and a ledger, and months issued into it from episode rows."""

    def __init__(self, folder: Path, ledger: str, plugins, ruleset: str = ruleset_text(CLUSTER_PER_DAY)):
        self.folder, self.ledger, self.plugins = folder, ledger, plugins
        self.write_ruleset(ruleset)

    def write_ruleset(self, text: str) -> None:
        (self.folder / "ruleset.yaml").write_text(text)
        self.ruleset = api.open_ruleset(self.folder / "ruleset.yaml", self.plugins)

    def issue(self, rows: str, period: str, issued_on: str, assessments: str | None = None, **request) -> dict:
        episodes = self.folder / f"episodes-{period}-{issued_on}.csv"
        episodes.write_text(csv_text(HEADER, rows))
        reviews = None
        if assessments is not None:
            reviews = self.folder / f"assessments-{period}-{issued_on}.csv"
            reviews.write_text(csv_text(ASSESSMENTS_HEADER, assessments))
        out = self.folder / f"out-{period}-{issued_on}"
        _, written = api.run_statement(self.ruleset, self.plugins, Inputs(episodes, reviews), period, out,
                                       ledger=Request(self.ledger, issued_on=dt.date.fromisoformat(issued_on), **request),
                                       pdf=False)  # the money is the question here, not its PDF
        self.out = out
        (statement,) = [s for s in written.statements if s["id"] == f"RT2-01W-{period}"]
        return statement

    def adjustments(self) -> dict[str, tuple[str, Decimal, str]]:
        frame = pl.read_csv(self.out / "adjustments.csv", infer_schema=False)
        return {r["episode_id"]: (r["adjusts_period"], Decimal(r["amount"]), r["cause"]) for r in frame.iter_rows(named=True)}


@pytest.fixture
def cycle(tmp_path, ledger_url, plugins):
    return Cycle(tmp_path, ledger_url, plugins)


def test_april_refreshed_with_mays_flex(cycle):
    april = cycle.issue(APRIL_FLEX, "2025-04", "2025-05-15")
    # 30 days x £7.80 = £234.00; 30 x £14.20 = £426.00; 30 x £10.95 = £328.50
    assert april["totals"]["payable"] == Decimal("988.50")
    assert april["ledger"]["adjustments"]["count"] == 0
    may = cycle.issue(MAY_FLEX, "2025-05", "2025-06-15")
    found = cycle.adjustments()
    # E1: 9 days (1-9 April) x £7.80 = £70.20, was £234.00
    assert found["E1"][:2] == ("2025-04", Decimal("-163.80"))
    assert found["E1"][2] == "the cluster changed from 3 to 4 on 2025-04-10: this period now ends on 2025-04-09"
    # E1B: 21 days (10-30 April) x £10.95 = £229.95
    assert found["E1B"][:2] == ("2025-04", Decimal("229.95"))
    assert found["E1B"][2] == "the cluster changed from 3 to 4 on 2025-04-10: a new period in cluster 4"
    assert found["E2"] == ("2025-04", Decimal("-426.00"), "the episode was withdrawn: it is no longer in the data")
    # E3: 15 days (1-15 April) x £10.95 = £164.25, was £328.50
    assert found["E3"] == ("2025-04", Decimal("-164.25"),
                           "the end date moved: days in 2025-04 now end on 2025-04-15 (were to 2025-04-30)")
    # E4: 11 days (20-30 April) x £7.80 = £85.80
    assert found["E4"] == ("2025-04", Decimal("85.80"),
                           "a new episode, not in the data when 2025-04 was issued on 2025-05-15 (it starts 2025-04-20)")
    assert len(found) == 5
    # -163.80 + 229.95 - 426.00 - 164.25 + 85.80 = -438.30
    assert may["ledger"]["adjustments"]["adjusted"] == Decimal("-438.30")
    # May: E1B 31 x £10.95 = £339.45, E4 31 x £7.80 = £241.80: £581.25; net 581.25 - 438.30
    assert may["totals"]["payable"] == Decimal("581.25")
    assert may["ledger"]["net_payable"] == Decimal("142.95")
    april_row, may_row = may["ledger"]["year_to_date"]["months"]
    # April issued 988.50, adjusted -438.30: 550.20 = 70.20 + 229.95 + 164.25 + 85.80 now known
    assert (april_row["issued"], april_row["paid_to_date"], april_row["now_known"]) == (
        Decimal("988.50"), Decimal("550.20"), Decimal("550.20"))
    assert may_row["difference"] == Decimal("0.00")
    kinds = {r["kind"]: r["adjusted"] for r in may["ledger"]["adjustments"]["by_cause"]}
    assert kinds == {"cluster": Decimal("66.15"), "withdrawn": Decimal("-426.00"), "dates": Decimal("-164.25"),
                     "new": Decimal("85.80")}
    assert verify(Store(cycle.ledger)).problems == []


def test_a_price_backdated_by_a_new_ruleset_version_after_freeze(cycle, plugins):
    cycle.issue(APRIL_FLEX, "2025-04", "2025-05-15")
    cycle.issue(MAY_FLEX, "2025-05", "2025-06-15")
    new_price = CLUSTER_PER_DAY.replace("3: 7.80", "3: 8.00")
    cycle.write_ruleset(ruleset_text(new_price).replace("title: Test arrangement", "title: Test arrangement\nversion: '2'"))
    june = cycle.issue(MAY_FLEX, "2025-06", "2025-07-15")
    frame = pl.read_csv(cycle.out / "adjustments.csv", infer_schema=False)
    got = {(r["episode_id"], r["adjusts_period"]): (Decimal(r["amount"]), r["cause"]) for r in frame.iter_rows(named=True)}
    sha_old = got[("E4", "2025-05")][1].split("SHA-256 ")[1][:12]
    # E4 in May: 31 days x (£8.00 - £7.80) = £6.20; May is not yet frozen (June's data is its refresh)
    assert got[("E4", "2025-05")] == (Decimal("6.20"), "the price of cluster 3 changed from £7.80 to £8.00 (ruleset "
                                      f"version unversioned -> 2, SHA-256 {sha_old} -> {cycle.ruleset.sha256[:12]})")
    # E4 in April: 11 x £0.20 = £2.20; E1 in April: 9 x £0.20 = £1.80; April was frozen by May's issue
    assert got[("E4", "2025-04")][0] == Decimal("2.20")
    assert got[("E1", "2025-04")][0] == Decimal("1.80")
    assert got[("E1", "2025-04")][1].endswith(
        "; 2025-04 was frozen by the issue of 2025-05 on 2025-06-15: adjusted after freeze, as settings.after_freeze says")
    assert len(got) == 3
    # June: E4 30 x £8.00 = £240.00 and E1B 30 x £10.95 = £328.50; adjustments 6.20 + 2.20 + 1.80 = 10.20
    assert june["totals"]["payable"] == Decimal("568.50")
    assert june["ledger"]["net_payable"] == Decimal("578.70")


def test_after_freeze_report_lists_but_does_not_pay(cycle):
    cycle.issue(APRIL_FLEX, "2025-04", "2025-05-15")
    cycle.issue(MAY_FLEX, "2025-05", "2025-06-15")
    cycle.write_ruleset(ruleset_text(CLUSTER_PER_DAY.replace("3: 7.80", "3: 8.00"), settings="after_freeze: report"))
    june = cycle.issue(MAY_FLEX, "2025-06", "2025-07-15")
    frame = pl.read_csv(cycle.out / "adjustments.csv", infer_schema=False)
    treatments = {(r["episode_id"], r["adjusts_period"]): r["treatment"] for r in frame.iter_rows(named=True)}
    assert treatments == {("E1", "2025-04"): "reported", ("E4", "2025-04"): "reported", ("E4", "2025-05"): "adjusted"}
    # only May's £6.20 is paid; April's £1.80 + £2.20 = £4.00 is reported
    assert june["ledger"]["adjustments"]["adjusted"] == Decimal("6.20")
    assert june["ledger"]["adjustments"]["reported"] == Decimal("4.00")
    april = june["ledger"]["year_to_date"]["months"][0]
    assert april["difference"] == Decimal("4.00")


def test_a_corrected_row_and_a_change_of_commissioner(cycle):
    cycle.issue("""\
        E1,P1,RT2,01W,3,2025-04-01,,community,CMHT
        E2,P2,RT2,01W,3,2025-04-01,not a date,community,CMHT
        """, "2025-04", "2025-05-15")
    cycle.issue("""\
        E1,P1,RT2,01Y,3,2025-04-01,,community,CMHT
        E2,P2,RT2,01W,3,2025-04-01,,community,CMHT
        """, "2025-05", "2025-06-15")
    found = cycle.adjustments()
    # E2: 30 days x £7.80 = £234.00, now priced; E1 leaves 01W (-£234.00); 01Y has no arrangement
    assert found["E2"][1] == Decimal("234.00")
    assert found["E2"][2].startswith("the episode's row was excepted on 2025-05-15 (")
    assert found["E2"][2].endswith(") and is now corrected and priced")
    assert found["E1"][1] == Decimal("-234.00")


def test_issued_statements_are_immutable(cycle):
    cycle.issue(APRIL_FLEX, "2025-04", "2025-05-15")
    with pytest.raises(LocalpayError, match="2025-04 was already issued for Testshire on 2025-05-15"):
        cycle.issue(APRIL_FLEX, "2025-04", "2025-05-16")
    with pytest.raises(LocalpayError, match="--reissue needs --reason"):
        cycle.issue(APRIL_FLEX, "2025-04", "2025-05-16", reissue=True)
    again = cycle.issue(MAY_FLEX, "2025-04", "2025-05-16", reissue=True, reason="the wrong file was sent")
    assert again["ledger"]["supersedes"] == {"sequence": 1, "issued_on": "2025-05-15", "reason": "the wrong file was sent"}
    with pytest.raises(LocalpayError, match="the next month to issue is 2025-05"):
        cycle.issue(MAY_FLEX, "2025-06", "2025-07-15")
    cycle.issue(MAY_FLEX, "2025-05", "2025-06-15")
    with pytest.raises(LocalpayError, match="2025-04 is before the last month issued, 2025-05"):
        cycle.issue(MAY_FLEX, "2025-04", "2025-06-16", reissue=False)
    # the superseded issue stays in the ledger, marked, and the May issue compared with the re-issue
    engine = Store(cycle.ledger).engine
    with engine.connect() as conn:
        rows = conn.execute(sa.text("select sequence, period, superseded_by is not null, reason from issues "
                                    "order by sequence")).all()
    assert [tuple(r) for r in rows] == [(1, "2025-04", True, None), (2, "2025-04", False, "the wrong file was sent"),
                                        (3, "2025-05", False, None)]
    assert not (cycle.out / "adjustments.csv").read_text().strip().count("\n")
    assert verify(Store(cycle.ledger)).problems == []


def test_a_file_that_lacks_issued_months_is_refused(cycle):
    cycle.issue(APRIL_FLEX, "2025-04", "2025-05-15")
    with pytest.raises(LocalpayError, match="the episode file has no episodes in 2025-04"):
        cycle.issue("E9,P9,RT2,01W,3,2025-05-03,,community,CMHT\n", "2025-05", "2025-06-15")
    assert _count(cycle.ledger, "issues") == 1


def test_the_final_issue_reconciles_the_year(tmp_path, ledger_url, plugins):
    cycle = Cycle(tmp_path, ledger_url, plugins, ruleset_text(CLUSTER_PER_DAY, period=("2025-04-01", "2025-06-30")))
    cycle.issue(APRIL_FLEX, "2025-04", "2025-05-15")
    cycle.issue(MAY_FLEX, "2025-05", "2025-06-15")
    with pytest.raises(LocalpayError, match="--final closes the year with its last month, 2025-06"):
        cycle.issue(MAY_FLEX, "2025-05", "2025-06-16", final=True)
    final = cycle.issue(MAY_FLEX.replace("E4,P4,RT2,01W,3,2025-04-20,", "E4,P4,RT2,01W,3,2025-04-20,2025-05-01"),
                        "2025-06", "2025-07-15", final=True)
    reconciliation = final["ledger"]["reconciliation"]
    assert reconciliation["balanced"]
    # April now: 70.20 + 229.95 + 164.25 + 85.80 = 550.20; May: E1B 339.45 (E4 ended 30 April)
    assert [(m["period"], m["paid_to_date"], m["now_known"]) for m in reconciliation["months"]] == [
        ("2025-04", Decimal("550.20"), Decimal("550.20")), ("2025-05", Decimal("339.45"), Decimal("339.45")),
        ("2025-06", Decimal("328.50"), Decimal("328.50"))]
    assert reconciliation["total"]["paid_to_date"] == Decimal("1218.15")
    with pytest.raises(LocalpayError, match="was closed by the final issue of 2025-06"):
        cycle.issue(MAY_FLEX, "2025-06", "2025-07-16")


def test_verify_names_an_altered_statement(cycle):
    cycle.issue(APRIL_FLEX, "2025-04", "2025-05-15")
    cycle.issue(MAY_FLEX, "2025-05", "2025-06-15")
    store = Store(cycle.ledger)
    with store.engine.begin() as conn:
        conn.execute(sa.text("update lines set amount = amount + 1 where episode_id = 'E3' and period = '2025-04'"))
    problems = verify(store).problems
    assert any(p.startswith("statement RT2-01W-2025-04 (issue 1 of Testshire") and "content does not match" in p
               for p in problems)
    assert any("payable total is 98850 but its stored rows come to 98851" in p for p in problems)


def test_a_ledger_of_another_area_or_not_a_ledger(cycle, tmp_path):
    cycle.issue(APRIL_FLEX, "2025-04", "2025-05-15")
    other = ruleset_text(CLUSTER_PER_DAY).replace("area: Testshire", "area: Otherton")
    cycle.write_ruleset(other)
    with pytest.raises(LocalpayError, match="holds the statements of Testshire, not Otherton"):
        cycle.issue(APRIL_FLEX, "2025-04", "2025-05-15")
    not_ledger = tmp_path / "notes.db"
    not_ledger.write_text("episode_id,cluster\nE1,3\n")
    before = not_ledger.read_bytes()
    with pytest.raises(LocalpayError, match="is not a localpay ledger"):
        Cycle(tmp_path, str(not_ledger), cycle.plugins).issue(APRIL_FLEX, "2025-04", "2025-05-15")
    assert not_ledger.read_bytes() == before


def test_a_ledger_of_a_newer_schema_is_refused(cycle):
    cycle.issue(APRIL_FLEX, "2025-04", "2025-05-15")
    with Store(cycle.ledger).engine.begin() as conn:
        conn.execute(sa.text("update ledger_info set value = '99' where key = 'schema_version'"))
    with pytest.raises(LocalpayError, match="has schema version 99, newer than this localpay reads"):
        cycle.issue(MAY_FLEX, "2025-05", "2025-06-15")


def _count(ledger: str, table: str) -> int:
    with Store(ledger).engine.connect() as conn:
        return conn.execute(sa.text(f"select count(*) from {table}")).scalar()




def test_a_hold_released_by_a_late_review(tmp_path, ledger_url, plugins):
    cycle = Cycle(tmp_path, ledger_url, plugins, ruleset_text(CLUSTER_PER_DAY, "overdue_review: hold"))
    # cluster 1 at £3.10 a day reviews every 84 days: from 1 April the review is due on 24 June.
    # June on flex, with no review: 1-23 June paid (23 x £3.10 = £71.30), 24-30 June held
    # (7 x £3.10 = £21.70)
    june = cycle.issue("E1,P1,RT2,01W,1,2025-04-01,,,", "2025-06", "2025-07-15")
    assert (june["totals"]["payable"], june["totals"]["held"]) == (Decimal("71.30"), Decimal("21.70"))
    # July's data brings a review dated 28 June: June recomputed pays all 30 days (£93.00), so
    # the £21.70 held is paid as an adjustment to June; July pays 31 x £3.10 = £96.10
    july = cycle.issue("E1,P1,RT2,01W,1,2025-04-01,,,", "2025-07", "2025-08-15",
                       assessments="P1,RT2,2025-06-28,MHCT,1,")
    frame = pl.read_csv(cycle.out / "adjustments.csv", infer_schema=False)
    [row] = frame.iter_rows(named=True)
    assert (row["adjusts_period"], row["episode_id"], row["was"], row["now"], row["amount"], row["kind"]) == (
        "2025-06", "E1", "71.30", "93.00", "21.70", "review")
    assert row["cause"] == "held days released: a review is now on record for 2025-06 (held was £21.70, now £0.00)"
    assert july["totals"]["payable"] == Decimal("96.10")
    # 96.10 + 21.70 = 117.80, what July pays in all
    assert july["ledger"]["net_payable"] == Decimal("117.80")
    assert verify(Store(cycle.ledger)).problems == []


CQUIN_ON_ACTUAL = """\
- id: cquin
  option: cquin
  provider: RT2
  commissioner: 01W
  clause: Schedule 4 part 3
  percent: 1.25%
  of: [tariff]
  goals:
    - {id: smoking, indicator: reported, weight: 100%, floor: 50%, target: 90%}
"""


def test_a_cquin_on_account_change(tmp_path, ledger_url, plugins):
    cycle = Cycle(tmp_path, ledger_url, plugins, ruleset_text(CLUSTER_PER_DAY + CQUIN_ON_ACTUAL))
    april = cycle.issue(APRIL_FLEX, "2025-04", "2025-05-15")
    # without a planned value, CQUIN on account is 1.25% of the month's actual value:
    # April on flex £988.50 x 1.25% = £12.35625 -> £12.36 (half up); payable 988.50 + 12.36
    assert april["totals"]["payable"] == Decimal("1000.86")
    may = cycle.issue(MAY_FLEX, "2025-05", "2025-06-15")
    frame = pl.read_csv(cycle.out / "adjustments.csv", infer_schema=False)
    on_account = [r for r in frame.iter_rows(named=True) if r["arrangement"] == "cquin"]
    # April refreshed is £550.20 (test_april_refreshed_with_mays_flex): x 1.25% = £6.8775 ->
    # £6.88; the ledger says £12.36 was paid on account, so -£5.48
    assert [(r["adjusts_period"], r["item"], r["was"], r["now"], r["amount"], r["kind"]) for r in on_account] == [
        ("2025-04", "contract: on account", "12.36", "6.88", "-5.48", "settlement")]
    assert on_account[0]["cause"] == (
        "the on account line of cquin (cquin) for 2025-04 is now £6.88 (was £12.36), recomputed on the data now "
        "given; the episode money of RT2 and 01W for 2025-04 changed by -£438.30 in this issue")
    # May: tariff £581.25, on account £581.25 x 1.25% = £7.265625 -> £7.27: £588.52; the
    # adjustments are the episodes' -£438.30 and the on account's -£5.48: net 588.52 - 443.78
    assert may["totals"]["payable"] == Decimal("588.52")
    assert may["ledger"]["adjustments"]["adjusted"] == Decimal("-443.78")
    assert may["ledger"]["net_payable"] == Decimal("144.74")
    kinds = {r["kind"]: r["adjusted"] for r in may["ledger"]["adjustments"]["by_cause"]}
    assert kinds["settlement"] == Decimal("-5.48")
