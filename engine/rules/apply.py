"""Rule outcomes applied: exclusions and commissioners to episodes before pricing; prices,
adjustments, holds and splits to the priced lines; flags to the exceptions report."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

import polars as pl

from ..errors import MoneyError
from ..lines import EXCEPTION_COLUMNS, paid_expr, statement_id_expr
from ..money import MAX_UNIT_MICROS, checked_amounts, format_price, money_total, wide_amount_expr
from .model import RuleBook
from .policy import Plan, plan
from .wording import percent

PLAN_SCHEMA = {"episode_id": pl.String, "plan": pl.Int32}


@dataclass
class Outcomes:
    """Each matched episode's plan: ``plans`` by number, ``episodes`` maps episode to plan."""

    plans: dict[int, Plan]
    episodes: pl.DataFrame  # episode_id, plan

    def plan_of(self, episode_id: str) -> Plan | None:
        found = self.episodes.filter(pl.col("episode_id") == episode_id)
        return self.plans[found["plan"][0]] if found.height else None


def outcomes(book: RuleBook, matches: pl.DataFrame) -> Outcomes:
    if matches.is_empty():
        return Outcomes({}, pl.DataFrame(schema=PLAN_SCHEMA))
    sets = matches.group_by("episode_id").agg(pl.col("rule").sort().alias("rules"))
    keys = sets.select(pl.col("rules").cast(pl.List(pl.Int64))).unique().sort("rules")["rules"].to_list()
    by_index = {rule.index: rule for rule in book.rules}
    plans = {n: plan([by_index[i] for i in key]) for n, key in enumerate(keys)}
    numbers = pl.DataFrame({"rules": keys, "plan": list(range(len(keys)))},
                           schema={"rules": pl.List(pl.Int64), "plan": pl.Int32})
    episodes = sets.with_columns(pl.col("rules").cast(pl.List(pl.Int64))).join(numbers, on="rules").select("episode_id", "plan")
    return Outcomes(plans, episodes.sort("episode_id"))


def _rule_text(decisions) -> str:
    return "; ".join(f"{d.rule.id}" + (f" ({d.rule.clause})" if d.rule.clause else "")
                     + (f": {d.action.value}" if isinstance(d.action.value, str) and d.action.value else "")
                     for d in decisions)


