"""Load a ruleset: YAML -> shared document -> each arrangement by its option's model -> checks
across the whole ruleset. Every problem found is reported at once, each with file, line and key;
any problem stops the run before money is computed."""

from __future__ import annotations

import difflib
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ValidationError

from ..errors import LocalpayError, Problem, RulesetError
from ..measures.resolve import resolve_measures
from ..plugin_contract import PaymentOption
from ..rules.builtin import builtin_vocabulary
from ..rules.model import rulebook
from ..rules.scoped import parse_conditions
from .messages import describe_found, translate
from .models import Arrangement, RulesetDocument
from .overflow import named_overflow
from .ruleset import Ruleset
from .source import Source, load_yaml
from .tables import expand_table_files
from .types import UNION_TAGS


def resolve_ruleset_path(name: str | Path) -> Path:
    """A path on disk, or a bundled ruleset by name: ``stockport`` or ``stockport/2025-26``."""
    path = Path(name)
    if path.is_file():
        return path
    bundled = resources.files("localpay.rulesets")
    parts = str(name).removesuffix(".yaml").split("/")
    area = bundled / parts[0]
    if len(parts) <= 2 and area.is_dir():
        years = sorted(p.name for p in area.iterdir() if _is_ruleset(p.name))
        wanted = f"{parts[1]}.yaml" if len(parts) == 2 else (years[-1] if years else "")
        if wanted in years:
            return Path(str(area / wanted))
    known = ", ".join(bundled_rulesets()) or "none"
    raise LocalpayError(f"no ruleset file {str(name)!r}, and no bundled ruleset of that name (bundled: {known})")


def bundled_rulesets() -> list[str]:
    root = resources.files("localpay.rulesets")
    return sorted(
        f"{area.name}/{file.name.removesuffix('.yaml')}"
        for area in root.iterdir()
        if area.is_dir() and not area.name.startswith("_")
        for file in area.iterdir()
        if _is_ruleset(file.name)
    )


def _is_ruleset(name: str) -> bool:
    return name.endswith(".yaml") and not name.endswith(".tests.yaml")  # beside it: its ruleset tests


def load_ruleset(name: str | Path, options: dict[str, PaymentOption], vocabulary=None, tables=None) -> Ruleset:
    """``vocabulary``: the rule operators and actions (``Plugins.vocabulary``); the built-in
    ones when not given. ``tables``: the input tables' columns by name (``Plugins.input_columns``),
    which the ``inputs:`` block may name; the built-in tables when not given."""
    path = resolve_ruleset_path(name)
    source = load_yaml(path)
    expand_table_files(source, path.parent)
    file = str(path)
    if not isinstance(source.data, dict):
        raise RulesetError([Problem(file, 1, "", "expected a mapping of keys (format, area, title, ...)")])
    problems: list[Problem] = []
    try:
        document = _validate(RulesetDocument, source.data, (), source, file)
    except RulesetError as error:
        document, problems = None, list(error.problems)
    # each arrangement is checked even when the shared part has problems: report all at once
    blocks = source.data.get("arrangements")
    arrangements = []
    for index, block in enumerate(blocks if isinstance(blocks, list) else []):
        if not isinstance(block, dict):
            continue  # reported by the document's own validation
        try:
            arrangements.append(_validate_arrangement(block, ("arrangements", index), options, source, file))
        except RulesetError as error:
            problems.extend(error.problems)
    book = None
    if document is not None:
        with named_overflow(source, file):
            problems.extend(_cross_checks(Ruleset(path, document, tuple(arrangements), options, source), file))
            book, found = rulebook(source.data, vocabulary or builtin_vocabulary(), [p.code for p in document.parties.providers],
                                   [p.code for p in document.parties.commissioners], lambda at, message: source.problem(at, message, file),
                                   tables if tables is not None else _builtin_tables())
            problems.extend(found)
            problems.extend(_arrangement_terms(arrangements, book, vocabulary or builtin_vocabulary(), source, file))
    if problems:
        raise RulesetError(problems)
    return Ruleset(path, document, tuple(arrangements), options, source, book)


