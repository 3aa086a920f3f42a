"""Personal health budgets, worked by hand.

The resource allocation: items 1-8 weigh 1 point per score point, items 9-12 (the social-care
items) 2. The standard HoNOS (``phb_helpers.ITEMS``) scores 1+0+2+1+0+3+2+1 = 10 on items 1-8
and 3+2+1+4 = 10 on items 9-12: 10 x 1 + 10 x 2 = 30 points; cluster 11 adds 4 (34 points) and
cluster 12 adds 6 (36 points). At £150.00 a point: £5,100.00 and £5,400.00 a year.

2025/26 has 365 days. A budget is paid, each month, round(annual x days held to the month's end
/ 365) less round(annual x days held to its start / 365), in pence, half up.
"""

from __future__ import annotations

from decimal import Decimal as D

import polars as pl
import pytest

from localpay.errors import RulesetError
from localpay.statement.document import build_statement
from phb_helpers import amounts, flags, honos, phb, run_phb, workings

P1_CLUSTER_11 = "e1,p1,RT2,01W,11,2025-04-01,,community,CMHT"
P2_CLUSTER_12 = "e2,p2,RT2,01W,12,2025-04-01,,community,CMHT"
BOTH = P1_CLUSTER_11 + "\n" + P2_CLUSTER_12


# --- the indicative budget ----------------------------------------------------------------

def test_points_from_weighted_items_and_the_cluster_make_the_indicative_budget(tmp_path, plugins):
    zero = (0,) * 12
    missing_item_12 = (4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, None)
    assessments = "\n".join([honos("p1", "2025-05-10"), honos("p1", "2025-07-10", zero),
                             honos("p1", "2025-08-05", missing_item_12)])
    result = run_phb(tmp_path, plugins, phb(), "2025-08", "p1,2025-06-01,,direct_payment,5100,0,,", assessments,
                     from_period="2025-06")
    june = workings(result, "2025-06")
    # 30 points from the items + 4 for cluster 11 = 34 x £150.00 = £5,100.00
    assert (june["points"], june["indicative_amount"], june["indicative_at_start_amount"]) == ("34", 510000, 510000)
    # July's HoNOS scores nothing: only cluster 11's 4 points, £600.00; the start's figure stands
    july = workings(result, "2025-07")
    assert (july["points"], july["indicative_amount"], july["indicative_at_start_amount"]) == ("4", 60000, 510000)
    # August's HoNOS leaves item 12 blank, so it is passed over: July's still counts
    assert workings(result, "2025-08")["indicative_amount"] == 60000
    assert june["moderation"] == "inside"


def test_bands_give_the_highest_band_reached(tmp_path, plugins):
    bands = "bands: [{from: 0, annual: 1000.00}, {from: 30, annual: 4000.00}, {from: 35.5, annual: 6000.00}]"
    budgets = "p1,2025-06-01,,direct_payment,4000,0,,\np2,2025-06-01,,direct_payment,6000,0,,\np3,2025-06-01,,notional,900,0,,"
    assessments = "\n".join([honos("p1", "2025-05-10"), honos("p2", "2025-05-10"), honos("p3", "2025-05-10", (0,) * 12)])
    episodes = BOTH + "\ne3,p3,RT2,01W,14,2025-04-01,,community,CMHT"
    result = run_phb(tmp_path, plugins, phb(bands), "2025-06", budgets, assessments, episodes)
    # 34 points: the band from 30 (£4,000.00); 36 points: the band from 35.5 (£6,000.00);
    # 0 points (cluster 14 has none): the band from 0 (£1,000.00)
    assert [workings(result, "2025-06", row)["indicative_amount"] for row in (1, 2, 3)] == [400000, 600000, 100000]
    assert [workings(result, "2025-06", row)["points"] for row in (1, 2, 3)] == ["34", "36", "0"]


