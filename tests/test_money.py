"""Money is exact: integer micros and pence inside, Decimal at the edges, half-up rounding."""

from decimal import ROUND_HALF_UP, Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from localpay.money import (
    amount_expr, format_money, format_price, micros_text_expr, micros_to_decimal, pence_text_expr,
    round_pence, to_micros,
)


def test_round_half_up_at_the_half_penny():
    assert round_pence(3, to_micros(Decimal("0.005"))) == 2  # 0.015 -> 0.02
    assert round_pence(1, to_micros(Decimal("0.004999"))) == 0
    assert round_pence(-3, to_micros(Decimal("0.005"))) == -2  # away from zero


@settings(deadline=None)
@given(st.integers(-10_000, 10_000), st.integers(-10**10, 10**10))
def test_the_vectorised_rounding_matches_decimal(quantity, micros):
    frame = pl.DataFrame({"q": [quantity], "p": [micros]})
    fast = frame.select(amount_expr(pl.col("q"), pl.col("p")))[0, 0]
    exact = (Decimal(quantity) * Decimal(micros) / 10_000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert fast == round_pence(quantity, micros) == int(exact)


@settings(deadline=None)
@given(st.integers(-10**12, 10**12))
def test_pence_and_micros_render_as_exact_decimals(value):
    frame = pl.DataFrame({"v": [value]})
    assert Decimal(frame.select(pence_text_expr(pl.col("v")))[0, 0]) == Decimal(value) / 100
    text = frame.select(micros_text_expr(pl.col("v")))[0, 0]
    places = text.split(".")[1]
    # the places it needs and no more, at least two: 3.10, 3.1234, never 3.100 or 3.1
    assert Decimal(text) == Decimal(value) / 1_000_000 and len(places) >= 2
    assert len(places) == 2 or not places.endswith("0")


def test_formats():
    assert format_money(123450) == "£1,234.50"
    assert format_money(-5) == "-£0.05"
    assert format_money(Decimal("1234567.891")) == "£1,234,567.89"
    assert format_price(3_100_000) == "£3.10"
    assert format_price(3_123_400) == "£3.1234"
    assert format_price(1_234_500_000) == "£1,234.50"
    assert micros_to_decimal(3_100_000) == Decimal("3.10")


def test_floats_are_refused_not_rounded():
    with pytest.raises(TypeError, match="not float"):
        format_money(1.5)
    with pytest.raises(ValueError, match="more than 6 decimal places"):
        to_micros(Decimal("0.0000001"))


@settings(deadline=None)
@given(st.integers(0, 10**12), st.integers(1, 9_999))
def test_a_sum_spread_over_units_rounds_back_to_itself(pence, units):
    from localpay.money import amount_expr, pence_price_expr, share_price_expr

    frame = pl.DataFrame({"pence": [pence], "units": [units]})
    price = frame.select(share_price_expr(pl.col("pence"), pl.col("units"))).item()
    # e.g. £1,019.18 over 30 days is 33,972,667 micros a day, and 30 x that is 101,918.0001p -> 101,918p
    assert abs(price * units - pence * 10_000) <= units // 2 + 1
    assert frame.select(amount_expr(pl.col("units"), pl.lit(price))).item() == pence
    assert frame.select(pence_price_expr(pl.col("pence"))).item() == pence * 10_000


def test_the_worked_example_of_a_spread_price():
    from localpay.money import share_price_expr

    # 101,918p over 30 days: (2 x 101,918 x 10,000 + 30) // 60 = 33,972,667 micros (£33.972667 a day)
    assert pl.select(share_price_expr(pl.lit(101_918), pl.lit(30))).item() == 33_972_667
