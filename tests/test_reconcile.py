"""Invariants on a synthetic trust: nothing lost, every amount is its line's arithmetic, every
statement total is the sum of its lines, and the same inputs give byte-identical files."""

import json
from decimal import Decimal

import polars as pl
import pytest

from localpay import api
from localpay.lines import ZERO_STATUSES
from localpay.manager import make_plugins
from localpay.money import round_pence
from localpay.pipeline import Inputs

PERIOD, FROM = "2025-06", "2025-04"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    out = tmp_path_factory.mktemp("synthetic")
    plugins = make_plugins(load_entry_points=False)
    ruleset = api.open_ruleset("stockport", plugins)
    data = api.synthesise_for(ruleset, 1500, 11, out / "episodes.csv")
    result, written = api.run_statement(ruleset, plugins, Inputs(data.episodes, data.assessments), PERIOD, out / "run",
                                        FROM, command=["localpay", "run"])
    return data, result, written


def test_every_row_is_priced_or_excepted(synthetic):
    data, result, _ = synthetic
    summary = result.summary["episodes"]
    assert summary["rows_read"] == data.episode_rows
    assert summary["rows_priced"] + summary["rows_excepted"] == summary["rows_read"]
    assert summary["rows_excepted"] > 0 and summary["rows_priced"] > 0
    excepted = set(result.exceptions.filter(pl.col("action").is_in(["excluded", "no_activity"])
                                            & (pl.col("source") == "episodes"))["row"])
    paid_ids = set(result.lines["episode_id"])
    for row in result.parsed.select("row", "episode_id").iter_rows(named=True):
        assert (row["row"] in excepted) != (row["episode_id"] in paid_ids and row["row"] not in excepted)
    # the planted bad rows of every kind were found
    codes = set(result.exceptions["reason_code"])
    assert {"unknown_cluster", "bad_date", "end_before_start", "unknown_provider", "unknown_commissioner",
            "missing_value", "duplicate_episode_id", "repeated_row", "overlap"} <= codes


def test_each_value_is_quantity_times_price_rounded(synthetic):
    lines = synthetic[1].lines
    whole = lines.filter(pl.col("share").is_null())
    sample = whole.sample(min(whole.height, 2000), seed=1)
    for row in sample.iter_rows(named=True):
        assert row["value"] == round_pence(row["quantity"], row["unit_price"])
    # suspended and shadow lines show their value and pay nothing
    assert lines["amount"].to_list() == [0 if s in ZERO_STATUSES else v for s, v in zip(lines["status"], lines["value"])]


def test_split_lines_add_up_to_the_whole_line_to_the_penny(synthetic):
    lines = synthetic[1].lines.filter(pl.col("share").is_not_null())
    assert lines.height > 0  # the example ruleset splits dual-diagnosis care with the council
    parts = lines.group_by("episode_id", "period", "arrangement", "from_date", "unit", "status").agg(
        pl.col("value").sum(), pl.col("quantity").first(), pl.col("unit_price").first(), pl.len())
    for row in parts.iter_rows(named=True):
        assert row["len"] == 2 and row["value"] == round_pence(row["quantity"], row["unit_price"])


def test_statement_totals_reconcile_to_lines_csv(synthetic):
    _, result, written = synthetic
    lines = pl.read_csv(written.out_dir / "lines.csv", infer_schema=False)
    assert lines.height == result.lines.height
    for statement in written.statements:
        mine = lines.filter(pl.col("statement_id") == statement["id"])
        for status in ("payable", "held"):
            total = sum((Decimal(a) for a in mine.filter(pl.col("status") == status)["amount"]), Decimal("0.00"))
            assert statement["totals"][status] == total
        assert statement["totals"]["lines"] == mine.height
        assert sum(a["payable"] for a in statement["arrangements"]) == statement["totals"]["payable"]
        # lines for a cluster, plus the contract's own lines (on account, settlements), make the total
        contract = sum((c["amount"] for c in statement["contract_lines"] if c["status"] == "payable"), Decimal("0.00"))
        assert sum(c["payable"] for c in statement["clusters"]) + contract == statement["totals"]["payable"]
        ytd = statement["year_to_date"]
        assert [m["period"] for m in ytd["months"]] == ["2025-04", "2025-05", "2025-06"]
        pair = lines.filter(pl.col("statement_id").str.starts_with(statement["id"][:-7]))
        assert ytd["total"]["payable"] == sum(
            (Decimal(a) for a in pair.filter(pl.col("status") == "payable")["amount"]), Decimal("0.00"))
        on_disk = json.loads((written.out_dir / f"statement-{statement['id']}.json").read_text())
        assert on_disk["totals"]["payable"] == str(statement["totals"]["payable"])


def test_the_statement_shows_its_totals(synthetic):
    _, _, written = synthetic
    from localpay.money import format_money

    for statement in written.statements:
        html = (written.out_dir / f"statement-{statement['id']}.html").read_text()
        markdown = (written.out_dir / f"statement-{statement['id']}.md").read_text()
        for figure in (statement["totals"]["payable"], statement["totals"]["held"]):
            assert format_money(figure) in html and format_money(figure) in markdown
        fixed = ("summary", "clusters", "activity", "year-to-date", "decisions", "local-rules", "contract", "pathways",
                 "exceptions", "manifest")
        assert all(f'<section id="{name}">' in html for name in fixed) and "break-after: page" in html
        # and one section more for each option's workings on this statement
        assert html.count("<section") == len(fixed) + len(statement["workings"])
        # money by month for every statement (each has a year to date), activity where there is a plan
        assert "Money payable by month, year to date" in html
        assert ("Activity against plan by cluster" in html) == bool(statement["activity"])


def test_same_inputs_give_byte_identical_outputs(synthetic, tmp_path):
    data, _, written = synthetic
    plugins = make_plugins(load_entry_points=False)
    ruleset = api.open_ruleset("stockport", plugins)
    _, again = api.run_statement(ruleset, plugins, Inputs(data.episodes, data.assessments), PERIOD, tmp_path / "run",
                                 FROM, command=["localpay", "run"])
    names = sorted(p.name for p in written.out_dir.iterdir())
    assert names == sorted(p.name for p in again.out_dir.iterdir())
    for name in names:
        assert (written.out_dir / name).read_bytes() == (again.out_dir / name).read_bytes(), name


def test_the_manifest_names_every_input_by_hash(synthetic):
    import hashlib

    data, result, written = synthetic
    manifest = json.loads((written.out_dir / "manifest.json").read_text())
    assert manifest["inputs"]["episodes"]["sha256"] == hashlib.sha256(data.episodes.read_bytes()).hexdigest()
    assert manifest["inputs"]["assessments"]["sha256"] == hashlib.sha256(data.assessments.read_bytes()).hexdigest()
    assert manifest["ruleset"]["sha256"] == result.ruleset.sha256
    assert manifest["engine"]["name"] == "localpay" and manifest["command"] == ["localpay", "run"]
    for name, digest in manifest["outputs"].items():
        assert hashlib.sha256((written.out_dir / name).read_bytes()).hexdigest() == digest