def test_an_excluded_episode_and_a_missing_honos_give_no_indicative_budget(tmp_path, plugins):
    arrangement = phb().replace("    moderation: 25%", "    moderation: 25%\n    excluded: {setting: inpatient}")
    episodes = P1_CLUSTER_11 + "\ne9,p1,RT2,01W,12,2025-07-05,2025-07-20,inpatient,\n" + P2_CLUSTER_12
    budgets = "p1,2025-06-01,,direct_payment,5100,0,,\np2,2025-06-01,,direct_payment,900,0,,"
    result = run_phb(tmp_path, plugins, arrangement, "2025-08", budgets, honos("p1", "2025-05-10"), episodes,
                     from_period="2025-06")
    july = workings(result, "2025-07")
    assert (july["indicative_amount"], july["points"]) == (None, None)
    assert july["note"] == "no indicative budget: excluded by an episode where setting is 'inpatient' in the month"
    # no inpatient days in August: 30 points + 6 for cluster 12, the latest episode's = 36 x £150.00
    assert workings(result, "2025-08")["indicative_amount"] == 540000
    # p2 has no HoNOS: nothing to moderate against, so nothing is flagged
    p2 = workings(result, "2025-06", 2)
    assert (p2["indicative_amount"], p2["moderation"]) == (None, "no indicative")
    assert p2["note"] == "no indicative budget: no HoNOS with every weighted item scored on or before 2025-06-30"
    assert flags(result, "phb_moderation") == []


# --- moderation -----------------------------------------------------------------------------

def test_an_agreed_amount_outside_the_band_is_flagged_and_one_inside_is_not(tmp_path, plugins):
    # p1: £5,100.00 x 1.25 = £6,375.00, the top of the band: inside. p2: £5,400.00 x 0.75 =
    # £4,050.00, the bottom of the band; £4,049.99 is a penny below it: outside
    budgets = "p1,2025-06-01,,direct_payment,6375.00,0,,\np2,2025-06-01,,direct_payment,4049.99,0,01W,"
    assessments = honos("p1", "2025-05-10") + "\n" + honos("p2", "2025-06-01")
    result = run_phb(tmp_path, plugins, phb(), "2025-06", budgets, assessments, BOTH)
    assert [workings(result, "2025-06", row)["moderation"] for row in (1, 2)] == ["inside", "outside"]
    [flag] = flags(result, "phb_moderation")
    assert (flag["row"], flag["action"], flag["column"], flag["value"]) == (2, "flagged", "agreed_annual_amount", "£4,049.99")
    assert flag["reason"] == ("agreed £4,049.99 a year is below the moderation band of 25% either side of the "
                              "indicative budget of £5,400.00 (36 points, HoNOS of 2025-06-01): £4,050.00 to "
                              "£6,750.00; approval needed")
    # flagged, not held: both are paid. June's 30 days: 637,500 x 30 / 365 = 52,397.26p and
    # 404,999 x 30 / 365 = 33,287.59p
    assert amounts(result, "day", "PB1") == [D("523.97"), D("332.88")]


# --- payments -------------------------------------------------------------------------------

def test_instalments_are_pro_rata_to_the_days_held_across_a_month_end(tmp_path, plugins):
    budgets = "p1,2025-06-20,,direct_payment,12000,0,,\np2,2025-06-20,2025-07-10,third_party,12000,0,,"
    result = run_phb(tmp_path, plugins, phb(), "2025-07", budgets, None, BOTH, from_period="2025-06")
    # June, 20 to 30 June: 11 days: 1,200,000 x 11 / 365 = 36,164.38p -> £361.64.
    # July: 42 days to date: 1,200,000 x 42 / 365 = 138,082.19p -> 138,082p, less 36,164p = £1,019.18
    assert amounts(result, "day", "PB1", "2025-06") == [D("361.64"), D("361.64")]
    # p2 ends on 10 July (not held that day): 20 days to date: 65,753.42p -> 65,753p, less 36,164p
    assert amounts(result, "day", "PB1", "2025-07") == [D("1019.18"), D("295.89")]
    line = result.lines.filter((pl.col("unit") == "day") & (pl.col("period") == "2025-07")
                               & (pl.col("patient_id") == "p2")).row(0, named=True)
    assert (line["from_date"].isoformat(), line["to_date"].isoformat(), line["quantity"]) == ("2025-07-01", "2025-07-09", 9)
    assert line["note"] == ("third-party budget of £12,000.00 a year over the 365 days of the financial year: 20 days "
                            "held to 2025-07-31, £657.53, less £361.64 paid before")


def test_a_year_of_instalments_adds_up_to_the_agreed_amount_to_the_penny(tmp_path, plugins):
    result = run_phb(tmp_path, plugins, phb(), "2026-03", "p1,2025-04-01,,direct_payment,1000,0,,", None,
                     from_period="2025-04")
    # round(100,000 x days to date / 365) at each month end: 8,219, 16,712, 24,932, ... 100,000
    paid = amounts(result, "day", "PB1")
    assert paid[:3] == [D("82.19"), D("84.93"), D("82.20")]
    assert paid[-2:] == [D("76.71"), D("84.93")]  # February's 28 days; March's 31
    assert sum(paid) == D("1000.00")