def exclusions(valid: pl.DataFrame, found: Outcomes) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The episodes to price, and exception rows for those a rule excludes."""
    chosen = {n: p.applied("exclude") for n, p in found.plans.items() if p.excluded}
    if not chosen:
        return valid, pl.DataFrame(schema=EXCEPTION_COLUMNS)
    episodes = found.episodes.filter(pl.col("plan").is_in(list(chosen)))
    rows = _exception_rows(valid.join(episodes, on="episode_id"), chosen, "excluded by rule ", "rule_excluded", "excluded")
    return valid.join(episodes, on="episode_id", how="anti"), rows


def flags(valid: pl.DataFrame, found: Outcomes) -> pl.DataFrame:
    chosen = {n: p.applied("flag") for n, p in found.plans.items() if p.applied("flag")}
    if not chosen:
        return pl.DataFrame(schema=EXCEPTION_COLUMNS)
    hit = valid.join(found.episodes.filter(pl.col("plan").is_in(list(chosen))), on="episode_id")
    return _exception_rows(hit, chosen, "flagged by rule ", "rule_flag", "flagged")


def _exception_rows(hit: pl.DataFrame, chosen: dict, lead: str, code: str, action: str) -> pl.DataFrame:
    ids = {n: ";".join(d.rule.id for d in decisions) for n, decisions in chosen.items()}
    texts = {n: lead + _rule_text(decisions) for n, decisions in chosen.items()}
    return hit.select(
        source=pl.lit("episodes"), row="row", episode_id="episode_id", provider="provider",
        commissioner="commissioner", column=pl.lit("rules"),
        value=pl.col("plan").replace_strict(ids, return_dtype=pl.String),
        reason_code=pl.lit(code), reason=pl.col("plan").replace_strict(texts, return_dtype=pl.String),
        action=pl.lit(action),
    # polars types cast()'s keys as a union (names, selectors, types), which a dict keyed by
    # str cannot match: a mapping's key type is invariant
    ).cast(EXCEPTION_COLUMNS)  # type: ignore[arg-type]


def commissioners(valid: pl.DataFrame, found: Outcomes) -> pl.DataFrame:
    """The responsible-commissioner rule: who pays, before pricing picks the arrangement."""
    moved = {n: d.action.value for n, p in found.plans.items() if (d := p.first("commissioner"))}
    if not moved:
        return valid
    # the few episodes that move, looked up by id (a join of every episode would cost more)
    movers = found.episodes.filter(pl.col("plan").is_in(list(moved))).with_columns(
        payer=pl.col("plan").replace_strict(moved, return_dtype=pl.String))
    if movers.is_empty():
        return valid
    return valid.with_columns(commissioner=pl.col("episode_id").replace_strict(
        movers["episode_id"], movers["payer"], default=pl.col("commissioner"), return_dtype=pl.String))


def price_steps(plan_: Plan, unit_price: int) -> list[tuple]:
    """(decision, price before, price after) for each price rule and adjustment, in order."""
    steps, price = [], unit_price
    for decision in plan_.price_steps:
        action = decision.action
        if action.action.stage == "price":
            after = action.value
        else:
            assert action.action.adjust is not None  # compose_vocabulary refuses an adjustment without one
            after = action.action.adjust(price, action.value)
        steps.append((decision, price, int(after)))
        price = int(after)
    return steps


def on_lines(lines: pl.DataFrame, found: Outcomes) -> pl.DataFrame:
    """Priced lines with every applied rule: unit price, status, rule ids, and split lines."""
    if not found.plans or lines.is_empty():
        return lines
    # each line's plan, found by a join of the episode ids alone (a join of the lines would
    # copy every column of them)
    plans = lines.select("episode_id").join(found.episodes, on="episode_id", how="left", maintain_order="left")["plan"]
    pairs = pl.DataFrame({"plan": plans, "unit_price": lines["unit_price"]}).drop_nulls("plan").unique()
    prices = pl.DataFrame(
        [(n, p, _ruled_price(found.plans[n], p)) for n, p in pairs.iter_rows()],
        schema={"plan": pl.Int32, "unit_price": pl.Int64, "_price": pl.Int64}, orient="row")
    ids = {n: ";".join(p.rule_ids) for n, p in found.plans.items()}
    holds = {n: "withheld pending validation by rule " + _rule_text(p.applied("hold"))
             for n, p in found.plans.items() if p.applied("hold")}
    plan = pl.col("plan")
    held = plan.is_in(list(holds)) & (pl.col("status") == "payable")

    def applied(frame: pl.LazyFrame) -> pl.LazyFrame:
        return frame.join(
            prices.lazy(), on=["plan", "unit_price"], how="left", maintain_order="left").with_columns(
            unit_price=pl.coalesce("_price", "unit_price"),
            rules=pl.when(plan.is_in(list(ids))).then(
                pl.concat_str(pl.col("rules"), plan.replace_strict(ids, default=None, return_dtype=pl.String),
                              separator=";", ignore_nulls=True)).otherwise(pl.col("rules")),
            status=pl.when(held).then(pl.lit("held")).otherwise(pl.col("status")),
            reason=pl.when(held).then(plan.replace_strict(holds, default=None, return_dtype=pl.String)).otherwise(pl.col("reason")),
        ).with_columns(value=wide_amount_expr(pl.col("quantity"), pl.col("unit_price"))).drop("_price")

    def paid(frame: pl.DataFrame) -> pl.DataFrame:
        # a value is bounded (128-bit until then) before it is stored in 64 bits and paid
        return checked_amounts(frame, "local rules").with_columns(amount=paid_expr())

    # one query from the priced lines to the ruled ones: the lines are copied once, not once a step
    shares = {n: d.action.value for n, p in found.plans.items() if (d := p.first("split"))}
    planned = lines.lazy().with_columns(plan=pl.lit(plans))
    if not shares:
        return paid(applied(planned).drop("plan").collect())
    split = plan.is_in(list(shares)).fill_null(False)
    chosen = paid(applied(planned.filter(split)).collect())
    whole = paid(applied(planned.filter(~split)).collect())
    money_total(pl.concat([whole.select("value"), chosen.select("value")]), "local rules")
    return pl.concat([whole, _split_lines(chosen, shares).select(chosen.columns)]).drop("plan")


def _ruled_price(plan_: Plan, unit_price: int) -> int:
    """The unit price once the plan's price rules and adjustments apply; a ``MoneyError`` if they
    move it beyond what a unit price may reach (a chain of uplifts, say)."""
    if not plan_.price_steps:
        return unit_price
    after = price_steps(plan_, unit_price)[-1][2]
    if abs(after) > MAX_UNIT_MICROS:
        rules = ", ".join(decision.rule.id for decision in plan_.price_steps)
        raise MoneyError(f"the local rules {rules} move a unit price of {format_price(unit_price)} to "
                         f"{format_price(after)}, beyond the {format_price(MAX_UNIT_MICROS)} a unit price of a run may "
                         "reach; nothing was written")
    return after


def _split_lines(chosen: pl.DataFrame, shares: dict[int, tuple[tuple[str, Decimal], ...]]) -> pl.DataFrame:
    """The lines a split rule shares: one per line and funder, in the funders' order."""
    split_lines = _shared_out(chosen, shares)
    if split_lines is None:  # values too large for 64-bit arithmetic: line by line, exactly
        parts = []
        for line in chosen.iter_rows(named=True):
            split = shares[line["plan"]]
            for (funder, share), value in zip(split, share_out(line["value"], [s for _, s in split])):
                parts.append({**line, "commissioner": funder, "share": percent(share), "value": value})
        split_lines = pl.DataFrame(parts, schema=chosen.schema)
    return split_lines.with_columns(statement_id=statement_id_expr(), amount=paid_expr())


