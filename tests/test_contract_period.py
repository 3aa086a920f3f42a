"""A month outside the contract's period is told as such, naming the option that asked for it
and the contract's dates, before any money is computed and before ``--out`` or a ledger is made."""

import pytest
from click.testing import CliRunner

from conftest import CLUSTER_PER_DAY, HEADER, ruleset_text
from localpay.cli import cli

CONTRACT = "(2025-04-01 to 2026-03-31)"


def invoke(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def d(tmp_path):
    (tmp_path / "r.yaml").write_text(ruleset_text(CLUSTER_PER_DAY))
    (tmp_path / "e.csv").write_text(HEADER + "\nE1,P1,RT2,01W,14,2025-06-01,,,\n")
    return tmp_path


@pytest.mark.parametrize("command, message", [
    # the default --from (the contract's start, for a year to date) is not blamed
    (["run", "{r}", "{e}", "--period", "2024-06", "--out", "{d}/o"], "--period 2024-06"),
    (["run", "{r}", "{e}", "--period", "2026-04", "--out", "{d}/o"], "--period 2026-04"),
    (["run", "{r}", "{e}", "--period", "2025-06", "--from", "2025-03", "--out", "{d}/o"], "--from 2025-03"),
    (["run", "{r}", "{e}", "--period", "2024-06", "--out", "{d}/o", "--ledger", "{d}/ledger.db"], "--period 2024-06"),
    (["explain", "{r}", "{e}", "--episode", "E1", "--period", "2024-06"], "--period 2024-06"),
    (["explain", "{r}", "{e}", "--episode", "E1", "--period", "2025-06", "--from", "2024-04"], "--from 2024-04"),
    (["diff", "{r}", "{r}", "{e}", "--period", "2024-06", "--out", "{d}/o"], "--period 2024-06"),
    (["diff", "{r}", "{r}", "{e}", "--period", "2027-01", "--out", "{d}/o"], "--period 2027-01"),
])
def test_a_month_outside_the_contract_is_named_with_the_contracts_dates(d, command, message):
    result = invoke(*[a.format(d=d, r=d / "r.yaml", e=d / "e.csv") for a in command])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == f"localpay: error: {message} is outside the contract's period {CONTRACT}"
    assert not (d / "o").exists() and not (d / "ledger.db").exists()  # nothing made, nothing issued


def test_the_contracts_first_and_last_months_are_inside(d):
    # June: 30 days x 61.50 = 1,845.00; March 2026 in full: 31 x 61.50 = 1,906.50 (cluster 14 has no review rule here)
    first = invoke("run", d / "r.yaml", d / "e.csv", "--period", "2025-04", "--out", d / "april")
    last = invoke("run", d / "r.yaml", d / "e.csv", "--period", "2026-03", "--out", d / "march")
    assert first.exit_code == 0 and last.exit_code == 0, first.output + last.output
    assert "RT2-01W-2026-03: payable £1,906.50" in last.output


def test_a_contract_starting_mid_month_takes_that_month(tmp_path):
    tariff = CLUSTER_PER_DAY.replace("2025-04-01: {", "2025-04-15: {")
    (tmp_path / "r.yaml").write_text(ruleset_text(tariff, period=("2025-04-15", "2026-03-31")))
    (tmp_path / "e.csv").write_text(HEADER + "\nE1,P1,RT2,01W,14,2025-04-20,,,\n")
    ok = invoke("run", tmp_path / "r.yaml", tmp_path / "e.csv", "--period", "2025-04", "--out", tmp_path / "o")
    assert ok.exit_code == 0, ok.output
    before = invoke("run", tmp_path / "r.yaml", tmp_path / "e.csv", "--period", "2025-03", "--out", tmp_path / "p")
    assert "localpay: error: --period 2025-03 is outside the contract's period (2025-04-15 to 2026-03-31)" in before.output