def _builtin_tables() -> dict[str, tuple[str, ...]]:
    from ..inputs.tables import input_columns
    from ..manager import make_plugins

    return input_columns(make_plugins(load_entry_points=False).input_tables)


def _arrangement_terms(arrangements, book, vocabulary, source: Source, file: str) -> list[Problem]:
    """What an arrangement says in the rules' language (conditions) or names from a plugin
    (indicators): checked once the ruleset's fields and the installed vocabulary are known."""

    def problem(at, message):
        return source.problem(at, message, file)

    problems = parse_conditions(arrangements, book.fields, vocabulary, problem)
    return problems + resolve_measures(arrangements, vocabulary.indicators, problem)


def _validate(model: type[BaseModel], data: object, prefix: tuple, source: Source, file: str):
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = []
        for e in error.errors():
            loc = tuple(part for part in e["loc"] if part not in UNION_TAGS)
            if e["type"] == "invalid_key" and loc:  # pydantic names key True as 1: the key as written
                loc = loc[:-1] + (str(e.get("input")),)
            problems.append(source.problem(prefix + loc, translate({**e, "loc": loc}, model), file))
        raise RulesetError(problems) from None


def _validate_arrangement(block: dict, prefix: tuple, options: dict, source: Source, file: str) -> Arrangement:
    option_name = block.get("option")
    if option_name is None:
        raise RulesetError([source.problem(prefix, "the key 'option' is required here", file)])
    if not isinstance(option_name, str):
        message = f"expected the name of a payment option, found {describe_found(option_name)}"
        raise RulesetError([source.problem(prefix + ("option",), message, file)])
    if option_name not in options:
        known = ", ".join(sorted(options)) or "none"
        close = difflib.get_close_matches(str(option_name), list(options), n=1, cutoff=0.75)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        message = f"unknown payment option {option_name!r}{hint}; installed options: {known}"
        raise RulesetError([source.problem(prefix + ("option",), message, file)])
    return _validate(options[option_name].parameters, block, prefix, source, file)


def _cross_checks(ruleset: Ruleset, file: str) -> list[Problem]:
    source, period = ruleset.source, ruleset.period
    problems = []
    parties = ruleset.document.parties
    for role, listed in (("providers", parties.providers), ("commissioners", parties.commissioners)):
        first: dict[str, int] = {}
        for index, party in enumerate(listed):
            if party.code in first:
                message = f"the code {party.code!r} is listed twice among the {role} (also at [{first[party.code]}])"
                problems.append(source.problem(("parties", role, index, "code"), message, file))
            first.setdefault(party.code, index)
    seen: dict[str, int] = {}
    for index, arrangement in enumerate(ruleset.arrangements):
        at = ("arrangements", index)
        if arrangement.id in seen:
            message = f"the id {arrangement.id!r} is already used by arrangements[{seen[arrangement.id]}]"
            problems.append(source.problem(at + ("id",), message, file))
        seen.setdefault(arrangement.id, index)
        for role, known in (("provider", ruleset.providers), ("commissioner", ruleset.commissioners)):
            code = getattr(arrangement, role)
            if code is not None and code not in known:
                message = f"{code!r} is not one of the ruleset's {role}s (expected one of: {', '.join(known)})"
                problems.append(source.problem(at + (role,), message, file))
        for path, day in arrangement.effective_dates():
            if not period.contains(day):
                message = f"the date {day} is outside the ruleset's period ({period.start} to {period.end})"
                problems.append(source.problem(at + path, message, file))
    for name, option in sorted(ruleset.options.items()):
        if option.check is not None:
            mine = [(i, a) for i, a in enumerate(ruleset.arrangements) if a.option == name]
            if mine:
                problems.extend(source.problem(("arrangements",) + path, message, file) for path, message in option.check(mine, ruleset))
    return problems
