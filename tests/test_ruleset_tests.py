"""Ruleset tests (``<ruleset>.tests.yaml``): cases run through the real pipeline, failures read
as a diff, a malformed file is located to file, line and key, and both ``localpay test`` and
pytest run them."""

import textwrap

import pytest
from click.testing import CliRunner

from conftest import CLUSTER_PER_DAY, ruleset_text
from localpay.cases.run import find_tests_file, ruleset_for, run_tests
from localpay.cli import cli
from localpay.errors import RulesetError
from localpay.ruleset.load import load_ruleset

pytest_plugins = ["pytester"]

EPISODE = ("{episode_id: E1, patient_id: P1, provider: RT2, commissioner: 01W, cluster: 3, "
           "start_date: 2025-06-01, end_date: 2025-06-11}")

PASSING = f"""\
  - name: ten days of cluster 3
    period: 2025-06
    episodes:
      - {EPISODE}
    expect:
      # 1 to 10 June: 10 x 7.80 = 78.00
      lines:
        - {{episode_id: E1, quantity: 10, unit_price: 7.80, amount: 78.00, status: payable, rules: []}}
      totals: {{amount: 78.00, payable: 78.00}}
      no_exceptions: true
"""

FAILING = f"""\
  - name: a wrong amount
    period: 2025-06
    episodes:
      - {EPISODE}
    expect:
      lines:
        - {{episode_id: E1, quantity: 10, unit_price: 7.80, amount: 85.80}}
      totals: {{amount: 85.80}}
"""


def write(folder, *cases, name="area"):
    """A ruleset and its tests file beside it; returns the tests file."""
    (folder / f"{name}.yaml").write_text(ruleset_text(CLUSTER_PER_DAY, "overdue_review: suspend"))
    tests = folder / f"{name}.tests.yaml"
    tests.write_text("cases:\n" + "".join(cases))
    return tests


def results(tests, plugins):
    return run_tests(load_ruleset(ruleset_for(tests), plugins.options), plugins, tests)


def case(name, episodes, expect, period="2025-06", extra=""):
    rows = "".join(f"\n      - {row}" for row in episodes)
    return (f"  - name: {name}\n    period: {period}\n{extra}    episodes:{rows}\n    expect:\n"
            + textwrap.indent(textwrap.dedent(expect), "      "))


def test_a_passing_case(tmp_path, plugins):
    [result] = results(write(tmp_path, PASSING), plugins)
    assert (result.name, result.passed, result.failures, result.line) == ("ten days of cluster 3", True, (), 2)


def test_a_failing_case_shows_the_expected_line_and_the_closest_found(tmp_path, plugins):
    [result] = results(write(tmp_path, FAILING), plugins)
    assert not result.passed
    assert result.diff == (
        "expected line 1 {episode_id: E1, quantity: 10, unit_price: 7.80, amount: 85.80}: no line matches\n"
        "  closest line: E1 2025-06-01 to 2025-06-10: 10 day at 7.80 = 78.00, payable\n"
        "    amount: expected 85.80, found 78.00\n"
        "total amount: expected 85.80, found 78.00"
    )


def test_an_episode_with_no_lines_points_at_its_exceptions(tmp_path, plugins):
    bad = EPISODE.replace("E1", "E2").replace("2025-06-11", "2025-05-11")
    tests = write(tmp_path, case("excluded", [EPISODE, bad], """\
        lines: [{episode_id: E2, amount: 10.00}]
        exceptions: [{episode_id: E2, reason_code: missing_value}]
        """))
    [result] = results(tests, plugins)
    assert result.failures == (
        "expected line 1 {episode_id: E2, amount: 10.00}: no line matches\n"
        "  there are no lines for episode E2; its exceptions: end_before_start (episodes row 2)",
        "expected exception 1 {episode_id: E2, reason_code: missing_value}: no exception matches\n"
        "  closest exception: episodes row 2 (E2): end_before_start, excluded: "
        "the period ends (2025-05-11) before it starts (2025-06-01)\n"
        "    reason_code: expected missing_value, found end_before_start",
    )


