"""The plugin contract, exercised the way a trust would use it: a package on the path with an
entry point in the ``localpay`` group."""

import importlib
import textwrap

import polars as pl
import pytest
from click.testing import CliRunner

from conftest import CLUSTER_PER_DAY, ruleset_text
from localpay import PluginError
from localpay.cli import cli
from localpay.manager import make_plugins
from localpay.periods import Month
from localpay.pipeline import Inputs, run
from localpay.ruleset.load import load_ruleset
from localpay.schedule.sections import schedule_sections

BUILT_IN = ["alliance", "block", "capitation", "cluster", "cquin", "outcomes", "pathway", "phb", "risk_share"]

ACME = '''
from typing import Literal
import polars as pl
from localpay import Arrangement, PaymentOption, Priced, RowCheck, ScheduleSection, hookimpl
from localpay.money import to_micros
from localpay.ruleset import Code, Price


class FlatFee(Arrangement):
    option: Literal["flat_fee"]
    provider: Code
    commissioner: Code
    monthly: Price


def settle(arrangement, context):
    lines = pl.DataFrame([{
        "arrangement": arrangement.id, "option": "flat_fee", "provider": arrangement.provider,
        "commissioner": arrangement.commissioner, "period": month.label, "episode_id": None,
        "patient_id": None, "cluster": None, "from_date": month.start, "to_date": month.last_day,
        "quantity": 1, "unit": "month", "unit_price": to_micros(arrangement.monthly),
        "price_from": month.start, "status": "payable", "rules": None, "clause": arrangement.clause,
        "reason": None, "note": None,
    } for month in context.months])
    workings = pl.DataFrame([{
        "arrangement": arrangement.id, "provider": arrangement.provider, "commissioner": arrangement.commissioner,
        "period": month.label, "months_so_far": index + 1, "fee_value": 100001 * (index + 1),
    } for index, month in enumerate(context.months)])
    return Priced(lines, details={"flat_fee_to_date": workings})


def describe(arrangement, ruleset):
    return ScheduleSection(f"Flat fee: {arrangement.label}", (f"{arrangement.monthly} a month",))


@hookimpl
def localpay_payment_options():
    return [PaymentOption(name="flat_fee", summary="A fixed monthly fee", parameters=FlatFee,
                          settle=settle, describe=describe)]


@hookimpl
def localpay_episode_checks(ruleset):
    return [RowCheck("no_service", "service", pl.col("service").is_null(), pl.lit("service is required here"))]


@hookimpl
def localpay_schedule_sections(ruleset, arrangement):
    if arrangement.option == "cluster":
        return [ScheduleSection("Validation contacts", ("Queries about cluster data go to the validation group.",))]
'''

CLASH = '''
from localpay import hookimpl
from localpay.plugins.cluster import localpay_payment_options as builtin


@hookimpl
def localpay_payment_options():
    return builtin()
'''


def install(tmp_path, monkeypatch, name: str, source: str) -> None:
    """A distribution on sys.path whose entry point names the module, as pip would leave it."""
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
    info = tmp_path / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[localpay]\n{name} = {name}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()


@pytest.fixture
def acme(tmp_path, monkeypatch):
    install(tmp_path, monkeypatch, "acme_localpay", ACME)
    install(tmp_path, monkeypatch, "broken_localpay", "raise ImportError('needs a library that is not installed')")
    return tmp_path


FLAT = CLUSTER_PER_DAY + """\
- id: fee
  option: flat_fee
  provider: RT2
  commissioner: 01W
  clause: Schedule 3C
  monthly: 1000.005
"""


def test_a_third_party_option_prices_and_checks_through_the_hooks(acme, tmp_path):
    plugins = make_plugins()
    assert [f.name for f in plugins.failures] == ["broken_localpay"]
    assert "needs a library that is not installed" in plugins.failures[0].error
    assert sorted(plugins.options) == sorted([*BUILT_IN, "flat_fee"])
    (tmp_path / "r.yaml").write_text(ruleset_text(FLAT, "overdue_review: pay"))
    (tmp_path / "e.csv").write_text("episode_id,patient_id,provider,commissioner,cluster,start_date,end_date,service\n"
                                    "E1,P1,RT2,01W,3,2025-06-01,,CMHT\nE2,P2,RT2,01W,3,2025-06-01,,\n")
    ruleset = load_ruleset(tmp_path / "r.yaml", plugins.options)
    result = run(ruleset, plugins, Inputs(tmp_path / "e.csv"), Month(2025, 6), Month(2025, 5))
    fees = result.lines.filter(pl.col("arrangement") == "fee")
    # one line a month; 1000.005 x 1 rounds half up to 1000.01
    assert fees.select("period", "amount").rows() == [("2025-05", 100001), ("2025-06", 100001)]
    assert fees["statement_id"].to_list() == ["RT2-01W-2025-05", "RT2-01W-2025-06"]
    # the plugin's check excluded the row without a service
    assert result.exceptions.filter(pl.col("row") == 2)["reason_code"].to_list() == ["no_service"]
    assert result.summary["episodes"]["rows_excepted"] == 1