def test_a_leap_year_has_366_days(tmp_path, plugins):
    # 2027/28 contains 29 February 2028: £3,660.00 / 366 = £10.00 a day exactly (over 365 days it
    # would be £10.03). Held 15 February to 9 March (ends 10 March): 15 days in February, 9 in March
    budgets = "p1,2028-02-15,2028-03-10,direct_payment,3660,0,,"
    result = run_phb(tmp_path, plugins, phb(), "2028-03", budgets, None, "e1,p1,RT2,01W,11,2027-04-01,,community,",
                     from_period="2028-02", contract=("2027-04-01", "2028-03-31"))
    assert amounts(result, "day", "PB1") == [D("150.00"), D("90.00")]
    paid = result.lines.filter(pl.col("provider") == "PB1").sort("period")
    assert paid["unit_price"].to_list() == [10_000_000, 10_000_000]


def test_a_notional_budget_commits_money_and_pays_nothing(tmp_path, plugins):
    result = run_phb(tmp_path, plugins, phb(), "2025-04", "p1,2025-04-01,,notional,1000,0,,")
    assert amounts(result, "day", "PB1") == []
    april = workings(result, "2025-04")
    # 100,000 x 30 / 365 = 8,219.18p
    assert (april["type"], april["paid_amount"], april["committed_amount"]) == ("notional budget", 0, 8219)


# --- unbundling -----------------------------------------------------------------------------

def test_unbundling_takes_a_percentage_of_the_cluster_price_on_the_providers_statement(tmp_path, plugins):
    result = run_phb(tmp_path, plugins, phb(), "2025-06", "p1,2025-06-20,,direct_payment,5100,0,,",
                     honos("p1", "2025-05-10"))
    # cluster 11 all June: 30 x £9.85 = £295.50; the budget from 20 June: 11 days x -20% of £9.85
    # (-£1.97) = -£21.67, on RT2's statement, against the episode
    assert amounts(result, "day", "RT2") == [D("-21.67")]
    line = result.lines.filter(pl.col("provider") == "RT2").sort("arrangement").rows(named=True)
    assert [(r["arrangement"], r["episode_id"], r["amount"]) for r in line] == [
        ("personal-budgets", "e1", -2167), ("tariff", "e1", 29550)]
    assert line[0]["reason"] == ("unbundled for a personal health budget (personal-budgets): 20% of the cluster price "
                                 "taken off for the days the person holds the budget")
    assert line[0]["note"] == "budgets row 1: direct payment from 2025-06-20; 11 of the line's 30 days"
    statement = build_statement(result, "RT2", "01W", {})
    totals = {a["arrangement"]: a["payable"] for a in statement["arrangements"]}
    assert totals == {"tariff": D("295.50"), "personal-budgets": D("-21.67")}
    assert statement["totals"]["payable"] == D("273.83")
    assert workings(result, "2025-06")["unbundled_amount"] == 2167


def test_unbundling_by_the_budget_is_capped_at_the_cluster_price(tmp_path, plugins):
    budgets = "p1,2025-06-20,,direct_payment,1000,0,,\np2,2025-06-20,,direct_payment,12000,0,,"
    result = run_phb(tmp_path, plugins, phb(unbundle="{from: [tariff], by: budget}"), "2025-06", budgets, None, BOTH)
    # p1: £1,000.00 / 365 = £2.739726 a day (below cluster 11's £9.85): 11 x 2.739726 = £30.137986
    # -> -£30.14. p2: £12,000.00 / 365 = £32.876712 a day, capped at cluster 12's £14.60: 11 x
    # £14.60 = -£160.60
    assert amounts(result, "day", "RT2") == [D("-30.14"), D("-160.60")]


# --- reclaim and reviews --------------------------------------------------------------------

RECLAIMED = "p1,2025-04-01,,direct_payment,12000,4000,,2025-09-15"


