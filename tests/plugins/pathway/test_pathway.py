"""The pathway option through the real pipeline: stages paid at entry, after a number of days
and at completion; leaving early under each rule; re-entry inside and after the gap; the
details table, the schedule section, and the load errors. Every figure is worked by hand in
the comments (pence; unit prices in micros, millionths of a pound)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest

from conftest import HEADER, ruleset_text
from localpay.errors import RulesetError
from localpay.plugins.pathway.pricing import stage_pence
from localpay.ruleset.load import load_ruleset
from localpay.schedule.sections import schedule_sections
from localpay.statement.document import build_statement

HEADER_D = HEADER + ",discharge"
FULL_YEAR = {"period": "2026-03", "from_period": "2025-04"}


def pathway(price: str = "1000.01", leaving: str = "keep_paid", gap: int = 0, completion: str = "{discharge: completed}",
            max_days: str = "365", stages: str | None = None) -> str:
    """EIP in cluster 10 enters; any EIP episode continues. Stages 30% / 30% / 40% by default:
    at 1000.01 they pay 300.00, 300.01 and 400.00, since stage i pays round(total x cumulative
    share) less the stage before: 100001 x 0.3 = 30000.3 -> 30000; x 0.6 = 60000.6 -> 60001,
    so 30001; x 1.0 = 100001, so 40000. Rounding each share alone would lose the penny."""
    stages = stages or """
        - {id: start, at: entry, share: 30%}
        - {id: six-months, after_days: 182, share: 30%}
        - {id: complete, at: completion, share: 40%}"""
    lines = [
        "- id: eip-pathway", "  option: pathway", "  provider: RT2", "  commissioner: 01W",
        "  clause: Schedule 3A part 2", "  entry: {service: EIP, cluster: 10}", "  continues: {service: EIP}",
        f"  price: {price}", "  stages:", *("  " + s.strip() for s in stages.strip().splitlines()),
        f"  leaving_early: {leaving}", f"  reentry_gap_days: {gap}",
    ]
    if completion:
        lines.append(f"  completion: {completion}")
    if max_days:
        lines.append(f"  max_duration_days: {max_days}")
    return ruleset_text("\n".join(lines) + "\n") + """
inputs:
  episodes:
    discharge: {type: text, values: [completed, moved]}
