"""The command line: each command on real files, and every mistake in a user's input ends with
a clear message and exit code 2, never a traceback."""

import json
import re

import polars as pl
import pytest
from click.testing import CliRunner

from conftest import CLUSTER_PER_DAY, HEADER, ruleset_text
from localpay.cli import cli


def invoke(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def files(tmp_path):
    (tmp_path / "r.yaml").write_text(ruleset_text(CLUSTER_PER_DAY, "overdue_review: suspend"))
    (tmp_path / "e.csv").write_text(HEADER + "\nE1,P1,RT2,01W,14,2025-06-01,,,\nE2,P2,RT2,01W,22,2025-06-01,,,\n")
    (tmp_path / "a.csv").write_text("patient_id,provider,assessment_date,tool,cluster,total\n")
    return tmp_path


def test_run_writes_the_statement_and_prints_the_headline(files):
    out = files / "out"
    result = invoke("run", files / "r.yaml", files / "e.csv", "--period", "2025-06", "--out", out,
                    "--assessments", files / "a.csv")
    assert result.exit_code == 0, result.output
    # cluster 14: 28 days in review x 61.50 = 1,722.00; 29 and 30 June suspended (2 x 61.50 = 123.00)
    assert "rows read 2 = priced 1 + excepted 1" in result.output
    assert "RT2-01W-2025-06: payable £1,722.00, held £0.00, suspended £123.00 not payable (2 lines)" in result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "exceptions.csv", "lines.csv", "manifest.json", "statement-RT2-01W-2025-06.html",
        "statement-RT2-01W-2025-06.json", "statement-RT2-01W-2025-06.md", "statement-RT2-01W-2025-06.pdf",
        "statements.xlsx"]
    lines = pl.read_csv(out / "lines.csv", infer_schema=False)
    assert lines.select("amount", "status").rows() == [("1722.00", "payable"), ("0.00", "suspended")]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"][:3] == ["localpay", "run", str(files / "r.yaml")]
    assert manifest["summary"]["episodes"] == {
        "rows_read": 2, "rows_priced": 1, "rows_excepted": 1, "rows_trimmed": 0,
        "excepted_by_reason": {"unknown_cluster": 1}}


def test_explain_prints_the_trail(files):
    result = invoke("explain", files / "r.yaml", files / "e.csv", "--episode", "E1", "--period", "2025-06")
    assert result.exit_code == 0, result.output
    text = result.output
    assert "cluster 14: Psychotic crisis; maximum review period 4 weeks (28 days)" in text
    assert ("2025-06-01 to 2025-06-28: 28 days x £61.50 (price from 2025-04-01) = £1,722.00, payable") in text
    assert ("2025-06-29 to 2025-06-30: 2 days x £61.50 (price from 2025-04-01) = £0.00, suspended") in text
    assert "rule overdue-review:suspend" in text
    assert "review due 2025-06-29 (from the period start on 2025-06-01); no review yet" in text
    assert "total: payable £1,722.00, held £0.00, suspended £123.00 not payable" in text
    assert "after overlaps (to the statement horizon)\n  2025-06-01 to 2025-06-30\n" in text


def test_explain_an_excepted_episode(files):
    result = invoke("explain", files / "r.yaml", files / "e.csv", "--episode", "E2", "--period", "2025-06")
    assert result.exit_code == 0
    assert "row 2 excluded: unknown_cluster (cluster): expected a care cluster code" in result.output
    assert "no lines" in result.output


