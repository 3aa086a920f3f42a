"""The built-in indicators and the SWEMWBS table, on small frames counted by hand.

Each test builds ``MeasureData`` directly, so these run without a ruleset or the plugin manager.
The year measured is 2025-04-01 to 2026-03-31 unless a test says otherwise.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pluggy
import polars as pl
import pytest
from pydantic import ValidationError

from localpay import hookspecs
from localpay.hookspecs import hookimpl
from localpay.measures import builtin
from localpay.measures.builtin import (
    HONOS_IMPROVED, PAIRED_HONOS, REVIEWED_IN_PERIOD, WEMWBS_IMPROVED, PairedParameters, WellbeingParameters,
)
from localpay.measures.reported import REPORTED, ReportedParameters
from localpay.measures.indicators import (
    RETURNS_COLUMNS, Count, Indicator, MeasureData, NoParameters, compose_indicators,
)
from localpay.measures.swemwbs import METRIC_HUNDREDTHS, metric_hundredths, metric_hundredths_expr, metric_score

D = dt.date
START = D(2025, 4, 1)
YEAR_END = D(2026, 3, 31)


# --- frame builders -----------------------------------------------------------------------


def episodes(*rows, as_of: dt.date = YEAR_END) -> pl.DataFrame:
    """rows: (episode_id, patient_id, cluster, start_date, stop) with stop exclusive or None."""
    return pl.DataFrame(
        {
            "episode_id": [r[0] for r in rows],
            "patient_id": [r[1] for r in rows],
            "provider": ["RT2"] * len(rows),
            "commissioner": ["01W"] * len(rows),
            "cluster": [r[2] for r in rows],
            "setting": ["community"] * len(rows),
            "service": ["cmht"] * len(rows),
            "start_date": [r[3] for r in rows],
            "end_date": [r[4] - dt.timedelta(days=1) if r[4] else None for r in rows],
            "stop": [r[4] for r in rows],
            "until": [r[4] or as_of + dt.timedelta(days=1) for r in rows],
        },
        schema={"episode_id": pl.String, "patient_id": pl.String, "provider": pl.String,
                "commissioner": pl.String, "cluster": pl.Int8, "setting": pl.String,
                "service": pl.String, "start_date": pl.Date, "end_date": pl.Date, "stop": pl.Date,
                "until": pl.Date},
    )


def open_for(*patients: str, cluster: int = 3) -> pl.DataFrame:
    """One episode open all year for each patient."""
    return episodes(*((f"e-{p}", p, cluster, START, None) for p in patients))


def assessments(*rows) -> pl.DataFrame:
    """rows: (patient_id, assessment_date, tool, total) or (..., cluster) for MHCT."""
    return pl.DataFrame(
        {
            "patient_id": [r[0] for r in rows],
            "provider": ["RT2"] * len(rows),
            "assessment_date": [r[1] for r in rows],
            "tool": [r[2] for r in rows],
            "cluster": [r[4] if len(r) > 4 else None for r in rows],
            "total": [r[3] for r in rows],
        },
        schema={"patient_id": pl.String, "provider": pl.String, "assessment_date": pl.Date,
                "tool": pl.String, "cluster": pl.Int8, "total": pl.Int64},
    )


def mhct(patient: str, date: dt.date, cluster: int = 3) -> tuple:
    return (patient, date, "MHCT", None, cluster)


def returns(*rows) -> pl.DataFrame:
    """rows: (measure, period, provider, numerator, denominator)."""
    names = list(RETURNS_COLUMNS)
    return pl.DataFrame([dict(zip(names, r)) for r in rows], schema=RETURNS_COLUMNS)


def data(eps: pl.DataFrame, assess: pl.DataFrame | None = None, rets: pl.DataFrame | None = None,
         as_of: dt.date = YEAR_END, measure: str = "m1") -> MeasureData:
    return MeasureData(
        episodes=eps,
        assessments=assess if assess is not None else assessments(),
        returns=rets if rets is not None else returns(),
        measure=measure, provider="RT2", start=START, as_of=as_of,
    )


# --- reviewed_in_period -------------------------------------------------------------------


def test_reviewed_in_period_counts_people_whose_review_plus_period_falls_after_as_of():
    as_of = D(2025, 12, 31)
    eps = episodes(
        ("e1", "P1", 1, START, None),
        ("e2", "P2", 1, START, None),
        ("e3", "P3", 3, START, None),
        ("e4", "P4", 3, START, None),
        ("e5", "P5", 7, START, None),
        ("e6", "P6", 3, START, None),
        ("e7", "P7", 3, START, D(2025, 12, 31)),  # stop is exclusive: last day 30 December
        ("e8a", "P8", 1, START, None),
        ("e8b", "P8", 7, D(2025, 9, 1), None),  # started later, so it is the one that counts
        ("e9", "P9", 3, START, None),
        as_of=as_of,
    )
    reviews = assessments(
        # 10 Oct + 84 days: 21 to 31 Oct, 30 in Nov, 31 in Dec (82), +2 = 2 Jan 2026 > as_of
        mhct("P1", D(2025, 10, 10), 1),
        # 8 Oct + 84 days: 23 + 30 + 31 = 84, so due 31 Dec == as_of: not within
        mhct("P2", D(2025, 10, 8), 1),
        # 1 Jul + 6 months = 1 Jan 2026 > as_of: within
        mhct("P3", D(2025, 7, 1)),
        # 30 Jun + 6 months = 30 Dec < as_of: not within
        mhct("P4", D(2025, 6, 30)),
        # reviewed before the year began; + 12 months = 1 Feb 2026 > as_of: still within
        mhct("P5", D(2025, 2, 1), 7),
        # P6: never reviewed (a HoNOS is not a review): not within
        ("P6", D(2025, 11, 1), "HoNOS", 12),
        # P7's episode closed before as_of: reviewed, but not in the denominator
        mhct("P7", D(2025, 10, 1)),
        # 1 May + cluster 7's 12 months = 1 May 2026: within (cluster 1's 84 days would not be)
        mhct("P8", D(2025, 5, 1), 1),
        # 1 Jun + 6 months = 1 Dec < as_of; the review after as_of has not happened yet
        mhct("P9", D(2025, 6, 1)),
        mhct("P9", D(2026, 1, 15)),
    )
    count = REVIEWED_IN_PERIOD.compute(data(eps, reviews, as_of=as_of), NoParameters())
    # within: P1, P3, P5, P8 = 4; open on as_of: everyone but P7 = 8; in scope: P1..P9 = 9
    assert count == Count(4, 8, 9)


def test_reviewed_in_period_adds_calendar_months_not_days():
    as_of = D(2026, 2, 28)
    eps = episodes(("e1", "Q1", 3, START, None), ("e2", "Q2", 3, START, None), as_of=as_of)
    reviews = assessments(
        # 31 Aug + 6 months = 28 Feb (no 31 Feb) == as_of: not within; 183 days would be 2 Mar
        mhct("Q1", D(2025, 8, 31)),
        # 1 Sep + 6 months = 1 Mar > as_of: within
        mhct("Q2", D(2025, 9, 1)),
    )
    count = REVIEWED_IN_PERIOD.compute(data(eps, reviews, as_of=as_of), NoParameters())
    assert count == Count(1, 2, 2)


def test_reviewed_in_period_with_nobody_open():
    eps = episodes(("e1", "P1", 3, START, D(2025, 6, 1)))
    count = REVIEWED_IN_PERIOD.compute(data(eps, assessments(mhct("P1", D(2025, 5, 1)))), NoParameters())
    assert count == Count(0, 0, 1)


# --- paired_honos and honos_improved ------------------------------------------------------


def honos(patient: str, date: dt.date, total: int | None) -> tuple:
    return (patient, date, "HoNOS", total)


HONOS_PEOPLE = [f"H{i}" for i in range(1, 10)]
HONOS_ROWS = assessments(
    # H1: exactly 14 days apart, 20 -> 15: paired, improved
    honos("H1", D(2025, 5, 1), 20), honos("H1", D(2025, 5, 15), 15),
    # H2: 13 days apart, 20 -> 18: too close at 14 (paired, improved at 0)
    honos("H2", D(2025, 5, 1), 20), honos("H2", D(2025, 5, 14), 18),
    # H3: a single total
    honos("H3", D(2025, 5, 1), 20),
    # H4: 10, 12, 10: first and latest equal (1 Jun to 1 Sep: 30 + 31 + 31 = 92 days)
    honos("H4", D(2025, 6, 1), 10), honos("H4", D(2025, 6, 10), 12), honos("H4", D(2025, 9, 1), 10),
    # H5: 8 -> 14, higher is worse (1 Jun to 1 Dec: 183 days)
    honos("H5", D(2025, 6, 1), 8), honos("H5", D(2025, 12, 1), 14),
    # H6: one total before the year began does not pair with the one inside it
    honos("H6", D(2025, 3, 1), 30), honos("H6", D(2025, 7, 1), 20),
    # H7: a missing total does not count
    honos("H7", D(2025, 5, 1), None), honos("H7", D(2025, 8, 1), 12),
    # H8: no HoNOS at all
    # H9: same-day ties broken against improvement: first = lowest of 1 May (16), latest =
    # highest of 1 Aug (17); 17 is not lower than 16 (1 May to 1 Aug: 31 + 30 + 31 = 92 days)
    honos("H9", D(2025, 5, 1), 18), honos("H9", D(2025, 5, 1), 16),
    honos("H9", D(2025, 8, 1), 16), honos("H9", D(2025, 8, 1), 17),
)


def test_paired_honos_needs_two_totals_at_least_n_days_apart():
    count = PAIRED_HONOS.compute(data(open_for(*HONOS_PEOPLE), HONOS_ROWS), PairedParameters())
    # paired at 14 days: H1 (14), H4 (92), H5 (183), H9 (92) = 4 of the 9 in scope
    assert count == Count(4, 9, 9)


def test_paired_honos_with_other_gaps():
    scoped = data(open_for(*HONOS_PEOPLE), HONOS_ROWS)
    # at 0 days H2 (13 days) pairs too: 5; at 100 days only H5 (183) remains: 1
    assert PAIRED_HONOS.compute(scoped, PairedParameters(min_days_apart=0)) == Count(5, 9, 9)
    assert PAIRED_HONOS.compute(scoped, PairedParameters(min_days_apart=100)) == Count(1, 9, 9)


def test_honos_improved_counts_lower_latest_totals_of_the_paired():
    count = HONOS_IMPROVED.compute(data(open_for(*HONOS_PEOPLE), HONOS_ROWS), PairedParameters())
    # of the paired H1 (20 -> 15 lower), H4 (equal), H5 (higher), H9 (16 -> 17 higher): 1 of 4
    assert count == Count(1, 4, 9)


def test_honos_improved_at_zero_days_takes_in_the_close_pair():
    count = HONOS_IMPROVED.compute(data(open_for(*HONOS_PEOPLE), HONOS_ROWS), PairedParameters(min_days_apart=0))
    # H2 (20 -> 18, lower) joins: improved H1 and H2 of the 5 paired
    assert count == Count(2, 5, 9)


# --- wemwbs_improved ----------------------------------------------------------------------


def wb(patient: str, date: dt.date, tool: str, total: int) -> tuple:
    return (patient, date, tool, total)


MAY, SEP = D(2025, 5, 1), D(2025, 9, 1)
WELLBEING_PEOPLE = [f"W{i}" for i in range(1, 10)]
WELLBEING_ROWS = assessments(
    # W1: WEMWBS 40 -> 43 = +3: counts
    wb("W1", MAY, "WEMWBS", 40), wb("W1", SEP, "WEMWBS", 43),
    # W2: WEMWBS 40 -> 42 = +2: does not
    wb("W2", MAY, "WEMWBS", 40), wb("W2", SEP, "WEMWBS", 42),
    # W3: SWEMWBS raw 20 -> 22 = metric 18.59 -> 19.98 = +1.39: does not
    wb("W3", MAY, "SWEMWBS", 20), wb("W3", SEP, "SWEMWBS", 22),
    # W4: SWEMWBS raw 14 -> 20 = metric 15.32 -> 18.59 = +3.27: counts
    wb("W4", MAY, "SWEMWBS", 14), wb("W4", SEP, "SWEMWBS", 20),
    # W5: both tools paired: WEMWBS 50 -> 51 (+1) is used, not SWEMWBS 14 -> 20 (+3.27)
    wb("W5", MAY, "WEMWBS", 50), wb("W5", SEP, "WEMWBS", 51),
    wb("W5", MAY, "SWEMWBS", 14), wb("W5", SEP, "SWEMWBS", 20),
    # W6: two WEMWBS on one date are not a pair
    wb("W6", MAY, "WEMWBS", 40), wb("W6", MAY, "WEMWBS", 50),
    # W7: one WEMWBS, so the SWEMWBS pair is used: raw 33 -> 35 is only +2 raw but metric
    # 30.70 -> 35.00 = +4.30: counts
    wb("W7", MAY, "WEMWBS", 45), wb("W7", MAY, "SWEMWBS", 33), wb("W7", SEP, "SWEMWBS", 35),
    # W8: one score of each tool: no pair of the same tool
    wb("W8", MAY, "WEMWBS", 40), wb("W8", SEP, "SWEMWBS", 30),
    # W9: same-day ties against improvement: first = highest of May (40), latest = lowest of
    # September (41): +1, does not count (38 -> 44 would have)
    wb("W9", MAY, "WEMWBS", 40), wb("W9", MAY, "WEMWBS", 38),
    wb("W9", SEP, "WEMWBS", 41), wb("W9", SEP, "WEMWBS", 44),
)


def test_wemwbs_improved_by_three_points():
    count = WEMWBS_IMPROVED.compute(data(open_for(*WELLBEING_PEOPLE), WELLBEING_ROWS), WellbeingParameters())
    # pairs: W1, W2, W3, W4, W5, W7, W9 = 7; at least +3.00: W1, W4, W7 = 3; in scope 9
    assert count == Count(3, 7, 9)


def test_wemwbs_improved_compares_metric_hundredths_exactly():
    scoped = data(open_for(*WELLBEING_PEOPLE), WELLBEING_ROWS)
    # +1.39 meets 1.39 exactly: W1 (+3), W2 (+2), W3 (+1.39), W4 (+3.27), W7 (+4.30) = 5
    assert WEMWBS_IMPROVED.compute(scoped, WellbeingParameters(points=Decimal("1.39"))) == Count(5, 7, 9)
    # 1.395 needs 1.40 in whole hundredths: W3 drops out = 4
    assert WEMWBS_IMPROVED.compute(scoped, WellbeingParameters(points=Decimal("1.395"))) == Count(4, 7, 9)


def test_wemwbs_improved_days_apart():
    rows = assessments(
        wb("W1", MAY, "WEMWBS", 40), wb("W1", D(2025, 5, 31), "WEMWBS", 50),  # 30 days
        wb("W2", MAY, "WEMWBS", 40), wb("W2", D(2025, 6, 1), "WEMWBS", 50),  # 31 days
    )
    count = WEMWBS_IMPROVED.compute(data(open_for("W1", "W2"), rows), WellbeingParameters(min_days_apart=31))
    assert count == Count(1, 1, 2)


# --- reported -----------------------------------------------------------------------------


RETURNS = returns(
    ("m1", "2026-03", "RT2", 30, 40),
    ("m1", "2026-02", "RT2", 10, 40),
    ("m1", "2026-03", "RXV", 5, 6),  # another provider's row
    ("named_in_file", "2026-03", None, 7, 9),  # a row naming no provider is this provider's
)


def test_reported_takes_the_row_for_the_month_of_as_of():
    assert REPORTED.compute(data(open_for("P1"), rets=RETURNS), ReportedParameters()) == Count(30, 40, 40)
    feb = data(open_for("P1"), rets=RETURNS, as_of=D(2026, 2, 28))
    assert REPORTED.compute(feb, ReportedParameters()) == Count(10, 40, 40)


def test_reported_by_the_name_in_the_returns_file():
    count = REPORTED.compute(data(open_for("P1"), rets=RETURNS), ReportedParameters(name="named_in_file"))
    assert count == Count(7, 9, 9)


def test_reported_with_no_row_for_the_month():
    jan = data(open_for("P1"), rets=RETURNS, as_of=D(2026, 1, 31))
    assert REPORTED.compute(jan, ReportedParameters()) == Count(0, 0, 0, note="no return for m1 in 2026-01")
    empty = data(open_for("P1"), rets=pl.DataFrame(), measure="m2")
    assert REPORTED.compute(empty, ReportedParameters()) == Count(0, 0, 0, note="no return for m2 in 2026-03")


def test_reported_takes_the_last_of_duplicate_rows_and_caps_an_impossible_one():
    twice = returns(("m1", "2026-03", "RT2", 1, 2), ("m1", "2026-03", "RT2", 3, 4))
    assert REPORTED.compute(data(open_for("P1"), rets=twice), ReportedParameters()) == Count(3, 4, 4)
    over = returns(("m1", "2026-03", "RT2", 5, 4))
    count = REPORTED.compute(data(open_for("P1"), rets=over), ReportedParameters())
    assert (count.numerator, count.denominator, count.in_scope) == (4, 4, 4)
    assert "counts 5 of 4" in count.note


# --- SWEMWBS table ------------------------------------------------------------------------


def test_swemwbs_table_values():
    assert len(METRIC_HUNDREDTHS) == 29
    assert metric_hundredths(7) == 700 and metric_hundredths(35) == 3500
    assert metric_hundredths(14) == 1532 and metric_hundredths(20) == 1859 and metric_hundredths(22) == 1998
    assert metric_score(8) == Decimal("9.51") and metric_score(33) == Decimal("30.70")
    values = [METRIC_HUNDREDTHS[raw] for raw in range(7, 36)]
    assert values == sorted(set(values))  # strictly rising: a higher raw total is never worse


@pytest.mark.parametrize("raw", [6, 36, True, 20.0])
def test_swemwbs_rejects_impossible_totals(raw):
    with pytest.raises(ValueError):
        metric_hundredths(raw)


def test_swemwbs_expression_converts_a_column():
    frame = pl.DataFrame({"total": [7, 20, 35, 36, None]}, schema={"total": pl.Int64})
    got = frame.select(metric=metric_hundredths_expr("total"))["metric"].to_list()
    assert got == [700, 1859, 3500, None, None]


# --- parameters, wording, registration ----------------------------------------------------


def test_parameter_models_are_strict():
    with pytest.raises(ValidationError):
        PairedParameters(min_days=14)
    with pytest.raises(ValidationError):
        PairedParameters(min_days_apart=-1)
    with pytest.raises(ValidationError):
        WellbeingParameters(points=Decimal("-1"))
    with pytest.raises(ValidationError):
        ReportedParameters(name="")
    assert WellbeingParameters().points == Decimal(3)


def test_descriptions_name_numerator_denominator_and_numbers():
    assert PAIRED_HONOS.describe(PairedParameters()) == (
        "people with two HoNOS totals at least 14 days apart in the period measured, of the people in scope")
    assert HONOS_IMPROVED.describe(PairedParameters(min_days_apart=1)) == (
        "people whose latest HoNOS total is lower than their first, of the people with two HoNOS "
        "totals at least 1 day apart in the period measured")
    wellbeing = WEMWBS_IMPROVED.describe(WellbeingParameters(points=Decimal("2.50"), min_days_apart=28))
    assert "at least 2.5 points above their first" in wellbeing and "at least 28 days apart" in wellbeing
    assert "on different dates" in WEMWBS_IMPROVED.describe(WellbeingParameters())
    assert "'cmht_kpi'" in REPORTED.describe(ReportedParameters(name="cmht_kpi"))
    assert "of the people in scope with an episode open" in REVIEWED_IN_PERIOD.describe(NoParameters())


def test_the_hook_declares_the_five_builtins():
    declared = compose_indicators([builtin.localpay_indicators()])
    assert list(declared) == ["honos_improved", "paired_honos", "reported", "reviewed_in_period", "wemwbs_improved"]
    assert {i.plugin for i in declared.values()} == {"localpay.measures.builtin"}
    assert all("\n" not in i.summary for i in declared.values())


class _SettledPlugin:
    """A third-party indicator, declared the way a plugin author would."""

    @staticmethod
    @hookimpl
    def localpay_indicators():
        return [Indicator("settled", "people in settled accommodation",
                          compute=lambda data, parameters: Count(0, 0, 0),
                          describe=lambda parameters: "people in settled accommodation, of the people in scope")]


def test_builtins_and_a_plugin_compose_through_the_hook():
    # a bare manager: the builtins must register through the hookspec like any plugin
    manager = pluggy.PluginManager("localpay")
    manager.add_hookspecs(hookspecs)
    manager.register(builtin)
    manager.register(_SettledPlugin())
    declared = compose_indicators(manager.hook.localpay_indicators())
    assert sorted(declared) == ["honos_improved", "paired_honos", "reported", "reviewed_in_period", "settled",
                                "wemwbs_improved"]
    assert declared["paired_honos"].plugin == "localpay.measures.builtin"
