"""The built-in condition operators and actions, registered through the public hooks."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import cast

import polars as pl

from ..hookspecs import hookimpl
from ..measures import builtin as measures_builtin  # the module, not its hook: imported here, a hook registers twice
from ..measures.indicators import compose_indicators
from ..money import MICROS_PER_POUND, stated_money, to_micros
from . import pattern
from .fields import ORDERED, Field, durable_value, encode, parse_value, polars_literal
from .vocabulary import ActionContext, Operator, RuleAction, Vocabulary, compose_vocabulary
from . import wording
from .history_kinds import KINDS

ALL_TYPES = ("text", "code", "cluster", "number", "date")
TEXTUAL = ("text", "code")


def _scalar(field: Field, value):
    if isinstance(value, (list, dict)):
        raise ValueError(f"expected one value for {field.name}, found {type(value).__name__}")
    return _written(parse_value(field, value))


def _list(field: Field, value):
    if not isinstance(value, list) or not value:
        raise ValueError(f"expected a list of values for {field.name}")
    return tuple(_written(parse_value(field, v)) for v in value)


def _written(value):
    """A text written in a rule: at most ``pattern.MAX_CONSTANT`` characters, none of the
    private use block that text is given to durable-rules in."""
    if isinstance(value, str):
        if len(value) > pattern.MAX_CONSTANT:
            raise ValueError(f"a text in a rule is at most {pattern.MAX_CONSTANT:,} characters; found {len(value):,}")
        if any(ord(c) in pattern.RESERVED for c in value):
            raise ValueError("a text in a rule cannot hold characters U+E000 to U+E0FF (private use)")
    return value


def _pair(field: Field, value):
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError(f"expected [lowest, highest] for {field.name}")
    low, high = (parse_value(field, v) for v in value)
    # a range is only offered on an ordered field, whose values parse to one comparable type
    if high < low:  # type: ignore[operator]
        raise ValueError(f"the range for {field.name} is empty: {low} is after {high}")
    return (low, high)


def _flag(field: Field, value):
    if value is not True:
        raise ValueError("write present: true or missing: true")
    return True


def _prefix(field: Field, value):
    return _written(_text(field, value))


def _pattern(field: Field, value):
    text = _text(field, value)
    try:
        pattern.parse(text)
    except pattern.PatternError as error:
        raise ValueError(f"the pattern '{text}' is outside the pattern dialect: {error}") from None
    return text


def _text(field: Field, value):
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected text, found {value!r}")
    return value


def _compare(op: str, words: str) -> Operator:
    # words for numbers and clusters; dates read "after", "before" (wording.comparison)
    polars_op = {"gt": "__gt__", "gte": "__ge__", "lt": "__lt__", "lte": "__le__"}[op]
    return Operator(
        op, f"{words} (numbers, dates, clusters)", ORDERED, _scalar,
        lambda col, f, v: getattr(col, polars_op)(polars_literal(f, v)),
        lambda name, f, v: {f"${op}": {name: encode(f, v)}},
        lambda label, f, v: f"{label} is {wording.comparison(op, f)} {wording.value(f, v)}",
    )


OPERATORS = [
    Operator("equals", "is exactly the value", ALL_TYPES, _scalar,
             lambda col, f, v: col == polars_literal(f, v),
             lambda name, f, v: {name: durable_value(f, v)},
             lambda label, f, v: f"{label} is {wording.value(f, v)}"),
    Operator("one_of", "is one of a list of values", ALL_TYPES, _list,
             lambda col, f, v: pl.any_horizontal([col == polars_literal(f, x) for x in v]),
             lambda name, f, v: ({"$or": [{name: durable_value(f, x)} for x in v]} if len(v) > 1
                                 else {name: durable_value(f, v[0])}),
             lambda label, f, v: f"{label} is {wording.one_of(f, v)}"),
    _compare("gt", "more than"),
    _compare("gte", "at least"),
    _compare("lt", "less than"),
    _compare("lte", "at most"),
    Operator("between", "lies in a range, both ends included", ORDERED, _pair,
             lambda col, f, v: (col >= polars_literal(f, v[0])) & (col <= polars_literal(f, v[1])),
             lambda name, f, v: {"$and": [{"$gte": {name: encode(f, v[0])}}, {"$lte": {name: encode(f, v[1])}}]},
             lambda label, f, v: f"{label} is from {wording.value(f, v[0])} to {wording.value(f, v[1])}"),
    Operator("present", "has a value", ALL_TYPES, _flag,
             lambda col, f, v: col.is_not_null(),
             lambda name, f, v: {"$ex": {name: 1}},
             lambda label, f, v: f"{label} is given"),
    Operator("missing", "is empty", ALL_TYPES, _flag,
             lambda col, f, v: col.is_null(),
             lambda name, f, v: {"$nex": {name: 1}},
             lambda label, f, v: f"{label} is empty"),
    Operator("starts_with", "text begins with", TEXTUAL, _prefix,
             lambda col, f, v: col.str.starts_with(v),
             lambda name, f, v: {"$mt": {name: pattern.durable_prefix(v)}},
             lambda label, f, v: f"{label} begins with '{v}'"),
    Operator("matches", "text matches a pattern (the whole value)", TEXTUAL, _pattern,
             lambda col, f, v: col.str.contains(pattern.polars(pattern.parse(v))),
             lambda name, f, v: {pattern.matched_key(name, v): True},
             lambda label, f, v: f"{label} matches the pattern '{v}'"),
]


def _reason(value, context: ActionContext) -> str:
    if value is True:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected the reason, in words (or true)")
    return value.strip()


def parse_percent(value) -> Decimal:
    written = value.strip() if isinstance(value, str) else f"{value}%"
    if isinstance(value, str) and value.strip().endswith("%"):
        value = value.strip()[:-1]
        try:
            value = Decimal(value)
        except ArithmeticError:
            raise ValueError(f"expected a percentage such as 10%, found '{value}%'") from None
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise ValueError(f"expected a percentage such as 10%, found {value!r}")
    number = Decimal(value)
    if not number.is_finite():  # "inf%" and "nan%" read as Decimals, but are no percentage
        raise ValueError(f"expected a percentage such as 10%, found {written}")
    if number < 0 or cast(int, number.as_tuple().exponent) < -4:
        raise ValueError(f"expected a percentage of at least 0% with at most 4 decimal places, found {value}%")
    return number


def _discount(value, context):
    number = parse_percent(value)
    if number > 100:
        raise ValueError(f"a discount cannot be more than 100%, found {number}%")
    return number


def _price(value, context) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or value < 0:
        raise ValueError(f"expected a price in pounds such as 3.50, found {value!r}")
    # the ruleset's reader keeps inf and nan as text, so the price is finite and its exponent
    # a number, not a letter
    if cast(int, Decimal(value).as_tuple().exponent) < -6:
        raise ValueError(f"a price has at most 6 decimal places, found {value}")
    return to_micros(stated_money(Decimal(value)))


def _commissioner(value, context) -> str:
    code = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if code not in context.commissioners:
        raise ValueError(f"{value!r} is not one of the ruleset's commissioners "
                         f"(expected one of: {', '.join(context.commissioners)})")
    return code


def _split(value, context) -> tuple[tuple[str, Decimal], ...]:
    if not isinstance(value, dict) or len(value) < 2:
        raise ValueError("expected two or more funders with their shares, e.g. {01W: 80%, LA1: 20%}")
    problems, shares = [], []
    for code, share in value.items():
        try:
            shares.append((_commissioner(code, context), parse_percent(share)))
        except ValueError as error:
            problems.append(str(error))
    total = sum(share for _, share in shares)
    if not problems and total != 100:
        problems.append(f"the shares add up to {total}%, not 100%")
    if problems:
        raise ValueError("; ".join(problems))
    return tuple(shares)


def scale(micros: int, percent: Decimal, sign: int) -> int:
    """A unit price moved by a percentage, half up to the micro."""
    exact = Decimal(micros) * (100 + sign * percent) / 100
    return int(exact.quantize(Decimal(1), rounding="ROUND_HALF_UP"))


ACTIONS = [
    RuleAction("exclude", "not payable; the episode goes to the exceptions report with the reason",
               "exclude", _reason, lambda v: f"excluded{': ' + v if v else ''}"),
    RuleAction("commissioner", "paid by another commissioner (the responsible commissioner)",
               "commissioner", _commissioner, lambda v: f"paid by commissioner {v}"),
    RuleAction("price", "sets the unit price", "price", _price,
               lambda v: f"the unit price is £{Decimal(v) / MICROS_PER_POUND:.2f}" if v % 10_000 == 0
               else f"the unit price is £{Decimal(v) / MICROS_PER_POUND}"),
    RuleAction("uplift", "raises the unit price by a percentage", "adjust", lambda v, c: parse_percent(v),
               lambda v: f"paid {wording.percent(v)} above the price", adjust=lambda p, v: scale(p, v, +1)),
    RuleAction("discount", "lowers the unit price by a percentage", "adjust", _discount,
               lambda v: f"paid {wording.percent(v)} below the price", adjust=lambda p, v: scale(p, v, -1)),
    RuleAction("hold", "payable but withheld pending validation", "hold", _reason,
               lambda v: f"withheld pending validation{': ' + v if v else ''}"),
    RuleAction("split", "shares the amount between funders, to the penny", "split", _split,
               lambda v: "shared between " + " and ".join(f"{c} ({wording.percent(s)})" for c, s in v)),
    RuleAction("flag", "a validation flag on the statement and in the exceptions report", "flag", _reason,
               lambda v: f"flagged for validation{': ' + v if v else ''}"),
]


@hookimpl
def localpay_rule_operators():
    return OPERATORS


@hookimpl
def localpay_rule_actions():
    return ACTIONS


def builtin_vocabulary() -> Vocabulary:
    """The built-in operators, actions, history kinds and indicators alone (what a ruleset loaded
    without plugins gets)."""
    rules = compose_vocabulary([OPERATORS], [ACTIONS], [KINDS])
    return replace(rules, indicators=compose_indicators([measures_builtin.localpay_indicators()]))
