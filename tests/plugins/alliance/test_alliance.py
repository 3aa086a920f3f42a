"""Alliance contracts, worked by hand.

Most cases: an annual value of £1,200,000.00 is £100,000.00 a month; a quarter is £300,000.00 and
its 5% pool £15,000.00. KPIs: recovery (60%: stake £9,000.00; floor 40%, target 60%) and reviews
(40%: stake £6,000.00; floor 70%, target 90%). Members RXV 40%, RT2 35% and the commissioner 01W
25%, which keeps its share.
"""

from __future__ import annotations

from decimal import Decimal as D

import polars as pl
import pytest

from alliance_helpers import amounts, by_member, kpis, run_alliance, workings
from localpay.errors import RulesetError

COMMISSIONER_SHARES = "[{party: RXV, share: 40%}, {party: RT2, share: 35%}, {party: 01W, share: 25%}]"
PROVIDER_SHARES = "[{party: RXV, share: 40%}, {party: RT2, share: 35%}, {party: NQ1, share: 25%}]"
TWO_KPIS = """\
      - {id: recovery, indicator: reported, weight: 60%, floor: 40%, target: 60%}
      - {id: reviews, indicator: reported, weight: 40%, floor: 70%, target: 90%}
"""


def alliance(value: str = "1200000.00", members: str = COMMISSIONER_SHARES, kpis_yaml: str | None = TWO_KPIS,
             settlement: str = "quarterly", pool: str = "5%") -> str:
    text = f"""\
- id: living-well
  option: alliance
  commissioner: 01W
  clause: Schedule 3 alliance agreement
  annual_value: {value}
  members: {members}
"""
    if kpis_yaml is None:
        return text
    return text + f"""\
  risk_reward:
    pool: {pool}
    settlement: {settlement}
    kpis:
{kpis_yaml}"""


def june(recovery: str, reviews: str | None) -> str:
    """Alliance-wide returns (no provider) for June: ``recovery`` and ``reviews`` as n/d."""
    rows = [f"recovery,2025-06,{recovery.replace('/', ',')},"]
    if reviews is not None:
        rows.append(f"reviews,2025-06,{reviews.replace('/', ',')},")
    return "\n".join(rows)


# --- the value, shared to the penny -------------------------------------------------------

# £100,000.01 = 10,000,001p in twelve instalments (money.instalments): the rounded k/12 of the
# year less the rounded (k-1)/12: 833,333p in months 1, 3, 5, 7, 8, 10 and 12, 833,334p in 2, 4,
# 6, 9 and 11 (7 x 833,333 + 5 x 833,334 = 10,000,001). Each member's part of the value to date
# is floored, the odd pennies going to the largest remainders; its month is that less the month
# before. Month 1, 833,333p: exact 333,333.2 / 291,666.55 / 208,333.25, floors leave 1p, to the
# .55 (RT2): 333,333 / 291,667 / 208,333. Month 2, to date 1,666,667p: 666,666.8 / 583,333.45 /
# 416,666.75, 2p left to the .8 and .75: 666,667 / 583,333 / 416,667; less month 1: 333,334 /
# 291,666 / 208,334. Month 3, to date 2,500,000p, exact: 1,000,000 / 875,000 / 625,000; less
# month 2: 333,333 / 291,667 / 208,333. Month 4, to date 3,333,334p: 1,333,333.6 / 1,166,666.9 /
# 833,333.5, 2p to the .9 and .6: 1,333,334 / 1,166,667 / 833,333; less month 3: 333,334 /
# 291,667 / 208,333. And so on to month 12, the year: 4,000,000.4 / 3,500,000.35 / 2,500,000.25,
# 1p to the .4: 4,000,001 / 3,500,000 / 2,500,000 (so RXV's year is £40,000.01), less month 11
# (3,666,667 / 3,208,334 / 2,291,667): 333,334 / 291,666 / 208,333.
MONTHS = {  # pence: RXV, RT2, NQ1
    "2025-04": (333333, 291667, 208333), "2025-05": (333334, 291666, 208334), "2025-06": (333333, 291667, 208333),
    "2025-07": (333334, 291667, 208333), "2025-08": (333333, 291666, 208334), "2025-09": (333334, 291667, 208333),
    "2025-10": (333333, 291667, 208333), "2025-11": (333333, 291666, 208334), "2025-12": (333334, 291667, 208333),
    "2026-01": (333333, 291667, 208333), "2026-02": (333333, 291667, 208334), "2026-03": (333334, 291666, 208333),
}
INSTALMENTS = [833333, 833334, 833333, 833334, 833333, 833334, 833333, 833333, 833334, 833333, 833334, 833333]