def test_rules_lines_exact_and_one_line_per_expectation(tmp_path, plugins):
    # cluster 14 (61.50, review after 28 days) from 1 May, open: 1-28 May payable (28 x 61.50 =
    # 1,722.00); 29-31 May (3 days, 184.50) and June (30 days, 1,845.00) suspended
    overdue = EPISODE.replace("cluster: 3", "cluster: 14").replace("2025-06-01", "2025-05-01").replace("2025-06-11", "")
    passing = case("each line once", [overdue], """\
        lines:
          - {episode_id: E1}                    # could be any line: gives way to the two below
          - {period: 2025-05, status: payable, rules: []}
          - {period: 2025-05, status: suspended, rules: overdue-review:suspend}
        totals: {amount: 1722.00, suspended: 2029.50}
        """, extra="    from: 2025-05\n")
    failing = case("not exact", [overdue], """\
        lines:
          - {period: 2025-05, quantity: 28, rules: [overdue-review:suspend]}
          - {period: 2025-05, quantity: 3}
        lines_exact: true
        """, extra="    from: 2025-05\n")
    first, second = results(write(tmp_path, passing, failing), plugins)
    assert first.passed, first.diff
    assert second.failures == (
        "expected line 1 {period: 2025-05, quantity: 28, rules: overdue-review:suspend}: no line matches\n"
        "  closest line: E1 2025-05-01 to 2025-05-28: 28 day at 61.50 = 1722.00, payable\n"
        "    rules: expected overdue-review:suspend, found none\n"
        "  closest line: E1 2025-05-29 to 2025-05-31: 3 day at 61.50 = 0.00, suspended, rules overdue-review:suspend\n"
        "    quantity: expected 28, found 3",
        "unexpected line (lines_exact): E1 2025-06-01 to 2025-06-30: 30 day at 61.50 = 0.00, suspended, "
        "rules overdue-review:suspend",
    )


def test_a_malformed_tests_file_names_file_line_and_key(tmp_path, plugins):
    tests = write(tmp_path, PASSING.replace("amount: 78.00,", "amont: 78.00,", 1).replace("period: 2025-06", "period: June"))
    with pytest.raises(RulesetError) as raised:
        results(tests, plugins)
    message = str(raised.value)
    assert message.startswith("the ruleset tests file has 2 problems; no case was run")
    assert f"{tests}, line 3 [cases[0].period]: a period must be a month written YYYY-MM (e.g. 2025-06), not 'June'" in message
    assert f"{tests}, line 9 [cases[0].expect.lines[0].amont]: unknown key 'amont'; did you mean 'amount'?" in message


def test_the_tests_file_sits_beside_the_ruleset(tmp_path):
    assert find_tests_file("stockport").name == "2025-26.tests.yaml"
    assert find_tests_file("stockport").is_file()
    assert ruleset_for(find_tests_file("stockport")) == find_tests_file("stockport").with_name("2025-26.yaml")


def invoke(*args):
    result = CliRunner().invoke(cli, ["test", *map(str, args)])
    assert "Traceback" not in result.output
    return result


def test_cli_passes_with_exit_code_0(tmp_path):
    write(tmp_path, PASSING)
    result = invoke(tmp_path / "area.yaml")
    assert (result.exit_code, result.output) == (0, "PASS ten days of cluster 3\n1 passed, 0 failed\n")


def test_cli_fails_with_exit_code_1_and_the_diff(tmp_path):
    write(tmp_path, PASSING)
    other = tmp_path / "other.yaml"
    other.write_text("cases:\n" + PASSING + FAILING)
    result = invoke(tmp_path / "area.yaml", "--cases", other)
    assert result.exit_code == 1
    assert result.output == (
        "PASS ten days of cluster 3\n"
        "FAIL a wrong amount\n"
        "    expected line 1 {episode_id: E1, quantity: 10, unit_price: 7.80, amount: 85.80}: no line matches\n"
        "      closest line: E1 2025-06-01 to 2025-06-10: 10 day at 7.80 = 78.00, payable\n"
        "        amount: expected 85.80, found 78.00\n"
        "    total amount: expected 85.80, found 78.00\n"
        "1 passed, 1 failed\n"
    )


def test_cli_reports_a_malformed_or_missing_tests_file_with_exit_code_2(tmp_path):
    tests = write(tmp_path, PASSING.replace("no_exceptions: true", "no_exceptions: true\n      lines_exactly: true"))
    result = invoke(tmp_path / "area.yaml")
    assert result.exit_code == 2
    assert "localpay: error: the ruleset tests file has 1 problem" in result.output
    assert f"{tests}, line 12 [cases[0].expect.lines_exactly]: unknown key 'lines_exactly'; did you mean 'lines_exact'?" in result.output
    tests.unlink()
    result = invoke(tmp_path / "area.yaml")
    assert result.exit_code == 2
    assert f"localpay: error: no tests file '{tests}'" in result.output


def test_the_bundled_stockport_tests_pass():
    result = invoke("stockport")
    assert result.exit_code == 0, result.output
    assert result.output.endswith(" passed, 0 failed\n")


def test_pytest_collects_each_case_and_shows_the_diff(pytester):
    write(pytester.path, PASSING, FAILING)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*ruleset case: a wrong amount*", "    amount: expected 85.80, found 78.00",
                                 "FAILED area.tests.yaml::a wrong amount*"])
    assert "Traceback" not in result.stdout.str()


def test_pytest_reports_a_malformed_tests_file_as_a_collection_error(pytester):
    write(pytester.path, PASSING.replace("status: payable", "state: payable"))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    output = result.stdout.str()
    assert "area.tests.yaml, line 9 [cases[0].expect.lines[0].state]: unknown key 'state'; did you mean 'status'?" in output
    assert "Traceback" not in output