def _shared_out(chosen: pl.DataFrame, shares: dict[int, tuple[tuple[str, Decimal], ...]]) -> pl.DataFrame | None:
    """``share_out`` for every line at once: one line per line and funder, in the funders'
    order, with ``commissioner``, ``share`` and ``value``; None if a value times a share's
    digits could pass 2^62 (the caller then shares line by line)."""
    places = max(max(-share.as_tuple().exponent, 0) for split in shares.values() for _, share in split)  # type: ignore[operator]
    whole = 10 ** places  # each share as a whole number of 1/(100 x whole) parts
    funders = pl.DataFrame(
        [(n, i, funder, percent(share), int(share * whole)) for n, split in shares.items()
         for i, (funder, share) in enumerate(split)],
        schema={"plan": pl.Int32, "_i": pl.Int64, "_funder": pl.String, "_share": pl.String, "_parts": pl.Int64},
        orient="row")
    largest = chosen["value"].abs().max() if chosen.height else 0
    if largest is not None and int(largest) * int(funders["_parts"].max() or 0) >= 1 << 62:  # type: ignore[arg-type]
        return None
    denominator = 100 * whole
    exact = pl.col("value").abs() * pl.col("_parts")
    # each part rounded down; the pennies left go to the largest remainders, ties to the earlier funder
    order = (denominator - exact % denominator) * len(funders) + pl.col("_i")
    parts = chosen.with_row_index("_line").join(funders, on="plan").sort("_line", "_i").with_columns(
        _floor=exact // denominator, _order=order)
    parts = parts.with_columns(_left=pl.col("value").abs() - pl.col("_floor").sum().over("_line"),
                               _rank=pl.col("_order").rank("ordinal").over("_line").cast(pl.Int64) - 1)
    value = (pl.col("_floor") + (pl.col("_rank") < pl.col("_left")).cast(pl.Int64)) * pl.col("value").sign()
    return parts.with_columns(commissioner="_funder", share="_share", value=value).select(chosen.columns)


def share_out(amount: int, shares: list[Decimal]) -> list[int]:
    """An amount in pence shared by percentages, to the penny: each part rounded down, then the
    pennies left over go to the largest remainders (ties to the earlier funder)."""
    sign = -1 if amount < 0 else 1
    exact = [Decimal(abs(amount)) * share / 100 for share in shares]
    floors = [int(e.to_integral_value(ROUND_FLOOR)) for e in exact]
    left = abs(amount) - sum(floors)
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [sign * f for f in floors]