def test_a_year_of_three_members_balances_to_the_penny_every_month(tmp_path, plugins):
    result = run_alliance(tmp_path, plugins, alliance("100000.01", PROVIDER_SHARES, None), "2026-03", from_period="2025-04")
    lines = result.lines.filter(pl.col("arrangement") == "living-well")
    assert set(lines["unit"]) == {"month"} and set(lines["status"]) == {"payable"}
    for (period, expected), instalment in zip(MONTHS.items(), INSTALMENTS):
        paid = by_member(result, "month", period)
        assert (paid["RXV"], paid["RT2"], paid["NQ1"]) == tuple(D(p) / 100 for p in expected), period
        assert sum(expected) == instalment and sum(paid.values()) == D(instalment) / 100, period
    year = {p: sum(amounts(result, "month", p)) for p in ("RXV", "RT2", "NQ1")}
    # within a penny of 40% / 35% / 25% of £100,000.01 (£40,000.004, £35,000.0035, £25,000.0025)
    assert year == {"RXV": D("40000.01"), "RT2": D("35000.00"), "NQ1": D("25000.00")}
    assert sum(year.values()) == D("100000.01")
    march = workings(result, "NQ1", "2026-03")
    assert (march["share"], march["member_amount"], march["alliance_amount"], march["member_year_amount"],
            march["alliance_year_amount"], march["commissioner_retained_amount"]) == (
        "25%", 208333, 833333, 2500000, 10000001, None)


def test_the_commissioner_member_keeps_its_share_with_no_line(tmp_path, plugins):
    result = run_alliance(tmp_path, plugins, alliance(kpis_yaml=None), "2025-05")
    # £100,000.00 a month: RXV 40% £40,000.00, RT2 35% £35,000.00; 01W keeps 25% £25,000.00
    assert by_member(result, "month", "2025-05") == {"RXV": D("40000.00"), "RT2": D("35000.00")}
    assert result.lines.filter(pl.col("provider") == "01W").is_empty()
    may = workings(result, "RT2", "2025-05")
    assert (may["member_amount"], may["alliance_amount"], may["commissioner_retained_amount"],
            may["member_year_amount"], may["alliance_year_amount"]) == (3500000, 10000000, 2500000, 7000000, 20000000)
    # without risk and reward the run starts where it was asked to
    assert [m.label for m in result.months] == ["2025-05"]


# --- risk and reward ----------------------------------------------------------------------


