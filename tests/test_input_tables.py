"""Optional input tables are declared through a hook: a plugin's own table reaches the CLI, the
pipeline (read, checked, handed to the options), the manifest, the ruleset tests and synthetic
data, exactly as the built-in returns, budgets and population files do."""

from __future__ import annotations

import json
import textwrap
from typing import Literal

import polars as pl
import pytest
from click.testing import CliRunner

from localpay import api
from localpay.cases.model import TestsFileError
from localpay.cases.run import run_tests
from localpay.cli import cli
from localpay.errors import PluginError
from localpay.manager import make_plugins
from localpay.plugin import (Arrangement, Code, InputTable, PaymentOption, Price, Priced, ScheduleSection, hookimpl,
                             integer_expr, lines_frame, missing, not_in, payment_line, pounds_to_pence, read_input,
                             run_checks, unparsed)
from localpay.ruleset.load import load_ruleset
from localpay.testing import price_case

COLUMNS = ("provider", "period", "caseload")


def read_caseloads(path):
    frame = read_input(path, "caseloads", COLUMNS, ())
    return frame.with_columns(_text_caseload=pl.col("caseload")).with_columns(caseload=integer_expr("_text_caseload"))


def check_caseloads(frame, providers):
    checks = [missing("provider"), missing("caseload", parsed=True),
              unparsed("caseload", "bad_number", "a whole number"),
              not_in("provider", "unknown_provider", providers, "a provider party to the ruleset")]
    exceptions = run_checks(frame, checks, "caseloads")
    good = frame.join(exceptions.select("row").unique(), on="row", how="anti")
    return good.select("provider", "period", "caseload"), exceptions


def synthesise_caseloads(ruleset, spec, episodes, assessments, rng):
    if not any(a.option == "caseload_fee" for a in ruleset.arrangements):
        return None
    return pl.DataFrame({"provider": ["RT2", "RT2"], "period": ["2025-04", "2025-05"],
                         "caseload": [int(n) for n in rng.integers(100, 200, size=2)]})


class CaseloadFee(Arrangement):
    option: Literal["caseload_fee"]
    provider: Code
    commissioner: Code
    per_case: Price


def settle(arrangement, context):
    frame = context.pricing.tables.get("caseloads")
    counts = {} if frame is None else dict(
        frame.filter(pl.col("provider") == arrangement.provider).select("period", "caseload").iter_rows())
    return Priced(lines_frame([
        payment_line(arrangement=arrangement, month=month, unit="case", quantity=counts[month.label],
                     pence=pounds_to_pence(arrangement.per_case))
        for month in context.months if month.label in counts]))


class Trust:
    @hookimpl
    def localpay_input_tables(self):
        return [InputTable("caseloads", "Caseloads file (provider, period, caseload).", COLUMNS, read_caseloads,
                           check_caseloads, parties="providers", order=40, synthesise=synthesise_caseloads)]

    @hookimpl
    def localpay_payment_options(self):
        return [PaymentOption(name="caseload_fee", summary="A fee per case held", parameters=CaseloadFee,
                              settle=settle, describe=lambda a, r: ScheduleSection(f"Caseload fee: {a.label}"))]


RULESET = textwrap.dedent("""\
    format: localpay/1
    area: Testshire
    title: A fee per case
    period: {from: 2025-04-01, to: 2026-03-31}
    status: live
    parties:
      commissioners: [{code: 01W, name: NHS Testshire}]
      providers: [{code: RT2, name: Test Trust}]
    arrangements:
      - id: fee
        option: caseload_fee
        provider: RT2
        commissioner: 01W
        per_case: 2.50
    """)
EPISODES = "episode_id,patient_id,provider,commissioner,cluster,start_date,end_date\nE1,P1,RT2,01W,3,2025-06-01,2025-06-11\n"
CASELOADS = "provider,period,caseload\nRT2,2025-06,120\nRT2,2025-07,lots\nZZZ,2025-06,5\n"


@pytest.fixture
def plugins():
    return make_plugins(load_entry_points=False, extra=(Trust(),))


