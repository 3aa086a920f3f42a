"""The rule trail behind one payment line: each rule in the order it applied, with its clause,
the condition that matched, what it did, and the unit price and amount before and after."""

from __future__ import annotations

from ..money import pence_to_decimal, round_pence
from .describe import condition
from .policy import Plan

STAGE_ORDER = ("commissioner", "price", "adjust", "hold", "split", "flag", "exclude")


def trail(plan: Plan | None, line: dict) -> list[dict]:
    if plan is None:
        return []
    quantity, price = line["quantity"], line["option_price"]
    ordered = sorted(plan.decisions, key=lambda d: (not d.applied, STAGE_ORDER.index(d.action.action.stage)))
    steps = []
    for decision in ordered:
        stage = decision.action.action.stage
        step: dict[str, object]
        step = {"rule": decision.rule.id, "clause": decision.rule.clause, "condition": condition(decision.rule.when),
                "action": decision.action.describe(), "applied": decision.applied, "why_not": decision.why_not}
        if decision.applied and stage in ("price", "adjust"):
            action = decision.action
            if stage == "price":
                after = action.value
            else:
                assert action.action.adjust is not None  # compose_vocabulary refuses an adjustment without one
                after = action.action.adjust(price, action.value)
            step.update(price_before=price, price_after=after, amount_before=_value(quantity, price),
                        amount_after=_value(quantity, after))
            price = after
        elif decision.applied and stage == "split" and line.get("share"):
            step.update(amount_before=_value(quantity, price), amount_after=pence_to_decimal(line["amount"]),
                        note=f"this line is the {line['share']} share for commissioner {line['commissioner']}")
        elif decision.applied and stage == "hold":
            step.update(note="the line is held" if line["status"] == "held" else f"the line stays {line['status']}")
        steps.append(step)
    return steps


def _value(quantity: int, micros: int):
    return pence_to_decimal(round_pence(quantity, micros))
