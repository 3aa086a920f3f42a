"""Pathway-based payments: a price per pathway (early intervention in psychosis over three years,
say), paid in stages as a person reaches its milestones.

The terms, as the ruleset states them and as this option applies them:

- **Instances.** Within the arrangement's provider and commissioner, a person enters the
  pathway when an episode matching ``entry`` starts and they have no open instance. They stay on
  it while their episodes matching ``continues`` (by default the entry condition; an entry
  episode always counts) follow on without a gap: the next episode starts on or before the
  latest end so far (overlaps count). The end of that run is when they leave; a run still open,
  or ending on or after the horizon, is open, not left. One instance per person is open at a time.
- **Completion** is the ``stop`` of the first episode of the run, starting on or after entry,
  that meets ``completion`` and has ended; or entry + ``max_duration_days`` if the person is still
  on the pathway that day (their run stops after it); whichever comes first.
- **Stages** fall due in the order listed: ``at: entry`` on the entry date; ``after_days: N`` on
  entry + N if the person is still on the pathway that day (they leave after it, or have not
  left); ``at: completion`` on the completion date. A stage due after the pathway is completed is
  paid on the completion date: a completed pathway is paid in full.
- **Leaving early** (the run ends before completion): ``keep_paid`` pays no more stages;
  ``pro_rata`` pays the next stage on the leave date for the days served towards it: days from
  the previous stage's date (or entry) to leaving, over the days from that date to the next
  stage's date (entry + ``max_duration_days`` for the completion stage).
- **Money.** The price in effect on the entry date applies (an entry before the first dated
  price takes the first). Stage i pays round(total x shares up to i) - round(total x shares up to
  i - 1), half up to the penny, so the stages add up to the price exactly.
- **Re-entry.** After an instance ends (completed or left), an entry episode starting before
  the end + ``reentry_gap_days`` opens nothing and, in the statement months, is reported
  (``pathway_reentry``); one starting on or after that day opens a new instance.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from localpay import Arrangement, PaymentOption, ScheduleSection, Table, hookimpl
from localpay.money import format_money
from localpay.ruleset import Code, Dated, Identifier, Price, StrictModel, dated_items
from localpay.ruleset.types import Percent, percent_text
from localpay.rules.scoped import When

from ._pathway_stages import price_pathway, stage_pence

TIMING = ("Each stage is paid on the statement for the month it falls due: entry in the month of entry, a timed "
          "stage in the month its days are up, completion in the month of completion.")


class Stage(StrictModel):
    id: Identifier
    at: Literal["entry", "completion"] | None = None
    after_days: Annotated[int, Field(ge=1)] | None = None
    share: Percent

    @model_validator(mode="after")
    def _one_trigger(self) -> "Stage":
        if (self.at is None) == (self.after_days is None):
            raise ValueError(f"stage {self.id!r} needs exactly one of 'at' (entry or completion) or 'after_days'")
        return self

    @property
    def order(self) -> tuple[int, int]:
        """Where the stage falls due among the others: entry, after N days, completion."""
        return {"entry": (0, 0), "completion": (2, 0)}.get(self.at, (1, self.after_days or 0))

    @property
    def trigger(self) -> str:
        return f"after {self.after_days} days" if self.at is None else self.at

    @property
    def share_text(self) -> str:
        return percent_text(self.share)


class PathwayArrangement(Arrangement):
    option: Literal["pathway"]
    provider: Code
    commissioner: Code
    entry: When
    continues: When | None = None
    price: Dated[Price]
    completion: When | None = None
    max_duration_days: Annotated[int, Field(ge=1)] | None = None
    reentry_gap_days: Annotated[int, Field(ge=0)] = 0
    # declared after the keys they are checked against: pydantic validates in this order, so
    # the checks below see those keys in ``info.data`` and report at the key at fault
    stages: Annotated[list[Stage], Field(min_length=1)]
    leaving_early: Literal["keep_paid", "pro_rata"]

    @field_validator("stages")
    @classmethod
    def _stages_add_up(cls, stages: list[Stage], info: ValidationInfo) -> list[Stage]:
        problems = _share_problems(stages) + _order_problems(stages) + _reach_problems(stages, info.data)
        if problems:
            raise ValueError("; ".join(problems))
        return stages

    @field_validator("leaving_early")
    @classmethod
    def _pro_rata_needs_an_end(cls, rule: str, info: ValidationInfo) -> str:
        completes = any(s.at == "completion" for s in info.data.get("stages") or [])
        no_end = "max_duration_days" in info.data and info.data["max_duration_days"] is None
        if rule == "pro_rata" and completes and no_end:
            raise ValueError("pro_rata pays the completion stage for the days served towards the maximum duration: "
                             "it needs max_duration_days")
        return rule

    def effective_dates(self):
        if isinstance(self.price, dict):
            for day in self.price:
                yield ("price", day.isoformat()), day

    @property
    def continuing(self):
        return self.continues or self.entry


def _share_problems(stages: list[Stage]) -> list[str]:
    total = sum((s.share for s in stages), Decimal(0))
    return [] if total == 1 else [f"the stages' shares add up to {percent_text(total)}, not 100%"]


def _order_problems(stages: list[Stage]) -> list[str]:
    problems, seen = [], set()
    for stage in stages:
        if stage.id in seen:
            problems.append(f"the stage id {stage.id!r} is used twice")
        seen.add(stage.id)
    orders = [s.order for s in stages]
    if any(a >= b for a, b in zip(orders, orders[1:])):
        problems.append("list the stages in the order they fall due, each at a different time: "
                        "at entry, then after_days from the fewest days, then at completion")
    return problems


def _reach_problems(stages: list[Stage], known: dict) -> list[str]:
    if "completion" not in known or "max_duration_days" not in known:
        return []  # one of them is wrong itself, and reported there
    longest, problems = known["max_duration_days"], []
    for stage in stages:
        if stage.at == "completion" and known["completion"] is None and longest is None:
            problems.append(f"stage {stage.id!r} is paid at completion, but the pathway has neither "
                            "completion nor max_duration_days, so it can never be completed")
        if stage.after_days is not None and longest is not None and stage.after_days >= longest:
            problems.append(f"stage {stage.id!r} falls due after {stage.after_days} days, but the pathway completes "
                            f"after at most {longest} days (max_duration_days)")
    return problems


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


@hookimpl
def localpay_payment_options():
    return [PaymentOption(
        name="pathway",
        summary="A price per pathway, paid in stages at entry, after set days and at completion",
        parameters=PathwayArrangement,
        price=price_pathway,
        describe=describe,
        timing=lambda arrangement, ruleset: TIMING,
    )]