def test_the_table_is_read_checked_and_handed_to_the_option(plugins):
    case = price_case(RULESET, EPISODES, "2025-06", tables={"caseloads": CASELOADS}, plugins=plugins)
    # June: 120 cases x £2.50 = £300.00; July's "lots" and provider ZZZ are reported, not used
    assert case.lines.select("arrangement", "quantity", "unit", "amount").rows() == [("fee", 120, "case", 30000)]
    table = case.exceptions.filter(pl.col("source") == "caseloads")
    assert table.select("row", "column", "value", "reason_code").rows() == [
        (2, "caseload", "lots", "bad_number"), (3, "provider", "ZZZ", "unknown_provider")]
    assert case.result.summary["caseloads"] == {"rows_read": 3, "rows_used": 1, "rows_excepted": 2}


def test_the_cli_takes_the_table_as_an_option_and_the_manifest_names_it(tmp_path, plugins, monkeypatch):
    monkeypatch.setattr("localpay.cli.app.make_plugins", lambda: plugins)
    for name, text in (("r.yaml", RULESET), ("e.csv", EPISODES), ("c.csv", CASELOADS)):
        (tmp_path / name).write_text(text)
    shown = CliRunner().invoke(cli, ["run", "--help"])
    assert "--caseloads FILE" in shown.output and "Caseloads file (provider, period, caseload)." in shown.output
    ran = CliRunner().invoke(cli, [
        "run", str(tmp_path / "r.yaml"), str(tmp_path / "e.csv"), "--caseloads", str(tmp_path / "c.csv"),
        "--period", "2025-06", "--out", str(tmp_path / "out")])
    assert ran.exit_code == 0, ran.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["inputs"]["caseloads"]["rows"] == 3
    command = manifest["command"]
    assert command[command.index("--caseloads") + 1] == str(tmp_path / "c.csv")
    lines = pl.read_csv(tmp_path / "out" / "lines.csv")
    assert lines.filter(pl.col("arrangement") == "fee")["amount"].to_list() == [300.0]


def test_a_ruleset_test_case_gives_the_table_its_rows(tmp_path, plugins):
    (tmp_path / "r.yaml").write_text(RULESET)
    (tmp_path / "r.tests.yaml").write_text(textwrap.dedent("""\
        cases:
          - name: a fee for each case in June
            period: 2025-06
            episodes: []
            caseloads:
              - {provider: RT2, period: 2025-06, caseload: 40}
            arrangements: [fee]
            expect:
              # 40 cases x 2.50 = 100.00
              lines: [{arrangement: fee, quantity: 40, amount: 100.00}]
        """).replace("episodes: []", "episodes:\n      - {episode_id: E1, patient_id: P1, provider: RT2, commissioner: 01W, "
                                    "cluster: 3, start_date: 2025-06-01}"))
    ruleset = load_ruleset(tmp_path / "r.yaml", plugins.options, plugins.vocabulary)
    results = run_tests(ruleset, plugins, tmp_path / "r.tests.yaml")
    assert [(r.name, r.passed, r.diff) for r in results] == [("a fee for each case in June", True, "")]


def test_a_case_naming_a_table_no_plugin_declares_is_a_located_error(tmp_path, plugins):
    (tmp_path / "r.yaml").write_text(RULESET)
    (tmp_path / "r.tests.yaml").write_text(textwrap.dedent("""\
        cases:
          - name: misspelt
            period: 2025-06
            episodes:
              - {episode_id: E1, patient_id: P1, provider: RT2, commissioner: 01W, cluster: 3, start_date: 2025-06-01}
            caseload:
              - {provider: RT2, period: 2025-06, caseload: 40}
            expect: {no_exceptions: true}
        """))
    ruleset = load_ruleset(tmp_path / "r.yaml", plugins.options, plugins.vocabulary)
    with pytest.raises(TestsFileError) as error:
        run_tests(ruleset, plugins, tmp_path / "r.tests.yaml")
    problem = error.value.problems[0]
    assert (problem.line, problem.key) == (6, "cases[0].caseload")
    assert problem.message == "unknown key 'caseload'; did you mean 'caseloads'?"


