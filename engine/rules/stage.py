"""The rules stage of the run: evaluate, resolve each episode's plan, and apply what acts
before pricing (exclusions, the paying commissioner)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ..lines import EXCEPTION_COLUMNS
from .apply import Outcomes, commissioners, exclusions, flags, outcomes
from .evaluate import Evaluation, Evaluator, evaluate


@dataclass
class Stage:
    kept: pl.DataFrame  # the episodes to price, commissioners as the rules decided
    outcomes: Outcomes
    excluded: pl.DataFrame  # exception rows
    flagged: pl.DataFrame  # exception rows
    stats: dict
    evaluation: Evaluation | None = None

    def confirm(self) -> None:
        """Wait for the cross-check of the matches (``Evaluation.confirm``); the stats then
        count it too."""
        if self.evaluation is not None:
            self.evaluation.confirm()
            self.stats.update(self.evaluation.stats)


def rules_stage(ruleset, valid: pl.DataFrame, reviews: pl.DataFrame | None, evaluator: Evaluator = "polars") -> Stage:
    book = ruleset.rulebook
    if book is None or not book.rules:
        empty = pl.DataFrame(schema=EXCEPTION_COLUMNS)
        return Stage(valid, outcomes(book, pl.DataFrame()), empty, empty, {"evaluator": evaluator, "rules": 0})
    evaluation = evaluate(book, valid, reviews, evaluator, ruleset.settings.rules_cross_check, background=True)
    found = outcomes(book, evaluation.matches)
    kept, excluded = exclusions(valid, found)
    kept = commissioners(kept, found)
    flagged = flags(kept, found)  # against the commissioner who pays, whose statement lists them
    stats = {**evaluation.stats, "rules": len(book.rules), "matches": evaluation.matches.height,
             "episodes_matched": found.episodes.height}
    return Stage(kept, found, excluded, flagged, stats, evaluation)
