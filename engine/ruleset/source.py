"""Read YAML safely and remember where every key and value came from.

Contract managers need errors that point at a line. PyYAML's composed node tree carries the
marks; this walks it once, building plain Python data and a map from each path to its line.
Floats are read as Decimal from the text the user typed (money is exact), date keys become ISO
strings (so validation errors name them as written), and a repeated key is an error rather than
a silent overwrite.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from ..errors import Problem, RulesetError

FLOAT_TAG = "tag:yaml.org,2002:float"
INT_TAG = "tag:yaml.org,2002:int"
# YAML 1.1 reads 012 as octal 10 and 0x1F as hex: for codes such as ODS "012" that silently
# changes the value, so only plain decimal whole numbers are read as numbers
PLAIN_INT = re.compile(r"[-+]?(0|[1-9][0-9_]*)")
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"

Path_ = tuple[str, ...]


@dataclass(frozen=True)
class Location:
    file: str
    line: int


@dataclass
class Source:
    """Data read from YAML (and any CSV tables it names) with the location of every path."""

    data: object
    locations: dict[Path_, Location] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)

    def locate(self, path: tuple) -> Location | None:
        """The location of ``path``, or of its nearest ancestor that has one."""
        key = tuple(str(part) for part in path if part != "[key]")
        while key:
            if key in self.locations:
                return self.locations[key]
            key = key[:-1]
        return self.locations.get(())

    def problem(self, path: tuple, message: str, default_file: str) -> Problem:
        where = self.locate(path)
        return Problem(
            where.file if where else default_file, where.line if where else None, key_text(path), message
        )


def key_text(path: tuple) -> str:
    """("arrangements", 0, "prices", "2025-04-01", 3) -> "arrangements[0].prices[2025-04-01][3]"."""
    text = ""
    for part in path:
        if part == "[key]":
            continue
        if isinstance(part, int) or (text and not str(part).isidentifier()):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def load_yaml(path: Path) -> Source:
    raw = path.read_bytes()
    name = str(path)
    source = Source(data=None, files={name: raw})
    loader = yaml.SafeLoader(raw.decode("utf-8-sig"))
    try:
        node = loader.get_single_node()
        if node is None:
            raise RulesetError([Problem(name, 1, "", "the file is empty; expected a ruleset")])
        source.data = _build(loader, node, (), source, name)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else None
        what = getattr(error, "problem", None) or str(error)
        raise RulesetError([Problem(name, line, "", f"this is not valid YAML: {what}")]) from None
    except UnicodeDecodeError as error:
        raise RulesetError([Problem(name, None, "", f"the file is not UTF-8 text: {error}")]) from None
    finally:
        loader.dispose()
    return source


def _build(loader: yaml.SafeLoader, node: yaml.Node, path: Path_, source: Source, name: str) -> object:
    source.locations.setdefault(path, Location(name, node.start_mark.line + 1))
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # resolves YAML merge keys (<<: *anchor)
        result: dict = {}
        lines: dict = {}
        for key_node, value_node in node.value:
            key = _scalar(loader, key_node, as_key=True)
            line = key_node.start_mark.line + 1
            if isinstance(key, (dict, list)):
                raise RulesetError([Problem(name, line, "", "a key must be plain text")])
            if key in result:
                message = f"this key appears twice (first at line {lines[key]}); keep one"
                raise RulesetError([Problem(name, line, key_text(path + (str(key),)), message)])
            lines[key] = line
            child = path + (str(key),)
            source.locations[child] = Location(name, key_node.start_mark.line + 1)
            result[key] = _build(loader, value_node, child, source, name)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, path + (str(i),), source, name) for i, item in enumerate(node.value)]
    return _scalar(loader, node)


def _scalar(loader: yaml.SafeLoader, node: yaml.Node, as_key: bool = False) -> object:
    if not isinstance(node, yaml.ScalarNode):
        return loader.construct_object(node, deep=True)
    if node.tag == INT_TAG and not PLAIN_INT.fullmatch(node.value):
        return node.value
    if node.tag == FLOAT_TAG:
        try:
            number = Decimal(node.value.replace("_", ""))
        except InvalidOperation:
            return node.value
        return number if number.is_finite() else node.value
    if node.tag == TIMESTAMP_TAG:
        try:
            value = loader.construct_object(node)
        except ValueError:
            return node.value  # "2025-02-30": left as text so validation reports it with its line
        if isinstance(value, dt.datetime):
            return node.value
        return value.isoformat() if as_key else value
    return loader.construct_object(node)
