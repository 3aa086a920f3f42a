"""Synthetic data looks like a trust's: the cluster mix, crisis step-ups, two providers, lapsed
reviews, bad rows of every kind; and the same seed gives the same data."""

import datetime as dt

import polars as pl
import pytest

from localpay.synth.episodes import synthesise
from localpay.synth.spec import SynthSpec

PAIRS = (("RT2", "01W"), ("RT2", "01Y"), ("RXV", "01W"))


@pytest.fixture(scope="module")
def data():
    return synthesise(SynthSpec(4000, 3, PAIRS, dt.date(2025, 4, 1), dt.date(2026, 3, 31)))


def test_the_cluster_mix_is_mostly_the_common_clusters(data):
    episodes, _ = data
    codes = episodes["cluster"].cast(pl.Int32, strict=False).drop_nulls()
    common = codes.is_in([1, 2, 3, 4, 11, 12, 18, 19]).mean()
    assert common > 0.6
    assert set(codes.unique()) >= {0, 14, 15, 21}
    assert (episodes["cluster"].str.starts_with("0") & (episodes["cluster"].str.len_chars() == 2)).sum() > 0


def test_histories_step_up_to_crisis_and_span_providers(data):
    episodes, _ = data
    people = episodes.group_by("patient_id").agg(pl.col("cluster"), pl.col("provider").n_unique())
    assert people.filter(pl.col("cluster").list.len() > 1).height > 500
    assert people.filter(pl.col("cluster").list.contains("14")).height > 20
    assert people.filter(pl.col("provider") > 1).height > 50
    assert episodes.filter(pl.col("end_date").is_null()).height > 1000


def test_assessments_include_reviews_and_outcome_tools(data):
    _, assessments = data
    tools = dict(assessments.group_by("tool").len().iter_rows())
    # an HoNOS beside every MHCT (a few MHCTs on one day collapse into one row)
    assert tools["MHCT"] > 4000 and 0 <= tools["HoNOS"] - tools["MHCT"] < 50 and tools["WEMWBS"] > 500
    honos = assessments.filter(pl.col("tool") == "HoNOS").select(pl.col("total").cast(pl.Int32)).to_series()
    assert honos.min() >= 0 and honos.max() <= 48


def test_same_seed_same_data_other_seed_other_data():
    spec = SynthSpec(300, 9, PAIRS, dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    first, second = synthesise(spec), synthesise(spec)
    assert first[0].equals(second[0]) and first[1].equals(second[1])
    other = synthesise(SynthSpec(300, 10, PAIRS, dt.date(2025, 4, 1), dt.date(2026, 3, 31)))
    assert not other[0].equals(first[0])