def test_plugins_command_lists_hooks_options_and_failures(acme):
    result = CliRunner().invoke(cli, ["plugins"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "acme_localpay (acme_localpay 1.0)" in text
    assert "hooks: localpay_episode_checks, localpay_payment_options, localpay_schedule_sections" in text
    assert "option flat_fee: A fixed monthly fee" in text
    assert "localpay.plugins.cluster (built-in)\n  hooks: localpay_payment_options\n  option cluster:" in text
    assert "broken_localpay FAILED TO LOAD: ImportError: needs a library that is not installed" in text
    as_json = CliRunner().invoke(cli, ["plugins", "--json"])
    assert '"name": "flat_fee"' in as_json.output


def test_an_environment_variable_limits_which_plugins_load(acme, monkeypatch):
    monkeypatch.setenv("LOCALPAY_LOAD_PLUGINS", "")
    plugins = make_plugins()
    assert sorted(plugins.options) == BUILT_IN and plugins.failures == []
    monkeypatch.setenv("LOCALPAY_LOAD_PLUGINS", "acme_localpay")
    assert sorted(make_plugins().options) == sorted([*BUILT_IN, "flat_fee"])


def test_two_plugins_declaring_one_option_are_refused(tmp_path, monkeypatch):
    install(tmp_path, monkeypatch, "clash_localpay", CLASH)
    with pytest.raises(PluginError, match="two plugins declare the payment option 'cluster': "
                                          "localpay.plugins.cluster and localpay.plugins.cluster"):
        make_plugins().options
    result = CliRunner().invoke(cli, ["validate", "stockport"])
    assert result.exit_code == 2 and "two plugins declare the payment option 'cluster'" in result.output
    assert "Traceback" not in result.output


def test_a_plugin_returning_lines_without_the_schema_is_named(plugins, tmp_path):
    from localpay.lines import finalise_lines

    with pytest.raises(PluginError, match="option 'x' returned payment lines without the columns: option, provider"):
        finalise_lines(pl.DataFrame({"arrangement": ["a"]}), "option 'x'")


def test_an_unknown_option_names_the_installed_ones(plugins, tmp_path):
    from localpay import RulesetError

    (tmp_path / "r.yaml").write_text(ruleset_text(FLAT))
    with pytest.raises(RulesetError, match=r"r.yaml, line 20 \[arrangements\[1\]\.option\]: unknown payment option "
                                           r"'flat_fee'; installed options: ") as caught:
        load_ruleset(tmp_path / "r.yaml", plugins.options)
    assert str(caught.value).endswith("installed options: " + ", ".join(sorted(plugins.options)))


def test_a_plugin_adds_schedule_sections_after_the_options_own(acme, tmp_path):
    plugins = make_plugins()
    (tmp_path / "r.yaml").write_text(ruleset_text(FLAT))
    ruleset = load_ruleset(tmp_path / "r.yaml", plugins.options, plugins.vocabulary)
    sections = [(arrangement, section.title, section.own) for arrangement, section in schedule_sections(ruleset, plugins)]
    assert sections == [
        ("tariff", "Cluster-based payments: tariff", True),
        ("tariff", "Validation contacts", False),
        ("fee", "Flat fee: fee", True),
    ]
    validated = CliRunner().invoke(cli, ["validate", str(tmp_path / "r.yaml")])
    assert validated.exit_code == 0, validated.output
    assert validated.output.index("Cluster-based payments: tariff") < validated.output.index("Validation contacts") \
        < validated.output.index("Flat fee: fee")


def test_a_plugins_workings_appear_on_the_statement_as_a_titled_table(acme, tmp_path):
    from localpay.statement.writing import write_outputs

    plugins = make_plugins()
    (tmp_path / "r.yaml").write_text(ruleset_text(FLAT))
    (tmp_path / "e.csv").write_text("episode_id,patient_id,provider,commissioner,cluster,start_date,end_date,service\n"
                                    "E1,P1,RT2,01W,3,2025-06-01,,CMHT\n")
    ruleset = load_ruleset(tmp_path / "r.yaml", plugins.options, plugins.vocabulary)
    result = run(ruleset, plugins, Inputs(tmp_path / "e.csv"), Month(2025, 6), Month(2025, 5))
    write_outputs(result, tmp_path / "out", ["localpay", "run"])
    markdown = (tmp_path / "out" / "statement-RT2-01W-2025-06.md").read_text()
    # the June row only; money columns (ending _value) in pounds
    assert "## Flat fee to date\n\n| months_so_far | fee_value |\n|---|--:|\n| 2 | £2,000.02 |\n" in markdown
    assert (tmp_path / "out" / "flat_fee_to_date.csv").read_text().splitlines()[1:] == [
        "fee,RT2,01W,2025-05,1,1000.01", "fee,RT2,01W,2025-06,2,2000.02"]