def test_unspent_direct_payment_above_the_threshold_is_reclaimed_at_the_review(tmp_path, plugins):
    result = run_phb(tmp_path, plugins, phb(extra="  reclaim: {threshold_days: 28}\n"), "2025-09", RECLAIMED)
    # paid for 1 April to 14 September, 167 days: 1,200,000 x 167 / 365 = 549,041.10p -> 549,041p;
    # spent 400,000p; kept 28 days' worth: 1,200,000 x 28 / 365 = 92,054.79p -> 92,055p.
    # Reclaimed 549,041 - 400,000 - 92,055 = 56,986p
    assert amounts(result, "reclaim", "PB1") == [D("-569.86")]
    line = result.lines.filter(pl.col("unit") == "reclaim").row(0, named=True)
    assert line["reason"] == ("reclaimed: unspent direct payment above 28 days' worth of the budget "
                              "(NHS (Direct Payments) Regulations 2013, regulation 15)")
    assert line["note"] == ("at the review on 2025-09-15: paid £5,490.41 for 167 days held from 2025-04-01, spent "
                            "£4,000.00, kept 28 days' worth £920.55: £569.86 reclaimed")
    assert workings(result, "2025-09")["reclaimed_amount"] == 56986


def test_the_year_end_reclaims_the_rest_less_what_the_review_took(tmp_path, plugins):
    result = run_phb(tmp_path, plugins, phb(extra="  reclaim: {threshold_days: 28}\n"), "2026-03", RECLAIMED)
    # the year paid 1,200,000p; less 400,000p spent, 92,055p kept and 56,986p reclaimed at the
    # September review (recomputed, though September is not in this run) = 650,959p
    assert amounts(result, "reclaim", "PB1") == [D("-6509.59")]


def test_third_party_budgets_are_not_reclaimed(tmp_path, plugins):
    result = run_phb(tmp_path, plugins, phb(extra="  reclaim: {threshold_days: 28}\n"), "2025-09",
                     RECLAIMED.replace("direct_payment", "third_party"))
    assert amounts(result, "reclaim") == []


def test_an_overdue_review_is_flagged(tmp_path, plugins):
    budgets = "p1,2025-04-01,,direct_payment,5100,0,,\np2,2025-04-01,,direct_payment,5400,0,,2025-06-30"
    june = run_phb(tmp_path, plugins, phb(), "2025-06", budgets, None, BOTH)
    assert flags(june, "phb_review_overdue") == []  # due 1 July: three months after 1 April
    july = run_phb(tmp_path, plugins, phb(), "2025-07", budgets, None, BOTH)
    [flag] = flags(july, "phb_review_overdue")  # p2 was reviewed on 30 June: next due 30 June 2026
    assert (flag["row"], flag["action"]) == (1, "flagged")
    assert flag["reason"] == ("review due by 2025-07-01 (within 3 months of the start on 2025-04-01), not done by "
                              "2025-07-31")
    assert [workings(july, "2025-07", row)["review_due"].isoformat() for row in (1, 2)] == ["2025-07-01", "2026-06-30"]
    assert workings(july, "2025-07")["note"].endswith("; review overdue")  # after "no indicative budget: ..."


def test_a_budget_overlapping_an_earlier_one_is_not_used(tmp_path, plugins):
    budgets = "p1,2025-04-01,2025-06-15,direct_payment,1000,0,,\np1,2025-06-10,,direct_payment,99000,0,,"
    result = run_phb(tmp_path, plugins, phb(), "2025-06", budgets)
    [flag] = flags(result, "phb_overlap")
    assert (flag["row"], flag["action"]) == (2, "excluded")
    # only the first budget is paid: 1 to 14 June, 75 days to date: 20,547.95p -> 20,548p, less
    # 61 days' 16,712p
    assert amounts(result, "day", "PB1") == [D("38.36")]


def test_with_two_paying_commissioners_a_budget_must_name_its_own(tmp_path, plugins):
    arrangements = phb() + phb(unbundle=None, id="elsewhere-budgets", commissioner="01Y")
    budgets = "p1,2025-06-01,,direct_payment,1000,0,,\np2,2025-06-01,,direct_payment,1000,0,01Y,"
    result = run_phb(tmp_path, plugins, arrangements, "2025-06", budgets, None, BOTH)
    [flag] = flags(result, "phb_no_commissioner")  # reported once, not by each arrangement
    assert (flag["row"], flag["action"]) == (1, "excluded")
    # p2's budget, named for 01Y, is paid by 01Y only: 30 days of £1,000.00 = 8,219.18p
    paid = result.lines.filter(pl.col("provider") == "PB1").select("arrangement", "patient_id", "amount").rows()
    assert paid == [("elsewhere-budgets", "p2", 8219)]