def test_synthetic_data_includes_the_table_for_a_ruleset_that_reads_it(tmp_path, plugins):
    (tmp_path / "r.yaml").write_text(RULESET)
    ruleset = load_ruleset(tmp_path / "r.yaml", plugins.options, plugins.vocabulary)
    first = api.synthesise_for(ruleset, 50, 7, tmp_path / "a" / "episodes.csv", tables=True, plugins=plugins)
    again = api.synthesise_for(ruleset, 50, 7, tmp_path / "b" / "episodes.csv", tables=True, plugins=plugins)
    assert set(first.tables) == {"caseloads"}
    assert first.tables["caseloads"].name == "episodes-caseloads.csv"
    written = pl.read_csv(first.tables["caseloads"])
    assert written.columns == list(COLUMNS) and written["period"].to_list() == ["2025-04", "2025-05"]
    assert first.tables["caseloads"].read_text() == again.tables["caseloads"].read_text()  # same seed, same file


class Twice:
    @hookimpl
    def localpay_input_tables(self):
        return [InputTable("budgets", "again", ("x",), read_caseloads, check_caseloads, parties="providers")]


class Reserved:
    name = "episodes"

    @hookimpl
    def localpay_input_tables(self):
        return [InputTable(self.name, "no", ("x",), read_caseloads, check_caseloads, parties="providers")]


def test_a_taken_or_reserved_table_name_is_refused():
    with pytest.raises(PluginError, match="two plugins declare the input table 'budgets'"):
        _ = make_plugins(load_entry_points=False, extra=(Twice(),)).input_tables
    with pytest.raises(PluginError, match="input table name 'episodes' must be a plain identifier other than"):
        _ = make_plugins(load_entry_points=False, extra=(Reserved(),)).input_tables
    for name in ("out", "period", "from", "templates", "rules_engine"):  # the commands' own options
        declared = Reserved()
        declared.name = name
        with pytest.raises(PluginError, match=f"input table name '{name}' must be a plain identifier other than"):
            _ = make_plugins(load_entry_points=False, extra=(declared,)).input_tables


def test_the_built_in_tables_are_declared_by_their_readers_in_their_order():
    tables = make_plugins(load_entry_points=False).input_tables
    assert list(tables) == ["returns", "budgets", "population"]
    assert [t.parties for t in tables.values()] == ["providers", "commissioners", "commissioners"]
    assert tables["budgets"].columns == ("patient_id", "start_date", "type", "agreed_annual_amount", "spent_to_date")


class Drawing:
    """A table that draws from the shared generator for any ruleset, at a given synthesis order."""

    def __init__(self, synthesis_order):
        self.synthesis_order = synthesis_order

    @hookimpl
    def localpay_input_tables(self):
        def draw(ruleset, spec, episodes, assessments, rng):
            return pl.DataFrame({"provider": ["RT2"], "period": ["2025-04"], "caseload": [int(rng.integers(1, 99))]})

        return [InputTable("caseloads", "x", COLUMNS, read_caseloads, check_caseloads, parties="providers",
                           synthesise=draw, synthesis_order=self.synthesis_order)]


def test_a_plugins_table_leaves_the_built_in_tables_synthetic_rows_as_they_were(tmp_path):
    bare = make_plugins(load_entry_points=False)
    ruleset = load_ruleset("lambeth", bare.options, bare.vocabulary)  # budgets and returns
    made = {}
    for name, extra in (("without", ()), ("after", (Drawing(100),)), ("before", (Drawing(0),))):
        plugins = make_plugins(load_entry_points=False, extra=extra)
        data = api.synthesise_for(ruleset, 120, 3, tmp_path / name / "episodes.csv", tables=True, plugins=plugins)
        made[name] = {table: path.read_text() for table, path in data.tables.items()}
    # drawing after the built-in tables (synthesis order 100 against 10, 20, 30) changes none of them;
    # drawing first would change them all
    assert set(made["after"]) == {"budgets", "returns", "caseloads"}
    assert all(made["after"][t] == made["without"][t] for t in ("budgets", "returns"))
    assert all(made["before"][t] != made["without"][t] for t in ("budgets", "returns"))
