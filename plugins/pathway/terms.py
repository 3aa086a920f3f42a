"""The pathway option's terms, as a ruleset writes them (``option: pathway``): the conditions
that enter, continue and complete a pathway, its price, its stages and what happens on leaving
early. Each check reports at the key at fault (pydantic validates the keys in the order they are
declared, so a later key's validator reads the earlier ones from ``info.data``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from localpay.plugin import Arrangement, Code, Dated, Identifier, Percent, Price, StrictModel, When, percent_text


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
        order: dict[str | None, tuple[int, int]] = {"entry": (0, 0), "completion": (2, 0)}
        return order.get(self.at, (1, self.after_days or 0))

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