def test_one_commissioner_has_one_phb_arrangement(tmp_path, plugins):
    with pytest.raises(RulesetError) as caught:
        run_phb(tmp_path, plugins, phb() + phb(unbundle=None, id="again"), "2025-06", "p1,2025-06-01,,notional,1,0,,")
    [problem] = caught.value.problems
    assert problem.key == "arrangements[2].commissioner" and "already pays personal health budgets" in problem.message


# --- the statement, the schedule and the ruleset --------------------------------------------

def test_the_statement_shows_the_workings_and_the_schedule_the_terms(tmp_path, plugins):
    from localpay.schedule.sections import schedule_sections

    result = run_phb(tmp_path, plugins, phb(), "2025-06", "p1,2025-06-20,,direct_payment,5100,0,,",
                     honos("p1", "2025-05-10"))
    statement = build_statement(result, "PB1", "01W", {})
    [table] = [w for w in statement["workings"] if w["kind"] == "personal_health_budgets"]
    assert table["title"] == "Personal health budgets"
    assert {"agreed_annual_amount", "paid_amount", "unbundled_amount"} <= set(table["money"])
    row = dict(zip(table["columns"], table["rows"][0]))
    assert (row["patient_id"], row["paid_amount"], row["indicative_amount"]) == ("p1", D("153.70"), D("5100.00"))
    [section] = [s for a, s in schedule_sections(result.ruleset, plugins) if a == "personal-budgets"]
    assert section.title == "Personal health budgets: personal-budgets"
    words = " ".join(section.paragraphs)
    assert "at £150.00 a point a year" in words and "more than 25% below or above" in words
    assert "reduced by 20% of the cluster price" in words


def test_converting_points_both_ways_is_an_error_at_the_key(tmp_path, plugins):
    with pytest.raises(RulesetError) as caught:
        run_phb(tmp_path, plugins, phb("price_per_point: 150.00\n    bands: [{from: 0, annual: 1000.00}]"), "2025-06",
                "p1,2025-06-20,,direct_payment,5100,0,,")
    [problem] = caught.value.problems
    assert problem.key == "arrangements[1].allocation.bands"
    assert "either by price_per_point" in problem.message


@pytest.mark.parametrize("change, key, words", [
    ("{from: [nowhere], percent: 20%}", "arrangements[1].unbundle.from[0]", "no arrangement has the id 'nowhere'"),
    ("{from: [tariff], percent: 20%, by: budget}", "arrangements[1].unbundle.by", "not both"),
    ("{from: [tariff]}", "arrangements[1].unbundle.by", "either a percentage"),
])
def test_unbundling_mistakes_name_the_key(tmp_path, plugins, change, key, words):
    with pytest.raises(RulesetError) as caught:
        run_phb(tmp_path, plugins, phb(unbundle=change), "2025-06", "p1,2025-06-20,,direct_payment,5100,0,,")
    [problem] = caught.value.problems
    assert problem.key == key and words in problem.message


def test_a_weight_for_an_item_honos_does_not_have_is_an_error(tmp_path, plugins):
    with pytest.raises(RulesetError) as caught:
        run_phb(tmp_path, plugins, phb().replace("12: 2}", "13: 2}"), "2025-06", "p1,2025-06-20,,notional,1,0,,")
    assert [p.key for p in caught.value.problems] == ["arrangements[1].allocation.item_weights[13]"]


def test_a_bad_item_score_is_an_assessment_exception(tmp_path, plugins):
    bad = honos("p1", "2025-05-10", (1, 0, 5, 1, 0, 3, 2, 1, 3, 2, 1, 4))
    wemwbs = "p1,RT2,2025-05-10,WEMWBS,,40,5,5,5,5,5,5,5,5,5,5,5,5"  # items of another tool are not HoNOS items
    result = run_phb(tmp_path, plugins, phb(), "2025-06", "p1,2025-06-20,,direct_payment,5100,0,,",
                     bad + "\n" + wemwbs)
    found = result.exceptions.filter(pl.col("source") == "assessments").rows(named=True)
    assert [(r["row"], r["reason_code"], r["column"], r["value"]) for r in found] == [(1, "bad_item", "item_3", "5")]
    assert workings(result, "2025-06")["moderation"] == "no indicative"  # the bad HoNOS is not used
