"""How each bundled area's synthetic data differs from the default trust's: the services its
rules and measures test, the providers whose every episode is in one service, and how many
people hold a personal health budget. Illustrative, like the rulesets themselves.

The services come from the case studies (``docs/domain.md``): Lambeth's Living Well hub and its
integrated Focus teams; Stockport's enablement and recovery service run by its two voluntary
providers; Suffolk's high-cost placements; Worcestershire's three enhanced primary care
services. An area not listed here gets the default services (``shape.SERVICES``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .shape import SERVICES

EPC = (1, 2, 3, 4)  # the clusters enhanced primary care serves


@dataclass(frozen=True)
class ServiceShape:
    """An episode's service: a share of some clusters' episodes in another service (``shares``:
    service, clusters, share, tried in order), otherwise its cluster's (``by_cluster``, else
    ``default``); every episode of a provider in ``by_provider`` is in that provider's service."""

    by_cluster: dict[int, str]
    default: str = "CMHT"
    shares: tuple[tuple[str, tuple[int, ...], float], ...] = ()
    by_provider: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AreaShape:
    services: ServiceShape
    budgets: int | float = 0  # an int: that many people; a float: that share of the people
    direct_payments: float = 0.4  # the share of budgets held as direct payments


AREAS = {
    "lambeth": AreaShape(
        ServiceShape({**{c: "HUB" for c in (0, 1, 2, 3, 4)}, **{c: "FOCUS" for c in (5, 6, 7, 8)},
                      **{c: "PSYCHOSIS" for c in (10, 11, 12, 13, 16, 17)}, 14: "CRHT", 15: "CRHT",
                      **{c: "MAS" for c in (18, 19, 20, 21)}},
                     default="HUB", shares=(("FOCUS", (3, 4, 11, 12), 0.3),)),
        budgets=13, direct_payments=0.45),  # about 13 people, 45% taking direct payments
    "northamptonshire": AreaShape(ServiceShape(SERVICES), budgets=0.02, direct_payments=0.35),
    "stockport": AreaShape(ServiceShape(SERVICES, by_provider={"NRF": "ERS", "NMS": "ERS"})),
    "suffolk": AreaShape(ServiceShape(SERVICES, shares=(("PLACEMENT", (7, 8, 13, 16, 17), 0.08),)),
                         budgets=0.03, direct_payments=0.4),
    "worcestershire": AreaShape(ServiceShape(
        {**SERVICES, 1: "CMHT", 2: "CMHT"},
        shares=(("PC-LIAISON", EPC, 0.22), ("PC-THERAPY", EPC, 0.22), ("PC-RECOVERY", EPC, 0.22)))),
}


def shape_for(area: str) -> AreaShape | None:
    return AREAS.get(area.strip().lower())


def assign_services(cluster: np.ndarray, provider: np.ndarray, shape: ServiceShape,
                    rng: np.random.Generator) -> np.ndarray:
    """Each episode's service, vectorised: one uniform draw per episode decides the shares."""
    table = np.array([shape.by_cluster.get(c, shape.default) for c in range(22)], dtype=object)
    service = table[cluster]
    draw, low = rng.random(cluster.shape[0]), 0.0
    for name, clusters, share in shape.shares:
        hit = np.isin(cluster, clusters) & (draw >= low) & (draw < low + share)
        service = np.where(hit, name, service)
        low += share
    for party, name in shape.by_provider.items():
        service = np.where(provider == party, name, service)
    return service.astype(str)