def test_kpis_beating_their_targets_share_a_gain(tmp_path, plugins):
    # recovery 65% >= 60%: gain £9,000.00; reviews 95% >= 90%: gain £6,000.00; net £15,000.00,
    # the whole pool: RXV 40% £6,000.00, RT2 35% £5,250.00, 01W keeps 25% £3,750.00
    result = run_alliance(tmp_path, plugins, alliance(), "2025-06", returns=june("65/100", "95/100"))
    assert [m.label for m in result.months] == ["2025-04", "2025-05", "2025-06"]  # the quarter, though not asked
    assert by_member(result, "gain", "2025-06") == {"RXV": D("6000.00"), "RT2": D("5250.00")}
    assert amounts(result, "pain") == []
    row = workings(result, "RXV", "2025-06")
    assert (row["settlement"], row["pool_amount"], row["alliance_risk_amount"], row["member_risk_amount"],
            row["commissioner_risk_amount"]) == ("2025-04 to 2025-06", 1500000, 1500000, 600000, 375000)
    gain = result.lines.filter((pl.col("unit") == "gain") & (pl.col("provider") == "RXV")).row(0, named=True)
    assert (gain["from_date"].isoformat(), gain["to_date"].isoformat()) == ("2025-04-01", "2025-06-30")
    assert gain["note"] == ("settlement 2025-04 to 2025-06: gain £15,000.00 (recovery, reviews); net £15,000.00 of a "
                            "£15,000.00 pool (5% of the alliance's £300,000.00 for 2025-04 to 2025-06); 40% share")
    scored = kpis(result, "2025-06")
    assert (scored["recovery"]["rate"], scored["recovery"]["achievement"], scored["recovery"]["at_stake"],
            scored["recovery"]["earned"]) == ("65.0%", "100.0%", 900000, 900000)


def test_kpis_below_their_floors_cost_a_pain_share(tmp_path, plugins):
    # recovery 30% < 40%: pain £9,000.00; reviews 60% < 70%: pain £6,000.00; net -£15,000.00:
    # RXV -£6,000.00, RT2 -£5,250.00; 01W bears -£3,750.00
    result = run_alliance(tmp_path, plugins, alliance(), "2025-06", returns=june("30/100", "60/100"))
    assert by_member(result, "pain", "2025-06") == {"RXV": D("-6000.00"), "RT2": D("-5250.00")}
    pain = result.lines.filter((pl.col("unit") == "pain") & (pl.col("provider") == "RT2")).row(0, named=True)
    assert pain["status"] == "payable"
    assert pain["reason"] == "pain share: the alliance's KPIs cost £15,000.00, of which this member bears 35%"
    assert workings(result, "RT2", "2025-06")["commissioner_risk_amount"] == -375000
    assert kpis(result, "2025-06")["reviews"]["earned"] == -600000


def test_gain_and_pain_net_and_a_kpi_between_floor_and_target_counts_nothing(tmp_path, plugins):
    # recovery 65%: gain £9,000.00; reviews 50%: pain £6,000.00; net £3,000.00:
    # RXV £1,200.00, RT2 £1,050.00 (01W £750.00)
    mixed = run_alliance(tmp_path, plugins, alliance(), "2025-06", returns=june("65/100", "50/100"))
    assert by_member(mixed, "gain", "2025-06") == {"RXV": D("1200.00"), "RT2": D("1050.00")}
    assert workings(mixed, "RXV", "2025-06")["note"] == "gain £9,000.00 (recovery); pain £6,000.00 (reviews)"
    # recovery 50%, between 40% and 60%: nothing; reviews 60% < 70%: pain £6,000.00:
    # RXV -£2,400.00, RT2 -£2,100.00 (01W -£1,500.00)
    between = run_alliance(tmp_path, plugins, alliance(), "2025-06", returns=june("50/100", "60/100"))
    assert by_member(between, "pain", "2025-06") == {"RXV": D("-2400.00"), "RT2": D("-2100.00")}
    assert kpis(between, "2025-06")["recovery"]["achievement"] == "0.0%"


