"""The cluster option's terms, as a ruleset writes them (``option: cluster``), and the words of
the modes it owns: the basis a price is paid on, and what happens to days past a cluster's
maximum review period without a review (``overdue_review``: pay, suspend or hold)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from localpay.plugin import MAX_QUANTITY, Arrangement, ClusterCode, Code, Dated, OverdueMode, Price, one_code_each

BASIS_UNITS = {"per_day": "day", "per_review_period": "review period", "per_episode": "episode"}

# a line's reason under each overdue-review mode, the same words on every like line
OVERDUE_REASONS = {
    "pay": "past the maximum review period without a review: paid, and flagged for validation",
    "suspend": "past the maximum review period without a review: not payable",
    "hold": "past the maximum review period without a review: held until a review takes place",
}
RELEASED_SAME_MONTH = "past the maximum review period; a review took place in the month, so it is paid"
RELEASE_REASON = "release of payment held pending review: the review has taken place"
# what each mode does with the days, in the words of the schedule's validation section
OVERDUE_WORDS = {
    "pay": "paid and flagged for validation",
    "suspend": "not payable: shown on the statement at nil",
    "hold": "held until a review takes place, then released in the month of the review",
}
# each mode in the schedule's words
OVERDUE_TERMS = {
    "pay": "Days past the cluster's maximum review period without a review are paid and flagged for validation.",
    "suspend": "Days past the cluster's maximum review period without a review are not payable; the statement shows them at nil.",
    "hold": "Payment for days past the cluster's maximum review period without a review is held until a review takes place, then released.",
}


def _not_empty(mapping: dict) -> dict:
    if not mapping:
        raise ValueError("expected at least one entry")
    return mapping


# planned units a year: a national year is some 550 million cluster-days, so a billion bounds it
PlannedUnits = Annotated[int, Field(ge=0, le=MAX_QUANTITY)]
ClusterPrices = Annotated[dict[ClusterCode, Price], BeforeValidator(one_code_each), AfterValidator(_not_empty)]


class ClusterArrangement(Arrangement):
    option: Literal["cluster"]
    provider: Code
    commissioner: Code
    basis: Literal["per_day", "per_review_period", "per_episode"]
    prices: Annotated[dict[dt.date, ClusterPrices], AfterValidator(_not_empty)]
    inpatient_per_day: Dated[Price] | None = None
    initial_assessment: Dated[Price] | None = None
    overdue_review: OverdueMode | None = Field(default=None, description="overrides settings.overdue_review")
    activity_plan: Annotated[dict[ClusterCode, PlannedUnits], BeforeValidator(one_code_each)] | None = None

    def effective_dates(self) -> Iterator[tuple[tuple, dt.date]]:
        for day in self.prices:
            yield ("prices", day.isoformat()), day
        for name in ("inpatient_per_day", "initial_assessment"):
            value = getattr(self, name)
            if isinstance(value, dict):
                yield from (((name, day.isoformat()), day) for day in value)

    def price_schedule(self) -> dict[int, list[tuple[dt.date, Decimal]]]:
        """Cluster -> [(effective from, price)]: a later date changes only the clusters it lists."""
        schedule: dict[int, list[tuple[dt.date, Decimal]]] = {}
        for day, prices in sorted(self.prices.items()):
            for code, price in prices.items():
                schedule.setdefault(code, []).append((day, price))
        return schedule
