"""Both evaluators give the same outcome on every episode: random rules over random episodes,
row-local rules evaluated once as Polars expressions and once through durable-rules."""

import datetime as dt
from decimal import Decimal

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from localpay.errors import Problem
from localpay.rules.builtin import builtin_vocabulary
from localpay.rules.evaluate import evaluate
from localpay.rules.fields import Field, builtin_fields
from localpay.rules.model import RuleBook, parse_rules

FIELDS = {**builtin_fields(["RT2", "RXV"], ["01W", "01Y"]), "age": Field("age", "number", declared=True)}
SERVICES = ["EIP", "CMHT", "CRHT", "X.Y", "E+P"]
DAY0 = dt.date(2025, 4, 1)

dates = st.integers(0, 200).map(lambda n: DAY0 + dt.timedelta(days=n))
ages = st.decimals(min_value=Decimal("0"), max_value=Decimal("99"), places=2)
clusters = st.sampled_from([1, 3, 4, 10, 11, 14, 15, 18])


def _pair(strategy):
    return st.tuples(strategy, strategy).map(sorted).map(list)


LEAVES = st.one_of(
    clusters.map(lambda c: {"cluster": c}),
    st.lists(clusters, min_size=1, max_size=3).map(lambda cs: {"cluster": cs}),
    st.tuples(st.sampled_from(["gt", "gte", "lt", "lte"]), clusters).map(lambda p: {"cluster": {p[0]: p[1]}}),
    _pair(clusters).map(lambda p: {"cluster": {"between": p}}),
    st.sampled_from(SERVICES).map(lambda s: {"service": s}),
    st.sampled_from(SERVICES).map(lambda s: {"service": {"not": s}}),
    st.sampled_from(["E", "C", "X.", "E+"]).map(lambda s: {"service": {"starts_with": s}}),
    st.sampled_from(["E.P", "C.*", "[A-E]+IP|CMHT", "X[.]Y"]).map(lambda s: {"service": {"matches": s}}),
    st.sampled_from(["present", "missing"]).map(lambda k: {"service": {k: True}}),
    st.sampled_from(["present", "missing"]).map(lambda k: {"age": {k: True}}),
    st.tuples(st.sampled_from(["gt", "gte", "lt", "lte"]), ages).map(lambda p: {"age": {p[0]: p[1]}}),
    _pair(dates).map(lambda p: {"start_date": {"between": p}}),
    st.tuples(st.sampled_from(["gt", "lte"]), dates).map(lambda p: {"end_date": {p[0]: p[1]}}),
    st.sampled_from(["community", "inpatient"]).map(lambda s: {"setting": s}),
    st.sampled_from(["RT2", "RXV"]).map(lambda s: {"provider": {"not": s}}),
)

CONDITIONS = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
        inner.map(lambda x: {"not": x}),
    ),
    max_leaves=6,
)


@st.composite
def episodes(draw):
    n = draw(st.integers(1, 25))
    rows = []
    for i in range(n):
        start = draw(dates)
        end = draw(st.one_of(st.none(), st.integers(1, 90).map(lambda d: start + dt.timedelta(days=d))))
        rows.append({
            "episode_id": f"E{i}", "patient_id": f"P{draw(st.integers(0, 5))}",
            "provider": draw(st.sampled_from(["RT2", "RXV"])), "commissioner": "01W",
            "cluster": draw(clusters), "start_date": start, "end_date": end,
            "until": end or DAY0 + dt.timedelta(days=300),
            "setting": draw(st.sampled_from(["community", "inpatient"])),
            "service": draw(st.one_of(st.none(), st.sampled_from(SERVICES))),
            "age": draw(st.one_of(st.none(), ages.map(lambda a: int(a * 1_000_000)))),
        })
    return pl.DataFrame(rows, schema={
        "episode_id": pl.String, "patient_id": pl.String, "provider": pl.String, "commissioner": pl.String,
        "cluster": pl.Int8, "start_date": pl.Date, "end_date": pl.Date, "until": pl.Date, "setting": pl.String,
        "service": pl.String, "age": pl.Int64,
    })


def book_of(conditions: list[dict]) -> RuleBook:
    data = [{"id": f"r{i}", "clause": "test", "when": c, "then": {"flag": True}} for i, c in enumerate(conditions)]
    rules, problems = parse_rules(data, FIELDS, builtin_vocabulary(), ("01W", "01Y"),
                                  lambda path, message: Problem("t", None, str(path), message))
    assert not problems, problems
    return RuleBook(FIELDS, rules)


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CONDITIONS, min_size=1, max_size=4), episodes())
def test_polars_and_durable_agree_on_every_episode(conditions, frame):
    book = book_of(conditions)
    by_polars = evaluate(book, frame, None, "polars").matches
    by_durable = evaluate(book, frame, None, "durable").matches
    assert by_polars.rows() == by_durable.rows()


def test_the_differential_test_can_see_a_difference():
    # a hand-made case where the answer is known, so agreement is not agreement on nothing
    frame = pl.DataFrame({
        "episode_id": ["E1", "E2", "E3"], "patient_id": ["P1", "P2", "P3"], "provider": ["RT2"] * 3,
        "commissioner": ["01W"] * 3, "cluster": pl.Series([10, 10, 3], dtype=pl.Int8),
        "start_date": [DAY0] * 3, "end_date": pl.Series([None] * 3, dtype=pl.Date), "until": [DAY0 + dt.timedelta(days=30)] * 3,
        "setting": ["community"] * 3, "service": ["EIP", None, "EIP"], "age": pl.Series([None, 5, 7], dtype=pl.Int64),
    })
    book = book_of([{"cluster": 10, "service": {"not": "EIP"}}, {"any": [{"age": {"missing": True}}, {"cluster": 3}]}])
    expected = [("E1", 1), ("E2", 0), ("E3", 1)]
    assert evaluate(book, frame, None, "polars").matches.rows() == expected
    assert evaluate(book, frame, None, "durable").matches.rows() == expected