def test_the_pain_is_capped_at_the_pool_to_the_penny(tmp_path, plugins):
    # £1,000.00 a year: the first quarter's instalments are 8,333p + 8,334p + 8,333p = 25,000p;
    # pool 5% = 1,250p. Three KPIs of 33.3333%, 33.3333%, 33.3334%: stakes 416.66625p,
    # 416.66625p, 416.6675p: floors 416p each, 2p left to the largest remainders (the third,
    # then the first): 417p, 416p, 417p = 1,250p (rounding each would make 1,251p).
    third = "{{id: {0}, indicator: reported, weight: {1}, floor: 40%, target: 60%}}"
    kpis_yaml = "".join(f"      - {third.format(k, w)}\n" for k, w in
                        (("recovery", "33.3333%"), ("reviews", "33.3333%"), ("housing", "33.3334%")))
    returns = "recovery,2025-06,0,100,\nreviews,2025-06,0,100,\nhousing,2025-06,1,100,"
    result = run_alliance(tmp_path, plugins, alliance("1000.00", PROVIDER_SHARES, kpis_yaml), "2025-06",
                          returns=returns)
    stakes = {k: row["earned"] for k, row in kpis(result, "2025-06").items()}
    assert stakes == {"recovery": -417, "reviews": -416, "housing": -417}
    # all below the floor: -1,250p, the whole pool and no more, shared 40/35/25: exact 500p,
    # 437.5p, 312.5p; floors leave 1p, a tie of remainders goes to the member listed first (RT2)
    assert by_member(result, "pain", "2025-06") == {"RXV": D("-5.00"), "RT2": D("-4.38"), "NQ1": D("-3.12")}
    assert workings(result, "NQ1", "2025-06")["alliance_risk_amount"] == -1250


def test_a_kpi_withheld_pending_data_counts_neither_gain_nor_pain(tmp_path, plugins):
    # no return for reviews: withheld. recovery gains £9,000.00: RXV £3,600.00, RT2 £3,150.00
    result = run_alliance(tmp_path, plugins, alliance(), "2025-06", returns=june("65/100", None))
    assert by_member(result, "gain", "2025-06") == {"RXV": D("3600.00"), "RT2": D("3150.00")}
    reviews = kpis(result, "2025-06")["reviews"]
    assert (reviews["status"], reviews["earned"], reviews["at_stake"]) == ("withheld pending data", 0, 600000)
    assert reviews["note"] == ("the denominator is 0, below the minimum of 1 (no return for reviews in 2025-06); "
                               "counts neither gain nor pain")
    assert workings(result, "RXV", "2025-06")["note"] == "gain £9,000.00 (recovery); withheld pending data: reviews"


def test_a_year_end_settlement_takes_the_pool_of_the_year(tmp_path, plugins):
    # 5% of £1,200,000.00 = £60,000.00, both KPIs at target: RXV £24,000.00, RT2 £21,000.00
    returns = "recovery,2026-03,60,100,\nreviews,2026-03,90,100,"
    result = run_alliance(tmp_path, plugins, alliance(settlement="year_end"), "2026-03", returns=returns)
    assert len(result.months) == 12
    assert by_member(result, "gain", "2026-03") == {"RXV": D("24000.00"), "RT2": D("21000.00")}
    assert len(amounts(result, "gain")) == 2  # nothing settled before March


def test_members_returns_are_added_up_when_the_alliance_has_none(tmp_path, plugins):
    # recovery: RT2 30 of 50 and RXV 35 of 50 = 65 of 100 (NQ1, not a member, is left out): gain.
    # reviews: the alliance's own return (no provider), 95 of 100, is used, not RT2's 0 of 50
    returns = """\
        recovery,2025-06,30,50,RT2
        recovery,2025-06,35,50,RXV
        recovery,2025-06,0,100,NQ1
        reviews,2025-06,95,100,
        reviews,2025-06,0,50,RT2"""
    result = run_alliance(tmp_path, plugins, alliance(), "2025-06", returns=returns)
    scored = kpis(result, "2025-06")
    assert (scored["recovery"]["numerator"], scored["recovery"]["denominator"], scored["recovery"]["earned"]) == (
        65, 100, 900000)
    assert (scored["reviews"]["numerator"], scored["reviews"]["denominator"], scored["reviews"]["earned"]) == (
        95, 100, 600000)


