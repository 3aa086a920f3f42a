"""The pathway option's terms for the contract schedule: the price, who enters and leaves, the
stages and what each pays, and when its money is paid."""

from __future__ import annotations

from localpay.plugin import ScheduleSection, Table, dated_items, format_money

from .pricing import stage_pence
from .terms import PathwayArrangement, Stage

TIMING = ("Each stage is paid on the statement for the month it falls due: entry in the month of entry, a timed "
          "stage in the month its days are up, completion in the month of completion.")


def describe(arrangement: PathwayArrangement, ruleset) -> ScheduleSection:
    provider = ruleset.providers[arrangement.provider]
    commissioner = ruleset.commissioners[arrangement.commissioner]
    prices = dated_items(arrangement.price, ruleset.period.start)
    clause = f" ({arrangement.clause})" if arrangement.clause else ""
    if isinstance(arrangement.price, dict):
        price_words = "a price per pathway of " + "; ".join(f"{format_money(p)} from {d}" for d, p in prices)
    else:
        price_words = f"a price of {format_money(arrangement.price)} per pathway"
    paragraphs = (
        f"{commissioner.name} ({commissioner.code}) pays {provider.name} ({provider.code}) {price_words}{clause}, "
        "in stages. The price in effect on the day a person enters the pathway applies to every stage of it "
        "(an entry before the first date takes the first price).",
        f"A person enters the pathway when an episode starts where {arrangement.entry.describe()}, unless a "
        f"pathway of theirs is still open. They stay on it while episodes where {arrangement.continuing.describe()} "
        "follow on without a gap; when that run of episodes ends, they have left.",
        _completion_words(arrangement),
        "Each stage is paid once, in the month it falls due, as a share of the price; the amounts are rounded "
        "to the penny so that the stages add up to the price exactly. A stage that would fall due after the "
        "pathway is completed is paid on completion.",
        _leaving_words(arrangement.leaving_early, arrangement.max_duration_days),
        _reentry_words(arrangement.reentry_gap_days),
    )
    return ScheduleSection(f"Pathway-based payments: {arrangement.label}", tuple(p for p in paragraphs if p),
                           (_stage_table(arrangement, prices),))


def _completion_words(arrangement: PathwayArrangement) -> str:
    ways = []
    if arrangement.completion is not None:
        ways.append(f"when an episode on it where {arrangement.completion.describe()} ends")
    if arrangement.max_duration_days is not None:
        ways.append(f"{arrangement.max_duration_days} days after entry if the person is still on it then")
    if not ways:
        return "The pathway has no completion: it is paid by its stages for as long as the person stays on it."
    return f"The pathway is completed {', or '.join(ways)}{', whichever comes first' if len(ways) > 1 else ''}."


def _leaving_words(rule: str, longest: int | None) -> str:
    if rule == "keep_paid":
        return "A person who leaves before completion: the stages already paid stay paid, and no further stage is paid."
    towards = f" (for the completion stage, the date {longest} days after entry)" if longest else ""
    return ("A person who leaves before completion: the stages already paid stay paid, and the next stage is paid on "
            "the day they leave in proportion to the days served towards it: the days from the previous stage "
            f"(or entry) to leaving, over the days from the previous stage to the next stage's date{towards}.")


def _reentry_words(gap: int) -> str:
    if gap == 0:
        return "Once a pathway has ended, completed or left, a new entry starts a new pathway."
    return (f"Once a pathway has ended, completed or left, a new pathway can start only {gap} days or more after "
            "it ended; an entry before then starts nothing and is reported in the exceptions.")


def _stage_table(arrangement: PathwayArrangement, prices) -> Table:
    amounts = [stage_pence(price, [s.share for s in arrangement.stages]) for _, price in prices]
    heads: tuple[str, ...]
    if len(prices) == 1:
        heads = (f"amount at {format_money(prices[0][1])}",)
    else:
        heads = tuple(f"amount from {day} ({format_money(price)})" for day, price in prices)
    rows = tuple(
        (stage.id, _trigger_words(stage), stage.share_text, *(format_money(each[i]) for each in amounts))
        for i, stage in enumerate(arrangement.stages)
    )
    return Table(("stage", "paid", "share", *heads), rows)


def _trigger_words(stage: Stage) -> str:
    if stage.at == "entry":
        return "at entry"
    if stage.at == "completion":
        return "at completion"
    return f"{stage.after_days} days after entry"