"""


def stage_rows(case, episode_id: str | None = None) -> list[tuple]:
    """(period, to_date, quantity, unit, unit price in micros, amount in pence) per line."""
    frame = case.lines.filter(pl.col("option") == "pathway")
    if episode_id:
        frame = frame.filter(pl.col("episode_id") == episode_id)
    return [(r["period"], r["to_date"].isoformat(), r["quantity"], r["unit"], r["unit_price"], r["amount"])
            for r in frame.sort("to_date").iter_rows(named=True)]


def details_of(case) -> pl.DataFrame:
    return case.result.details["pathway_stages"]


def test_a_pathway_completed_is_paid_in_full_across_the_months(price):
    # E1 enters 2025-04-10; E2 (EIP, cluster 11) follows on at once and ends 2025-12-15, completed
    case = price(pathway(), """
        E1,P1,RT2,01W,10,2025-04-10,2025-08-01,community,EIP,
        E2,P1,RT2,01W,11,2025-08-01,2025-12-15,community,EIP,completed
    """, header=HEADER_D, **FULL_YEAR)
    assert stage_rows(case) == [
        ("2025-04", "2025-04-10", 1, "stage", 300_000_000, 30000),  # at entry
        ("2025-10", "2025-10-09", 1, "stage", 300_010_000, 30001),  # 2025-04-10 + 182 days (20 + 31+30+31+31+30 + 9)
        ("2025-12", "2025-12-15", 1, "stage", 400_000_000, 40000),  # E2 completed, before 365 days
    ]
    assert int(case.lines["amount"].sum()) == 100001  # exactly the price, 1000.01
    lines = case.lines.sort("to_date")
    assert set(lines["episode_id"]) == {"E1"} and set(lines["from_date"]) == {dt.date(2025, 4, 10)}
    assert lines["note"].to_list() == ["stage start (30%): at entry", "stage six-months (30%): after 182 days",
                                       "stage complete (40%): completed 2025-12-15"]
    assert set(lines["cluster"]) == {10}  # the entry episode's cluster, though E2 (cluster 11) completes it
    assert set(lines["clause"]) == {"Schedule 3A part 2"} and set(lines["price_from"]) == {dt.date(2025, 4, 1)}
    assert lines["reason"].null_count() == 3 and set(lines["status"]) == {"payable"}
    # E2 continues the pathway: it is accounted for, with nothing of its own to pay
    assert case.reasons(2) == ["nothing_due"]


def test_a_pathway_completed_before_a_timed_stage_pays_that_stage_on_completion(price):
    # completed 2025-07-01, before the 182-day stage (2025-09-30) fell due: a completed pathway
    # is paid in full, so 30001p and 40000p are both paid on 2025-07-01
    case = price(pathway(), "E1,P1,RT2,01W,10,2025-04-01,2025-07-01,community,EIP,completed",
                 header=HEADER_D, **FULL_YEAR)
    assert stage_rows(case) == [
        ("2025-04", "2025-04-01", 1, "stage", 300_000_000, 30000),
        ("2025-07", "2025-07-01", 1, "stage", 300_010_000, 30001),
        ("2025-07", "2025-07-01", 1, "stage", 400_000_000, 40000),
    ]
    assert sorted(case.lines["note"].to_list())[1] == "stage six-months (30%): completed 2025-07-01, before its 182 days"
    assert details_of(case)["trigger"].to_list() == ["entry", "completion", "completion"]


def test_the_maximum_duration_completes_an_open_pathway_entered_before_the_year(price):
    # entered 2024-10-01 (before the ruleset's first price: the first price applies), still open;
    # 182 days on is 2025-04-01 (31+30+31+31+28+31), 365 days on is 2025-10-01
    case = price(pathway(), "E1,P1,RT2,01W,10,2024-10-01,,community,EIP,", header=HEADER_D, **FULL_YEAR)
    assert stage_rows(case) == [
        ("2025-04", "2025-04-01", 1, "stage", 300_010_000, 30001),
        ("2025-10", "2025-10-01", 1, "stage", 400_000_000, 40000),
    ]
    assert case.lines.sort("to_date")["note"][1] == (
        "stage complete (40%): completed 2025-10-01 (the maximum duration, 365 days)")


def test_leaving_early_keep_paid_pays_no_more_stages(price):
    # entered 2025-05-01, left 2025-09-30: the 182-day stage (2025-10-30) is not reached
    case = price(pathway(leaving="keep_paid"), "E3,P2,RT2,01W,10,2025-05-01,2025-09-30,community,EIP,moved",
                 header=HEADER_D, **FULL_YEAR)
    assert stage_rows(case) == [("2025-05", "2025-05-01", 1, "stage", 300_000_000, 30000)]
    assert details_of(case)["instance"].to_list() == ["left 2025-09-30"]


def test_leaving_early_pro_rata_pays_the_next_stage_for_the_days_served(price):
    # entered 2025-05-01, left 2025-09-30: 152 days served (30+30+31+31+30) of the 182 to the next
    # stage (30001p): 30001 x 10000 / 182 = 1648406.59 -> 1648407 micros a day;
    # 152 x 1648407 = 250557864 micros = 25055.79p -> 25056p (250.56)
    case = price(pathway(leaving="pro_rata"), "E3,P2,RT2,01W,10,2025-05-01,2025-09-30,community,EIP,moved",
                 header=HEADER_D, **FULL_YEAR)
    assert stage_rows(case) == [
        ("2025-05", "2025-05-01", 1, "stage", 300_000_000, 30000),
        ("2025-09", "2025-09-30", 152, "day", 1_648_407, 25056),
    ]
    left = case.lines.filter(pl.col("unit") == "day").row(0, named=True)
    assert left["reason"] == "left the pathway on 2025-09-30: the next stage is paid pro rata for the days served"
    assert left["note"] == "stage six-months (30%): pro rata, 152 of 182 days"


def test_leaving_after_the_last_timed_stage_pro_rata_counts_towards_the_maximum_duration(price):
    # entered 2025-04-01, left 2025-12-01; the 182-day stage fell on 2025-09-30. The completion
    # stage (40000p) counts from 2025-09-30 to 2026-04-01 (entry + 365): 183 days; served 62
    # (1+31+30). 40000 x 10000 / 183 = 2185792.35 -> 2185792 micros; 62 x 2185792 = 135519104
    # micros = 13551.91p -> 13552p (135.52)
    case = price(pathway(leaving="pro_rata"), "E4,P3,RT2,01W,10,2025-04-01,2025-12-01,community,EIP,moved",
                 header=HEADER_D, **FULL_YEAR)
    assert stage_rows(case) == [
        ("2025-04", "2025-04-01", 1, "stage", 300_000_000, 30000),
        ("2025-09", "2025-09-30", 1, "stage", 300_010_000, 30001),
        ("2025-12", "2025-12-01", 62, "day", 2_185_792, 13552),
    ]


def test_reentry_inside_the_gap_opens_nothing_and_after_it_opens_a_new_pathway(price):
    # the first pathway ends 2025-06-01 (left); the gap of 180 days runs to 2025-11-28
    # (30+31+31+30+31+27). E6 enters inside it; E7 enters on 2025-11-28 itself
    case = price(pathway(gap=180), """
        E5,P4,RT2,01W,10,2025-04-01,2025-06-01,community,EIP,moved
        E6,P4,RT2,01W,10,2025-09-01,2025-10-01,community,EIP,moved
        E7,P4,RT2,01W,10,2025-11-28,,community,EIP,
    """, header=HEADER_D, **FULL_YEAR)
    assert [(r[0], r[5]) for r in stage_rows(case, "E5")] == [("2025-04", 30000)]
    assert stage_rows(case, "E6") == []
    assert stage_rows(case, "E7") == [("2025-11", "2025-11-28", 1, "stage", 300_000_000, 30000)]
    found = case.exceptions.filter(pl.col("reason_code") == "pathway_reentry").row(0, named=True)
    assert (found["row"], found["episode_id"], found["column"], found["value"], found["action"]) == (
        2, "E6", "start_date", "2025-09-01", "excluded")
    assert found["reason"] == ("the person's previous pathway under 'eip-pathway' ended on 2025-06-01; with a "
                               "re-entry gap of 180 days a new one can start from 2025-11-28, so this entry starts none")
    assert case.reasons(2) == ["pathway_reentry"]


def test_a_second_entry_while_a_pathway_is_open_starts_nothing(price):
    case = price(pathway(gap=180), """
        E1,P1,RT2,01W,10,2025-04-01,,community,EIP,
        E2,P1,RT2,01W,10,2025-06-01,2025-07-01,community,EIP,
    """, header=HEADER_D, **FULL_YEAR)
    assert [(r[0], r[5]) for r in stage_rows(case)] == [("2025-04", 30000), ("2025-09", 30001)]
    assert set(case.lines["episode_id"]) == {"E1"}
    assert case.reasons(2) == ["nothing_due"]


def test_episodes_not_matching_the_entry_condition_get_no_pathway_line(price):
    case = price(pathway(), """
        E1,P1,RT2,01W,10,2025-04-01,2025-06-01,community,CMHT,
        E2,P2,RT2,01W,11,2025-04-01,2025-06-01,community,EIP,
        E3,P3,RT2,01Y,10,2025-04-01,2025-06-01,community,EIP,
    """, header=HEADER_D, period="2025-04")
    assert case.lines.is_empty()
    assert case.reasons() == ["nothing_due", "nothing_due", "no_arrangement"]


def test_the_price_in_effect_on_the_entry_date_applies(price):
    # 30% of 1200.00 = 36000p for an entry on or after 2025-10-01; 30% of 1000.01 before it
    case = price(pathway(price="{2025-04-01: 1000.01, 2025-10-01: 1200.00}"), """
        E1,P1,RT2,01W,10,2025-09-30,,community,EIP,
        E2,P2,RT2,01W,10,2025-10-01,,community,EIP,
    """, header=HEADER_D, period="2025-10", from_period="2025-09")
    rows = case.lines.sort("episode_id").select("episode_id", "price_from", "amount").rows()
    assert rows == [("E1", dt.date(2025, 4, 1), 30000), ("E2", dt.date(2025, 10, 1), 36000)]


def test_the_details_table_matches_the_lines(price):
    case = price(pathway(leaving="pro_rata"), """
        E1,P1,RT2,01W,10,2025-04-10,2025-08-01,community,EIP,
        E2,P1,RT2,01W,11,2025-08-01,2025-12-15,community,EIP,completed
        E3,P2,RT2,01W,10,2025-05-01,2025-09-30,community,EIP,moved
    """, header=HEADER_D, **FULL_YEAR)
    details = details_of(case)
    assert details.height == case.lines.height == 5
    joined = details.join(case.lines, left_on=["episode_id", "period", "trigger_date"],
                          right_on=["episode_id", "period", "to_date"], how="inner")
    assert joined.height == 5 and (joined["amount"] == joined["value"]).all()
    rows = details.sort("episode_id", "trigger_date").select(
        "episode_id", "stage", "trigger", "share", "days_served", "days_in_stage", "amount", "instance").rows()
    assert rows == [
        ("E1", "start", "entry", "30%", None, None, 30000, "completed 2025-12-15"),
        ("E1", "six-months", "after 182 days", "30%", None, None, 30001, "completed 2025-12-15"),
        ("E1", "complete", "completion", "40%", None, None, 40000, "completed 2025-12-15"),
        ("E3", "start", "entry", "30%", None, None, 30000, "left 2025-09-30"),
        ("E3", "six-months", "pro rata", "30%", 152, 182, 25056, "left 2025-09-30"),
    ]
    assert details.schema["entry_date"] == pl.Date and details.schema["days_served"] == pl.Int64
    assert set(details["arrangement"]) == {"eip-pathway"} and set(details["provider"]) == {"RT2"}


def test_the_statement_shows_each_stage_paid_in_its_month(price):
    case = price(pathway(leaving="pro_rata"), "E3,P2,RT2,01W,10,2025-05-01,2025-09-30,community,EIP,moved",
                 header=HEADER_D, period="2025-09", from_period="2025-05")
    (shown,) = build_statement(case.result, "RT2", "01W", {})["pathways"]
    assert (shown["patient_id"], shown["entry_date"], shown["stage"], shown["trigger"], shown["trigger_date"],
            shown["share"], shown["days_served"], shown["days_in_stage"], shown["amount"], shown["instance"]) == (
        "P2", dt.date(2025, 5, 1), "six-months", "pro rata", dt.date(2025, 9, 30), "30%", 152, 182,
        Decimal("250.56"), "left 2025-09-30")


def test_every_row_is_in_the_lines_or_the_exceptions(price):
    case = price(pathway(gap=180, leaving="pro_rata"), """
        E1,P1,RT2,01W,10,2025-04-10,2025-08-01,community,EIP,
        E2,P1,RT2,01W,11,2025-08-01,2025-12-15,community,EIP,completed
        E5,P4,RT2,01W,10,2025-04-01,2025-06-01,community,EIP,moved
        E6,P4,RT2,01W,10,2025-09-01,2025-10-01,community,EIP,moved
        E8,P5,RT2,01W,10,2025-06-01,2025-05-01,community,EIP,
        E9,P6,RT2,01W,3,2025-04-01,,community,CMHT,
    """, header=HEADER_D, **FULL_YEAR)
    counts = case.result.summary["episodes"]
    assert counts["rows_read"] == 6 == counts["rows_priced"] + counts["rows_excepted"]
    assert counts["rows_priced"] == 2  # E1 and E5
    assert counts["excepted_by_reason"]["pathway_reentry"] == 1


def test_the_schedule_states_the_terms_with_the_numbers(tmp_path, plugins):
    path = tmp_path / "ruleset.yaml"
    path.write_text(pathway(leaving="pro_rata", gap=180))
    ruleset = load_ruleset(path, plugins.options, plugins.vocabulary)
    ((_, section),) = [(a, s) for a, s in schedule_sections(ruleset, plugins) if a == "eip-pathway"]
    text = "\n".join(section.paragraphs)
    for words in ("NHS Testshire (01W) pays Test Trust (RT2) a price of £1,000.01 per pathway (Schedule 3A part 2)",
                  "service is 'EIP' and the cluster is 10", "where service is 'EIP' follow on",
                  "discharge is 'completed'", "365 days after entry", "in proportion to the days served",
                  "only 180 days or more after it ended"):
        assert words in text, words
    (table,) = section.tables
    assert table.columns == ("stage", "paid", "share", "amount at £1,000.01")
    assert table.rows == (("start", "at entry", "30%", "£300.00"),
                          ("six-months", "182 days after entry", "30%", "£300.01"),
                          ("complete", "at completion", "40%", "£400.00"))


def test_the_schedule_lists_each_dated_price(tmp_path, plugins):
    path = tmp_path / "ruleset.yaml"
    path.write_text(pathway(price="{2025-04-01: 1000.01, 2025-10-01: 1200.00}"))
    ruleset = load_ruleset(path, plugins.options, plugins.vocabulary)
    ((_, section),) = [(a, s) for a, s in schedule_sections(ruleset, plugins) if a == "eip-pathway"]
    assert "£1,000.01 from 2025-04-01; £1,200.00 from 2025-10-01" in section.paragraphs[0]
    assert section.tables[0].rows[2][3:] == ("£400.00", "£480.00")
    assert "no further stage is paid" in "\n".join(section.paragraphs)


# --- load errors ----------------------------------------------------------------------------


def problems(tmp_path, plugins, text: str) -> list[tuple[int, str, str]]:
    path = tmp_path / "ruleset.yaml"
    path.write_text(text)
    with pytest.raises(RulesetError) as caught:
        load_ruleset(path, plugins.options, plugins.vocabulary)
    return [(p.line, p.key, p.message) for p in caught.value.problems]


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if fragment in line)


def test_shares_that_do_not_add_to_100_are_a_load_error_at_the_stages(tmp_path, plugins):
    text = pathway(stages="""
        - {id: start, at: entry, share: 30%}
        - {id: six-months, after_days: 182, share: 30%}
        - {id: complete, at: completion, share: 30%}""")
    assert problems(tmp_path, plugins, text) == [
        (line_of(text, "  stages:"), "arrangements[0].stages", "the stages' shares add up to 90%, not 100%")]


def test_a_completion_stage_needs_completion_or_a_maximum_duration(tmp_path, plugins):
    text = pathway(completion="", max_days="")
    ((line, key, message),) = problems(tmp_path, plugins, text)
    assert (line, key) == (line_of(text, "  stages:"), "arrangements[0].stages")
    assert message == ("stage 'complete' is paid at completion, but the pathway has neither completion nor "
                       "max_duration_days, so it can never be completed")


def test_a_stage_due_after_the_maximum_duration_is_a_load_error(tmp_path, plugins):
    text = pathway(max_days="182")
    ((line, key, message),) = problems(tmp_path, plugins, text)
    assert (line, key) == (line_of(text, "  stages:"), "arrangements[0].stages")
    assert "stage 'six-months' falls due after 182 days" in message and "at most 182 days (max_duration_days)" in message


def test_pro_rata_with_a_completion_stage_needs_a_maximum_duration(tmp_path, plugins):
    text = pathway(leaving="pro_rata", max_days="")
    ((line, key, message),) = problems(tmp_path, plugins, text)
    assert (line, key) == (line_of(text, "leaving_early:"), "arrangements[0].leaving_early")
    assert "it needs max_duration_days" in message


@pytest.mark.parametrize("stages, fragment", [
    ("- {id: start, at: entry, after_days: 10, share: 100%}",
     "exactly one of 'at' (entry or completion) or 'after_days'"),
    ("- {id: start, at: entry, share: 50%}\n- {id: start, at: completion, share: 50%}",
     "the stage id 'start' is used twice"),
    ("- {id: end, at: completion, share: 50%}\n- {id: start, at: entry, share: 50%}", "in the order they fall due"),
])
def test_stages_malformed(tmp_path, plugins, stages, fragment):
    found = problems(tmp_path, plugins, pathway(stages=stages))
    assert len(found) == 1 and fragment in found[0][2], found


def test_stage_amounts_add_up_to_the_price_exactly():
    # 10001p x 33.33% = 3333.33 -> 3333; x 66.66% = 6666.67 -> 6667 (3334); x 100% = 10001 (3334)
    shares = [Decimal("0.3333"), Decimal("0.3333"), Decimal("0.3334")]
    assert stage_pence(Decimal("100.01"), shares) == [3333, 3334, 3334]
    assert stage_pence(Decimal("1000.00"), shares) == [33330, 33330, 33340]