# p1 (RT2, reviewed 1 May) and p2 (RXV, never reviewed) are the members' people with 01W; p3
# (NQ1, not a member) and p4 (RT2 for 01Y) are reviewed too. Cluster 3 is reviewed within six
# months, so p1's review is in time on 30 June: 1 of 2 = 50%, below the 60% floor (counting p3
# or p4 would make 2 of 3, 66.7%, still below 90% but above the floor).
PEOPLE = """\
e1,p1,RT2,01W,3,2025-04-01,,community,CMHT
e2,p2,RXV,01W,3,2025-04-01,,community,CMHT
e3,p3,NQ1,01W,3,2025-04-01,,community,CMHT
e4,p4,RT2,01Y,3,2025-04-01,,community,CMHT"""
REVIEWS = "p1,RT2,2025-05-01,MHCT,3,\np3,NQ1,2025-05-01,MHCT,3,\np4,RT2,2025-05-01,MHCT,3,"


@pytest.mark.parametrize("scope, counted, unit, pence", [
    ("", (1, 2), "pain", -1500000),                  # the members' people: 50% < 60%: the whole pool
    (", scope: {provider: RT2}", (1, 1), "gain", 1500000),  # narrowed to RT2's p1: 100%
    (", scope: {provider: NQ1}", (0, 0), None, 0),   # a scope cannot add a non-member: withheld
])
def test_a_kpi_counts_the_provider_members_people_narrowed_by_its_scope(tmp_path, plugins, scope, counted, unit, pence):
    kpi = f"      - {{id: reviewed, indicator: reviewed_in_period, weight: 100%, floor: 60%, target: 90%{scope}}}\n"
    result = run_alliance(tmp_path, plugins, alliance(kpis_yaml=kpi), "2025-06", episodes=PEOPLE, assessments=REVIEWS)
    reviewed = kpis(result, "2025-06")["reviewed"]
    assert (reviewed["numerator"], reviewed["denominator"]) == counted
    assert workings(result, "RXV", "2025-06")["alliance_risk_amount"] == pence
    if unit:
        assert sum(amounts(result, unit)) == D(pence) / 100 * D("0.75")  # RXV and RT2: 75% of it


# --- statements, schedule, load errors ----------------------------------------------------


def test_every_members_statement_shows_the_alliance_beside_its_own(tmp_path, plugins):
    from localpay.statement.writing import write_outputs

    result = run_alliance(tmp_path, plugins, alliance(), "2025-06", returns=june("65/100", "50/100"))
    written = write_outputs(result, tmp_path / "out", ["localpay", "run"])
    statements = {s["provider"]["code"]: s for s in written.statements}
    assert set(statements) == {"RXV", "RT2"}
    rt2 = statements["RT2"]
    assert [(c["unit"], c["amount"]) for c in rt2["contract_lines"]] == [("gain", D("1050.00")), ("month", D("35000.00"))]
    [table] = [w for w in rt2["workings"] if w["kind"] == "alliance"]
    row = dict(zip(table["columns"], table["rows"][0]))
    assert (row["share"], row["member_amount"], row["alliance_amount"], row["member_year_amount"],
            row["alliance_year_amount"], row["pool_amount"], row["alliance_risk_amount"], row["member_risk_amount"]) == (
        "35%", D("35000.00"), D("100000.00"), D("105000.00"), D("300000.00"), D("15000.00"), D("3000.00"), D("1050.00"))
    assert {m["measure"]: m["earned"] for m in rt2["measures"]} == {"recovery": D("9000.00"), "reviews": D("-6000.00")}
    markdown = (tmp_path / "out" / "statement-RXV-01W-2025-06.md").read_text()
    assert "## Alliance" in markdown and "| 40% | £40,000.00 | £100,000.00 | £120,000.00 | £300,000.00 |" in markdown
    assert (tmp_path / "out" / "alliance.csv").exists()


