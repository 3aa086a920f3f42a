"""Measures in plain English, for the contract schedule."""

from __future__ import annotations

from ..plugin_values import Table
from ..ruleset.types import percent_text


def measures_table(measures) -> Table:
    rows = []
    for m in measures:
        floor, target = m.thresholds
        gate = [f"at least {m.minimum_denominator} in the denominator"]
        if m.completeness is not None:
            gate.append(f"completeness of at least {percent_text(m.completeness)}")
        rows.append((m.label, m.indicator_impl.describe(m.indicator_parameters) if m.indicator_impl else m.indicator,
                     m.scope.describe() if m.scope is not None else "every person of the provider and commissioner",
                     percent_text(m.weight), percent_text(floor) if floor is not None else "",
                     percent_text(target) if target is not None else "", _scale(m), "; ".join(gate)))
    return Table(("measure", "counts", "scope", "weight", "floor", "target", "scale", "scored only with"), tuple(rows))


def _scale(m) -> str:
    if m.scale == "linear":
        return "in proportion between floor and target"
    if m.scale == "all_or_nothing":
        return "all at the target, nothing below"
    return "; ".join(f"{percent_text(b.pays)} from {percent_text(b.at)}" for b in m.bands)


def scoring_words(measures) -> tuple[str, ...]:
    return (
        "Each measure's rate is its numerator divided by its denominator as at the date measured, counting from the "
        "start of the contract period. A measure earns its weight of the pot in full at or above its target and "
        "nothing below its floor; between them it earns as its scale says.",
        "A measure whose denominator is below its minimum, or whose data cover fewer of the people in scope than its "
        "completeness gate, is withheld pending data: it is neither paid nor scored zero; its money is held and carried "
        "to the next settlement, where it is earned as the measure then scores.",
    )
