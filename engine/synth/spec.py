"""What synthetic data is made for: how many people, the seed, the provider and commissioner
pairs (most common first), the contract year, the share of bad rows and overdue reviews, the
extract date and the area's own services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .areas import ServiceShape


@dataclass(frozen=True)
class SynthSpec:
    people: int
    seed: int
    pairs: tuple[tuple[str, str], ...]  # (provider, commissioner), most common first
    year_start: dt.date
    year_end: dt.date
    bad_share: float = 0.01
    overdue_share: float = 0.08
    as_of: dt.date | None = None  # the extract date: nothing later is known (default: year end)
    services: ServiceShape | None = None  # an area's own services (default: shape.SERVICES)

    @property
    def extract(self) -> dt.date:
        return self.as_of or self.year_end