def test_the_schedule_states_the_shares_months_pools_and_kpis(tmp_path, plugins):
    from localpay.schedule.sections import schedule_sections

    result = run_alliance(tmp_path, plugins, alliance("100000.01", PROVIDER_SHARES), "2025-04",
                          returns=june("65/100", "95/100"))
    [section] = [s for owner, s in schedule_sections(result.ruleset, plugins) if owner == "living-well"]
    text = " ".join(section.paragraphs)
    assert "annual value of £100,000.01, paid in 12 monthly instalments that add up to the year exactly" in text
    assert "Other Trust (RXV) 40%, Test Trust (RT2) 35%, Recovery Charity (NQ1) 25%" in text
    assert "settled on 30 June 2025, 30 September 2025, 31 December 2025, 31 March 2026" in text
    members, months, pools, kpi_table = section.tables
    assert members.rows == (("RXV", "Other Trust", "provider", "40%", "£40,000.01"),
                            ("RT2", "Test Trust", "provider", "35%", "£35,000.00"),
                            ("NQ1", "Recovery Charity", "provider", "25%", "£25,000.00"),
                            ("", "the alliance", "", "100%", "£100,000.01"))
    assert months.columns == ("month", "alliance", "RXV", "RT2", "NQ1")
    assert months.rows[1] == ("2025-05", "£8,333.34", "£3,333.34", "£2,916.66", "£2,083.34")
    # a quarter of instalments: 833,333 + 833,334 + 833,333 = 2,500,000p; 5% = £1,250.00
    assert pools.rows[0] == ("2025-06-30", "2025-04 to 2025-06", "£25,000.00", "£1,250.00")
    # the second quarter: 833,334 + 833,333 + 833,334 = 2,500,001p; 5% = 125,000.05p, £1,250.00
    assert pools.rows[1] == ("2025-09-30", "2025-07 to 2025-09", "£25,000.01", "£1,250.00")
    assert kpi_table.rows[0][2:7] == ("every person of the provider members with the commissioner", "60%", "40%", "60%",
                                      "gain at target, pain below floor")


@pytest.mark.parametrize("change, key, message", [
    (("share: 25%}]", "share: 20%}]"), "arrangements[0].members",
     "the members' shares add up to 95% (40% + 35% + 20%), not 100%"),
    (("party: RT2", "party: ZZ9"), "arrangements[0].members[1].party",
     "'ZZ9' is not one of the ruleset's providers (expected one of: RT2, RXV, NQ1) nor the alliance's commissioner (01W)"),
    (("party: RT2", "party: 01Y"), "arrangements[0].members[1].party",
     "'01Y' is another commissioner; only the alliance's commissioner (01W) can be a member"),
    (("party: RT2", "party: RXV"), "arrangements[0].members[1].party", "'RXV' is already a member (members[0])"),
    ((", target: 90%}", "}"), "arrangements[0].risk_reward.kpis[1]",
     "an alliance KPI needs a floor and a target (gain at or above the target, pain below the floor); "
     "this one has no target"),
    (("weight: 40%, floor: 70%, target: 90%", "weight: 40%, scale: all_or_nothing, target: 90%"),
     "arrangements[0].risk_reward.kpis[1]", "an alliance KPI gains at its target and costs below its floor"),
    (("annual_value: 1200000.00", "annual_value: 1200000.005"), "arrangements[0].annual_value",
     "has more than two decimal places"),
    (("commissioner: 01W", "commissioner: 01W\n  provider: RT2"), "arrangements[0].provider",
     "an alliance lists its providers under members"),
])
def test_mistakes_are_load_errors_at_their_key(tmp_path, plugins, change, key, message):
    with pytest.raises(RulesetError) as caught:
        run_alliance(tmp_path, plugins, alliance().replace(*change), "2025-06")
    [problem] = caught.value.problems
    assert problem.key == key and message in problem.message
    assert problem.line is not None
