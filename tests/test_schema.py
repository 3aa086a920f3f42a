"""``localpay schema``: the JSON Schema of the ruleset format, made from the models the loader
validates with. Every ruleset the loader accepts validates against it; the mistakes an editor
should underline are rejected; the file shipped beside the bundled rulesets is the command's
output, and each bundled ruleset names it on its first line."""

from __future__ import annotations

import ast
import datetime as dt
import json
import textwrap
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from conftest import CLUSTER_PER_DAY, REPO, ruleset_text
from localpay.cli import cli
from localpay.errors import RulesetError
from localpay.manager import make_plugins
from localpay.ruleset.load import load_ruleset
from localpay.ruleset.schema import SCHEMA_FILE, ruleset_schema, schema_text
from test_readme import RULESET as FLAT_FEE_RULESET, readme_plugin

SHIPPED = REPO / "rulesets" / SCHEMA_FILE
BUNDLED = sorted(p for p in (REPO / "rulesets").glob("*/*.yaml") if not p.name.endswith(".tests.yaml"))
MODELINE = f"# yaml-language-server: $schema=../{SCHEMA_FILE}"


@pytest.fixture(scope="module")
def builtin():
    return make_plugins(load_entry_points=False)


@pytest.fixture(scope="module")
def validator(builtin):
    return jsonschema.Draft202012Validator(ruleset_schema(builtin))


