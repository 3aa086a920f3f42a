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

from localpay.plugin import PaymentOption, hookimpl

from .pricing import price_pathway
from .schedule import TIMING, describe
from .terms import PathwayArrangement


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