@pytest.mark.parametrize("args, message", [
    (["run", "{d}/r.yaml", "{d}/missing.csv", "--period", "2025-06", "--out", "{d}/o"], "episodes file '{d}/missing.csv' does not exist"),
    (["run", "{d}/r.yaml", "{d}/e.csv", "--period", "June", "--out", "{d}/o"], "a period must be a month written YYYY-MM"),
    (["run", "{d}/r.yaml", "{d}/e.csv", "--period", "2026-06", "--out", "{d}/o"], "--period 2026-06 is outside the contract's period (2025-04-01 to 2026-03-31)"),
    (["run", "{d}/r.yaml", "{d}/e.csv", "--period", "2025-06", "--from", "2025-03", "--out", "{d}/o"], "--from 2025-03 is outside the contract's period (2025-04-01 to 2026-03-31)"),
    (["run", "nowhere.yaml", "{d}/e.csv", "--period", "2025-06", "--out", "{d}/o"], "no ruleset file 'nowhere.yaml'"),
    (["explain", "{d}/r.yaml", "{d}/e.csv", "--episode", "E9", "--period", "2025-06"], "no episode with episode_id 'E9'"),
    (["run", "{d}/r.yaml", "{d}/r.yaml", "--period", "2025-06", "--out", "{d}/o"], "episodes file '{d}/r.yaml' lacks the required columns"),
])
def test_user_mistakes_exit_2_with_a_message(files, args, message):
    result = invoke(*[a.format(d=files) for a in args])
    assert result.exit_code == 2
    assert f"localpay: error: {message.format(d=files)}" in result.output


def test_validate_prints_the_terms(files):
    result = invoke("validate", "stockport")
    assert result.exit_code == 0, result.output
    assert "Stockport: Adult mental health local payment arrangement 2025/26, version 1.0" in result.output
    assert "[cluster-tariff] option cluster (localpay.plugins.cluster)" in result.output
    assert "NHS Stockport (01W) pays Pennine Care NHS Foundation Trust (RT2) a local price for each day" in result.output
    assert re.search(r"\n  1 +Common mental health problems \(low severity\) +non-psychotic +12 weeks \(84 days\) +"
                     r"2025-04-01 +£3\.10\n", result.output)


def test_synth_is_deterministic(tmp_path):
    first = invoke("synth", "--people", 300, "--seed", 5, "--out", tmp_path / "a.csv")
    second = invoke("synth", "--people", 300, "--seed", 5, "--out", tmp_path / "b.csv")
    other = invoke("synth", "--people", 300, "--seed", 6, "--out", tmp_path / "c.csv")
    assert first.exit_code == second.exit_code == other.exit_code == 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a-assessments.csv").read_bytes() == (tmp_path / "b-assessments.csv").read_bytes()
    assert (tmp_path / "a.csv").read_bytes() != (tmp_path / "c.csv").read_bytes()


def test_demo_writes_and_reports(tmp_path):
    result = invoke("demo", "--out", tmp_path / "demo", "--people", 400, "--area", "stockport")
    assert result.exit_code == 0, result.output
    assert "Example area: Stockport" in result.output and "Example area: Lambeth" not in result.output
    # RT2 and RXV with 01W, RT2 with 01Y and SMBC, and the alliance's two voluntary providers
    statements = re.search(r"statements for 2025-06 \((\d+)\):", result.output)
    assert statements and int(statements.group(1)) >= 6
    for pair in ("RT2-01W", "RXV-01W", "RT2-01Y", "RT2-SMBC", "NRF-01W", "NMS-01W"):
        assert f"  {pair}-2025-06: payable" in result.output
    assert re.search(r"local rules: 6 \(columnar in Polars, [\d,]+ people cross-checked in durable-rules\) matched [\d,]+ episodes; 0 excluded", result.output)
    area = tmp_path / "demo" / "stockport"
    assert (area / "statements" / "statement-RT2-01W-2025-06.html").is_file()
    assert (area / "data" / "episodes.csv").is_file() and (area / "data" / "episodes-returns.csv").is_file()
    assert (area / "schedule" / "schedule-stockport-2025-26.pdf").is_file()
    assert not (tmp_path / "demo" / "index.html").exists()  # one area: no index
    suggested = result.output.split("localpay explain ")[1].split()
    episode = suggested[suggested.index("--episode") + 1]
    trail = invoke("explain", *suggested[:-2], "--episode", episode)
    assert trail.exit_code == 0 and f"Episode {episode}" in trail.output and "why: " in trail.output


def test_demo_refuses_an_unknown_area(tmp_path):
    result = invoke("demo", "--out", tmp_path / "demo", "--area", "barsetshire")
    assert result.exit_code == 2 and "barsetshire" in result.output
