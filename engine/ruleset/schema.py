"""The JSON Schema (draft 2020-12) of the ruleset format, for a YAML-aware editor's autocompletion
and inline errors (``localpay schema``).

Made from the same pydantic models the loader validates with: the shared document, and each
installed payment option's parameter model as one branch of ``arrangements``, chosen by its
``option``. The ``inputs:`` and ``rules:`` blocks, which the loader checks by hand against the
installed vocabulary, are described here from that vocabulary: operators, actions and history
conditions by name; a field a ruleset declares itself is open. The schema is a help for the
editor: the loader's own checks (dates inside the period, codes of the parties, rules that
name known fields) stay the reference, and the schema is never stricter than the format written
as the README describes it (the tests check every ruleset they hold against it).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic.json_schema import models_json_schema

from ..inputs.columns import KEYED
from ..inputs.presets import PRESETS
from ..manager import Plugins
from ..rules.model import COLUMN, IDENT, INPUT_TYPES, RULE_KEYS
from .models import RulesetDocument

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_FILE = "localpay-ruleset.schema.json"  # beside the bundled rulesets' area folders
READ_KEYS = ("columns", "encoding", "sheet")  # what every input table may say of how it is read

TABLE_FILE = {
    "title": "A table file",
    "description": "The table read from a file beside the ruleset (CSV, or a sheet of a workbook): every column but "
                   "the last is a key, the last is the value.",
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {"type": "string", "minLength": 1, "description": "The file's name, relative to the ruleset's folder."},
        "sheet": {"type": ["string", "number"], "description": "The workbook's sheet, by its name (a number is the "
                                                           "name of a sheet, e.g. 2025, never its position)."},
        "encoding": {"type": ["string", "integer"], "description": "The text encoding of a CSV file (e.g. cp1252, or "
                                                                   "1252); UTF-8 if not given."},
    },
    "additionalProperties": False,
}


# What a contract manager reads on hovering over a shared key (an option's own keys carry their
# model's descriptions)
DESCRIPTIONS = {
    "RulesetDocument": {
        "format": "The ruleset format: localpay/1.",
        "area": "The area the arrangement covers, e.g. Stockport.",
        "title": "The arrangement's title, as the schedule and statements show it.",
        "version": "The ruleset's version, e.g. 1.0: shown on the schedule and recorded by a ledger.",
        "period": "The contract's period: from and to, e.g. {from: 2025-04-01, to: 2026-03-31}.",
        "status": "draft, shadow or live: a draft or shadow ruleset's schedule is stamped so.",
        "parties": "The commissioners and providers, by organisation code and name.",
        "settings": "Choices made locally: overdue reviews, the day count, changes after freeze data, the rules' "
                    "cross-check, the years a date in the data may fall in.",
    },
    "Settings": {
        "overdue_review": "A cluster review overdue: pay (and flag), suspend or hold the days after it was due.",
        "day_count": "exclusive_end: the end date is not paid (a move on 3 May pays the old cluster to 2 May); "
                     "inclusive_end: the end date is the last day paid.",
        "after_freeze": "A change found after a month's freeze data was issued: paid as an adjustment, or only "
                        "reported.",
        "rules_cross_check": "People whose rules durable-rules re-evaluates on every run as a check (0: none).",
        "data_years": "The years a date in the data may fall in: a date outside them is a bad row.",
    },
    "Arrangement": {
        "id": "The arrangement's id, unique in the ruleset: lower-case letters, digits, - and _.",
        "title": "A title for the schedule and statements (the id if not given).",
        "clause": "The clause of the contract the arrangement comes from.",
        "provider": "The provider paid: one of the parties' provider codes.",
        "commissioner": "The commissioner paying: one of the parties' commissioner codes.",
        "shadow": "Priced in full and shown beside what is paid, but paying nothing.",
    },
}


def _describe(schema: dict, model: str) -> None:
    for key, text in DESCRIPTIONS[model].items():
        if key in schema.get("properties", {}):
            schema["properties"][key].setdefault("description", text)


def ruleset_schema(plugins: Plugins) -> dict:
    """The schema of a ruleset under the installed plugins."""
    options = dict(sorted(plugins.options.items()))
    refs, defs = models_json_schema(
        [(RulesetDocument, "validation"), *((o.parameters, "validation") for o in options.values())],
        by_alias=True, ref_template="#/$defs/{model}")
    defs = defs["$defs"]
    document = defs[_name(refs[(RulesetDocument, "validation")])]
    branches = []
    for name, option in options.items():
        key = _name(refs[(option.parameters, "validation")])
        branch = defs[key]
        branch["properties"]["option"] = {"const": name, "description": option.summary}
        branch["required"] = sorted({*branch.get("required", []), "option"})
        branch.setdefault("description", option.summary)
        _describe(branch, "Arrangement")
        branches.append({"$ref": f"#/$defs/{key}"})
    document["properties"]["arrangements"] = {
        "type": "array", "minItems": 1,
        "description": "The payment arrangements: each is validated by its option's own keys.",
        "items": {
            "type": "object", "required": ["id", "option"],
            "properties": {"option": {"enum": list(options), "description": "The payment option: " + "; ".join(
                f"{name}: {o.summary}" for name, o in options.items())}},
            # one branch per option, chosen by it: an error is told against that option's keys
            "allOf": [{"if": {"required": ["option"], "properties": {"option": {"const": name}}}, "then": branch}
                      for name, branch in zip(options, branches)],
        },
    }
    _describe(document, "RulesetDocument")
    if "Settings" in defs:  # named otherwise only if a plugin's model took the name too
        _describe(defs["Settings"], "Settings")
    document["properties"]["inputs"] = _inputs(plugins)
    document["properties"]["rules"] = _rules(plugins)
    document.setdefault("description", "A local payment arrangement: its parties, period, payment arrangements "
                                       "and local rules.")
    defs = {**defs, "TableFile": TABLE_FILE, **_rule_defs(plugins)}
    schema = {"$schema": DIALECT, "title": "localpay ruleset", **{k: v for k, v in document.items() if k != "title"}}
    schema["$defs"] = {k: _tables_from_files(v) for k, v in sorted(defs.items()) if v is not document}
    schema["properties"] = {k: _tables_from_files(v) for k, v in schema["properties"].items()}
    return schema


def schema_text(plugins: Plugins) -> str:
    """The schema as ``localpay schema`` writes it: stable key order, UTF-8, a final newline."""
    return json.dumps(ruleset_schema(plugins), indent=2, ensure_ascii=False) + "\n"


def _name(ref: dict) -> str:
    return ref["$ref"].rsplit("/", 1)[-1]


def _tables_from_files(schema: Any) -> Any:
    """Wherever the ruleset has a table (a mapping of keys to values), ``{file: ...}`` may stand
    in its place: the loader reads the file into the same shape."""
    if isinstance(schema, list):
        return [_tables_from_files(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    # a dated value's two forms (one value, or values by date) are told apart by shape, and a
    # mapping of one value may match both: any one that matches will do
    walked = {("anyOf" if k == "oneOf" else k): (_tables_from_files(v) if k not in ("const", "enum", "default") else v)
              for k, v in schema.items()}
    if walked.get("type") == "object" and isinstance(walked.get("additionalProperties"), dict) \
            and "properties" not in walked:
        return {"anyOf": [walked, {"$ref": "#/$defs/TableFile"}]}
    return walked


TEXT = {"type": "string", "pattern": r"\S"}  # text that is not blank, as the input loader reads it


def _read_options(table: str) -> dict[str, dict]:
    """``columns``, ``encoding`` and ``sheet`` of an input table, as ``inputs.blocks`` reads them."""
    presets = [name for name, tables in PRESETS.items() if table in tables]  # only those that map this table
    mapping = _column_mapping(table, presets)
    if presets:
        columns = {"description": f"Which columns of the {table} file hold localpay's fields: a preset's name "
                                  f"({', '.join(presets)}), or a mapping of field to source column.",
                   "anyOf": [{"enum": presets}, mapping]}
    else:
        columns = {"description": f"Which columns of the {table} file hold localpay's fields: a mapping of field "
                                  "to source column (no preset maps this file).", **mapping}
    return {
        "columns": columns,
        "encoding": {"anyOf": [TEXT, {"type": "integer"}],
                     "description": f"The text encoding of the {table} file when it is CSV, by its name (e.g. "
                                    "cp1252) or a code page's number (1252)."},
        "sheet": {"type": ["string", "integer"], "pattern": r"\S",
                  "description": f"The sheet of the {table} workbook, by its name (a number is the name of a sheet, "
                                 "e.g. 2025, never its position)."},
    }


def _column_mapping(table: str, presets: list[str]) -> dict:
    """A mapping of the table's fields to its source columns; ``preset`` only with a preset that
    maps the table, ``latest`` only for a table whose rows have an id."""
    source = {"anyOf": [
        TEXT,
        {"type": "array", "minItems": 1, "items": TEXT},
        {"type": "object", "required": ["value"], "additionalProperties": False, "properties": {"value": TEXT}}]}
    return {
        "type": "object", "description": "Each localpay field and the source column it is read from: a column, "
                                         "the first of several that has a value, or a fixed value ({value: TEXT}).",
        "properties": {
            "preset": {"enum": presets, "description": "A preset this mapping changes."} if presets else False,
            "latest": {**TEXT, "description": "A column whose latest value picks one row of several."}
            if table in KEYED else False,
        },
        "additionalProperties": source,
    }


def _inputs(plugins: Plugins) -> dict:
    column = {
        "description": "A column the rules may read, beyond the built-in ones: text, number or date, or text "
                       "with the values it may hold.",
        "anyOf": [
            {"enum": list(INPUT_TYPES)},
            {"type": "object", "required": ["type"], "additionalProperties": False,
             "properties": {"type": {"enum": list(INPUT_TYPES)},
                            "values": {"type": "array", "minItems": 1,
                                       "items": {"type": ["string", "number", "integer"]}}}},
        ],
    }
    tables = {
        "episodes": {
            "type": "object", "description": "How the episodes file is read, and the further columns it declares.",
            "properties": _read_options("episodes"),
            "propertyNames": {"anyOf": [{"enum": list(READ_KEYS)}, {"pattern": COLUMN.pattern}]},
            "additionalProperties": column,
        },
        "assessments": _table("assessments", "How the assessments file is read."),
    }
    for name, table in sorted(plugins.input_tables.items()):
        tables.setdefault(name, _table(name, f"How the {name} file is read: {table.help}"))
    return {"type": "object", "description": "How each input file is read (and the episodes' declared columns): "
                                             + ", ".join(tables) + ".",
            "properties": tables, "additionalProperties": False}


def _table(name: str, description: str) -> dict:
    return {"type": "object", "description": description, "properties": _read_options(name),
            "additionalProperties": False}


def _rules(plugins: Plugins) -> dict:
    return {"type": "array", "description": "Local rules: when an episode matches, then the actions apply.",
            "items": {"$ref": "#/$defs/Rule"}}


def _rule_defs(plugins: Plugins) -> dict:
    vocabulary = plugins.vocabulary
    operators = {name: {"description": f"{op.summary} (fields of type {', '.join(op.types)})"}
                 for name, op in vocabulary.operators.items()}
    actions = {name: {"description": f"{action.summary} ({action.stage})"} for name, action in vocabulary.actions.items()}
    history = {name: {"description": f"Across the person's history: {kind.summary}"}
               for name, kind in vocabulary.history.items()}
    return {
        "Rule": {
            "type": "object", "required": ["id", "when", "then"], "additionalProperties": False,
            "propertyNames": {"enum": list(RULE_KEYS)},
            "properties": {
                "id": {"type": "string", "pattern": IDENT.pattern, "description": "The rule's id: lower-case letters, "
                                                                                   "digits, - and _."},
                "clause": {"type": "string", "minLength": 1, "description": "The clause of the contract it comes from."},
                "description": {"type": "string", "minLength": 1},
                "priority": {"type": "integer", "description": "Lower first; ties go by the order written."},
                "when": {"$ref": "#/$defs/Conditions"},
                "then": {"$ref": "#/$defs/Actions"},
            },
        },
        "Conditions": {
            "type": "object", "minProperties": 1,
            "description": "All of these: a field with a value (equals), a list (one of) or operators; all, any, not; "
                           "or a condition across the person's history.",
            "properties": {
                "all": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/Conditions"},
                        "description": "Every one of these."},
                "any": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/Conditions"},
                        "description": "At least one of these."},
                "not": {"$ref": "#/$defs/Conditions", "description": "None of these."},
                **history,
            },
            "additionalProperties": {"$ref": "#/$defs/FieldTest"},
        },
        "FieldTest": {
            "description": "A value (the field equals it), a list (one of them), or a mapping of operators: "
                           + ", ".join(["not", *vocabulary.operators]) + ".",
            "anyOf": [
                {"type": ["string", "number", "integer", "boolean", "null"]},
                {"type": "array"},
                {"type": "object", "minProperties": 1,
                 "properties": {"not": {"$ref": "#/$defs/FieldTest", "description": "Not this test."}, **operators},
                 "propertyNames": {"enum": ["not", *operators]}},
            ],
        },
        "Actions": {
            "type": "object", "minProperties": 1, "description": "What the rule does: " + ", ".join(actions) + ".",
            "properties": actions, "additionalProperties": False,
        },
    }


__all__ = ["SCHEMA_FILE", "ruleset_schema", "schema_text"]