def as_json(value):
    """The YAML as an editor's schema check sees it: keys are text, and so is a date."""
    if isinstance(value, dict):
        return {(k.isoformat() if isinstance(k, dt.date) else str(k)): as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value.isoformat() if isinstance(value, dt.date) else value


def errors(validator, text: str) -> list[str]:
    """Each error, and where one of several forms was expected (a table, or its file), what each
    form found wrong, down to the value itself."""
    def told(error) -> list:
        return [error, *(inner for e in error.context for inner in told(e))]

    found = [e for top in validator.iter_errors(as_json(yaml.safe_load(text))) for e in told(top)]
    return sorted({f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in found})


def test_the_schema_is_a_valid_draft_2020_12_schema(builtin):
    schema = ruleset_schema(builtin)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_the_shipped_schema_is_the_commands_output(builtin):
    regenerate = f"LOCALPAY_LOAD_PLUGINS= localpay schema --out rulesets/{SCHEMA_FILE}"
    assert SHIPPED.is_file(), f"rulesets/{SCHEMA_FILE} is missing: run `{regenerate}`"
    assert SHIPPED.read_text(encoding="utf-8") == schema_text(builtin), (
        f"rulesets/{SCHEMA_FILE} is out of date with the models: run `{regenerate}`")


def test_schema_prints_to_stdout_and_writes_a_file(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCALPAY_LOAD_PLUGINS", "")
    printed = CliRunner().invoke(cli, ["schema"])
    assert printed.exit_code == 0, printed.output
    assert printed.output == schema_text(make_plugins())
    out = tmp_path / "editor" / "ruleset.schema.json"
    written = CliRunner().invoke(cli, ["schema", "--out", str(out)])
    assert written.exit_code == 0, written.output
    assert written.output == f"the ruleset schema is in {out}\n"
    assert out.read_text(encoding="utf-8") == printed.output
    assert sorted(p.name for p in out.parent.iterdir()) == ["ruleset.schema.json"]  # no temporary file left


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.parent.name)
def test_every_bundled_ruleset_names_the_shipped_schema_and_validates(path, validator):
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == MODELINE
    assert (path.parent / MODELINE.split("$schema=")[1]).resolve() == SHIPPED.resolve()
    assert errors(validator, text) == []


def _test_rulesets() -> list[tuple[str, str]]:
    """Every ruleset written out in the tests: whole YAML documents, and arrangement lists put
    into the shared test ruleset."""
    found = [(p.name, p.read_text(encoding="utf-8")) for p in sorted((REPO / "tests" / "rulesets").rglob("*.yaml"))]
    for module in sorted((REPO / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = textwrap.dedent(node.value)
                if text.startswith("format: localpay/1"):
                    found.append((f"{module.name}:{node.lineno}", text))
                elif text.lstrip().startswith("- id:") and "option:" in text:
                    found.append((f"{module.name}:{node.lineno}", ruleset_text(text)))
    return found


def test_every_ruleset_the_loader_accepts_in_the_tests_validates(tmp_path, builtin, validator):
    loaded = 0
    for index, (name, text) in enumerate(_test_rulesets()):
        path = tmp_path / f"r{index}.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            load_ruleset(path, builtin.options, builtin.vocabulary)
        except RulesetError:
            continue  # a bad fixture, or one needing table files beside it
        assert errors(validator, text) == [], name
        loaded += 1
    assert loaded >= 10  # the gathering still finds the tests' rulesets


BASE = ruleset_text(CLUSTER_PER_DAY)


@pytest.mark.parametrize("text, expected", [
    (BASE + "colour: blue\n", ": Additional properties are not allowed ('colour' was unexpected)"),
    (BASE.replace("option: cluster", "option: clustre"), "arrangements/0/option: 'clustre' is not one of"),
    (BASE.replace("    basis: per_day\n", ""), "arrangements/0: 'basis' is a required property"),
    (BASE.replace("3: 7.80", "3: seven pounds"), "arrangements/0/prices/2025-04-01/3: 'seven pounds' does not match"),
    (BASE.replace("3: 7.80", "3: true"), "arrangements/0/prices/2025-04-01/3: True is not of type 'number'"),
    (BASE.replace("3: 7.80", "3: -7.80"), "arrangements/0/prices/2025-04-01/3: -7.8 is less than the minimum of 0"),
    (BASE + "rules:\n  - {id: r1, when: {cluster: 3}, then: {uplfit: 10%}}\n",
     "rules/0/then: Additional properties are not allowed ('uplfit' was unexpected)"),
    (BASE + "rules:\n  - {id: r1, when: {cluster: {gte: 3, above: 2}}, then: {uplift: 10%}}\n",
     "rules/0/when/cluster: {'gte': 3, 'above': 2} is not valid"),
    (BASE + "rules:\n  - {id: r1, when: {cluster: 3}}\n", "rules/0: 'then' is a required property"),
    (BASE + "inputs: {episodes: {columns: 5}}\n", "inputs/episodes/columns: 5 is not valid"),
    (BASE + "inputs: {returns: {colour: red}}\n", "inputs/returns: Additional properties are not allowed"),
    (BASE.replace("    prices:\n", "    prices: {file: prices.csv, colour: red}\n    old:\n"), "arrangements/0"),
])
def test_the_schema_rejects_what_the_loader_rejects(tmp_path, builtin, validator, text, expected):
    found = errors(validator, text)
    assert any(e.startswith(expected) for e in found), found
    (tmp_path / "r.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(RulesetError):  # the loader says no too: the schema never is stricter than it
        load_ruleset(tmp_path / "r.yaml", builtin.options, builtin.vocabulary)


@pytest.mark.parametrize("addition", [
    # the inputs block: how each table is read, a column mapping, the episodes' declared columns
    "inputs:\n  episodes: {columns: mhsds, encoding: cp1252, sheet: '2025-26', team: text,\n"
    "             ward: {type: text, values: [A, B]}}\n"
    "  assessments: {columns: {preset: mhsds, patient_id: [Person_ID, LocalPatientId], tool: {value: MHCT}}}\n"
    "  budgets: {encoding: latin-1, sheet: 2}\n",
    # rules with operators, not, any, and a condition across the person's history
    "rules:\n  - id: r1\n    clause: Schedule 3B\n    description: EIP uplift\n    priority: 2\n"
    "    when: {cluster: {gte: 10, not: 12}, any: [{service: EIP}, {setting: inpatient}], escalation: {within_days: 28}}\n"
    "    then: {uplift: 10%, flag: check}\n",
])
def test_what_the_format_allows_validates(validator, addition):
    assert errors(validator, BASE + addition) == []


def test_a_table_file_may_stand_wherever_a_table_may(validator):
    text = BASE.replace("    prices:\n      2025-04-01: {", "    prices:\n      2025-04-01: {file: prices.xlsx, sheet: 2025-26}\n      2025-10-01: {")
    assert errors(validator, text) == []
    whole = BASE.split("    prices:\n")[0] + "    prices: {file: prices.csv, encoding: cp1252}\n"
    assert errors(validator, whole) == []


def test_a_plugins_option_is_in_the_schema(tmp_path):
    plugins = make_plugins(load_entry_points=False, extra=(readme_plugin(),))
    schema = ruleset_schema(plugins)
    items = schema["properties"]["arrangements"]["items"]
    assert "flat_fee" in items["properties"]["option"]["enum"]
    (branch,) = [rule["then"] for rule in items["allOf"] if rule["if"]["properties"]["option"] == {"const": "flat_fee"}]
    branch = schema["$defs"][branch["$ref"].rsplit("/", 1)[1]]
    assert {"monthly", "provider", "commissioner", "option"} <= set(branch["required"])
    validator = jsonschema.Draft202012Validator(schema)
    assert errors(validator, FLAT_FEE_RULESET) == []
    assert errors(validator, FLAT_FEE_RULESET.replace(", monthly: 1250.50", "")) == [
        "arrangements/0: 'monthly' is a required property"]
    builtin = jsonschema.Draft202012Validator(ruleset_schema(make_plugins(load_entry_points=False)))
    assert any(e.startswith("arrangements/0/option: 'flat_fee' is not one of") for e in errors(builtin, FLAT_FEE_RULESET))


PRICES_1252 = "effective_from,cluster,price\n2025-04-01,1,3.10\n2025-04-01,3,7.80\n2025-04-01,14,61.50\n"
def table_file(options: str) -> str:
    return BASE.split("    prices:\n")[0] + f"    prices: {{file: prices.csv{options}}}\n"


@pytest.mark.parametrize("text, accepted", [
    # a table file's encoding may be a number, as Python names its code pages (1252 is cp1252)
    (table_file(", encoding: 1252"), True),
    (table_file(", encoding: 437"), True),
    (table_file(", encoding: cp1252"), True),
    (table_file(", encoding: true"), False),
    # an input table's encoding is a name: the input loader takes no number
    (BASE + "inputs: {episodes: {encoding: 1252}}\n", True),  # a code page by its number, as a table file's
    (BASE + "inputs: {episodes: {encoding: cp1252}}\n", True),
    (BASE + "inputs: {episodes: {encoding: ' '}}\n", False),
    # a sheet is named; a number is a sheet's name
    (BASE + "inputs: {episodes: {sheet: 2025}}\n", True),
    (BASE + "inputs: {episodes: {sheet: 2.5}}\n", False),
    (BASE + "inputs: {episodes: {sheet: true}}\n", False),
    # only the tables there are
    (BASE + "inputs: {assesments: {encoding: cp1252}}\n", False),
    (BASE + "inputs: {assessments: {encoding: cp1252}, returns: {encoding: cp1252}}\n", True),
    # only the presets there are, and each only for the tables it maps
    (BASE + "inputs: {episodes: {columns: mhsdz}}\n", False),
    (BASE + "inputs: {episodes: {columns: {preset: mhsdz}}}\n", False),
    (BASE + "inputs: {returns: {columns: mhsds}}\n", False),
    (BASE + "inputs: {returns: {columns: {preset: mhsds}}}\n", False),
    (BASE + "inputs: {assessments: {columns: mhsds}}\n", True),
    # latest picks among rows with an id: episodes only
    (BASE + "inputs: {episodes: {columns: {preset: mhsds, latest: UniqMonthID}}}\n", True),
    (BASE + "inputs: {assessments: {columns: {preset: mhsds, latest: UniqMonthID}}}\n", False),
    (BASE + "inputs: {assessments: {latest: UniqMonthID}}\n", False),
    # a fixed value is text, not blank; a source column is named
    (BASE + "inputs: {episodes: {columns: {preset: mhsds, service: {value: CMHT}}}}\n", True),
    (BASE + "inputs: {episodes: {columns: {preset: mhsds, service: {value: 5}}}}\n", False),
    (BASE + "inputs: {episodes: {columns: {preset: mhsds, service: {value: true}}}}\n", False),
    (BASE + "inputs: {episodes: {columns: {preset: mhsds, service: {value: ' '}}}}\n", False),
    (BASE + "inputs: {episodes: {columns: {preset: mhsds, service: ' '}}}\n", False),
    (BASE + "inputs: {episodes: {columns: {preset: mhsds, service: [Team, ' ']}}}\n", False),
])
def test_the_schema_and_the_loader_agree(tmp_path, builtin, validator, text, accepted):
    (tmp_path / "prices.csv").write_bytes(PRICES_1252.encode("cp1252"))
    (tmp_path / "r.yaml").write_text(text, encoding="utf-8")
    try:
        load_ruleset(tmp_path / "r.yaml", builtin.options, builtin.vocabulary)
        loaded = True
    except RulesetError:
        loaded = False
    assert (loaded, errors(validator, text) == []) == (accepted, accepted)


def test_a_sheet_is_described_by_its_name(builtin):
    schema = ruleset_schema(builtin)
    sheets = [schema["$defs"]["TableFile"]["properties"]["sheet"],
              *(t["properties"]["sheet"] for t in schema["properties"]["inputs"]["properties"].values())]
    assert all("by its name" in s["description"] and "from 1" not in s["description"] for s in sheets)
    assert set(schema["properties"]["inputs"]["properties"]) == {"episodes", "assessments", *builtin.input_tables}
