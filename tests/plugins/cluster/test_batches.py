"""The cluster option prices its episodes in batches (``pricing.BATCH``) to bound the memory a
national month takes; every episode's lines are its own, so any batch size gives the same lines
and exceptions as pricing every episode at once."""

import polars as pl
import pytest

from localpay import api
from localpay.lines import EXCEPTION_ORDER, LINE_ORDER
from localpay.manager import make_plugins
from localpay.periods import Month
from localpay.pipeline import Inputs, run
from localpay.plugins.cluster import pricing


@pytest.mark.parametrize("area", ["stockport", "northamptonshire", "lambeth"])
def test_batches_of_any_size_price_the_same_lines(area, tmp_path, monkeypatch):
    plugins = make_plugins(load_entry_points=False)
    ruleset = api.open_ruleset(area, plugins)
    data = api.synthesise_for(ruleset, 600, 5, tmp_path / "episodes.csv")
    inputs = Inputs(data.episodes, data.assessments)

    def priced(batch: int) -> tuple[pl.DataFrame, pl.DataFrame]:
        monkeypatch.setattr(pricing, "BATCH", batch)
        result = run(ruleset, plugins, inputs, Month.parse("2025-06"), Month.parse("2025-04"))
        return result.lines.sort(LINE_ORDER, nulls_last=True), result.exceptions.sort(EXCEPTION_ORDER)

    whole_lines, whole_exceptions = priced(10 ** 9)
    cluster_lines = whole_lines.filter(pl.col("option") == "cluster")
    assert cluster_lines.height > 500  # enough episodes that 29 at a time makes many batches
    for batch in (29, 211):
        lines, exceptions = priced(batch)
        assert lines.equals(whole_lines), f"batches of {batch}"
        assert exceptions.equals(whole_exceptions), f"batches of {batch}"
