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
from .files import decode_utf8, line_and_column, read_bounded

FLOAT_TAG = "tag:yaml.org,2002:float"
INT_TAG = "tag:yaml.org,2002:int"
# YAML 1.1 reads 012 as octal 10 and 0x1F as hex: for codes such as ODS "012" that silently
# changes the value, so only plain decimal whole numbers are read as numbers
PLAIN_INT = re.compile(r"[-+]?(0|[1-9][0-9_]*)")
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
VALUE_TAG = "tag:yaml.org,2002:value"

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
    name = str(path)
    raw = read_bounded(path, name, None, "")
    source = Source(data=None, files={name: raw})
    text = decode_utf8(raw, name)
    _flow_depth(text, name)
    loader = None
    try:
        loader = _Loader(text)  # checks every character first
        loader.name = name
        node = loader.get_single_node()
        if node is None:
            raise RulesetError([Problem(name, 1, "", "the file is empty; expected a ruleset")])
        source.data = _Builder(loader, source, name).build(node, ())
    except yaml.reader.ReaderError as error:
        at = _line_of(text, error.position)
        character = f"#x{error.character:04X}" if isinstance(error.character, int) else repr(error.character)
        message = f"the character {character} at line {at} is not allowed in YAML ({error.reason}); remove it"
        raise RulesetError([Problem(name, at, "", message)]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else None
        what = getattr(error, "problem", None) or str(error)
        raise RulesetError([Problem(name, line, "", f"this is not valid YAML: {what}")]) from None
    finally:
        if loader is not None:
            loader.dispose()
    return source


def _line_of(text: str, position: int) -> int:
    before = text[:position].encode("utf-8", "surrogatepass")
    return line_and_column(before, len(before))[0]


# How deep a ruleset may nest (a rule's conditions are the deepest part of a real one, a few
# levels), and how many values its aliases may add: sharing a price table between arrangements
# adds hundreds; a "billion laughs" of 486 bytes would add a billion and never finish.
MAX_DEPTH = 100
MAX_ALIAS_VALUES = 10_000
MAPPING_TAG = "tag:yaml.org,2002:map"
SEQUENCE_TAG = "tag:yaml.org,2002:seq"
PLAIN_TAGS = {"tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null", "timestamp", "value")}


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing nesting deeper than ``MAX_DEPTH`` before its composer
    recurses into it (PyYAML's parser is iterative, its composer recursive)."""

    depth = 0

    def compose_node(self, parent, index):
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                line = self.peek_event().start_mark.line + 1
                raise RulesetError([Problem(str(self.name), line, "", _too_deep())])
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


# brackets of flow style, and comments (whose brackets are not counted)
FLOW = re.compile(r"[\[{\]}]|(?:^|(?<=[ \t]))#[^\n\r]*", re.M)


def _flow_depth(text: str, name: str) -> None:
    """Refuse flow-style nesting past ``MAX_DEPTH`` before PyYAML scans it: its scanner keeps a
    possible key for every open bracket and walks them all at each token, so 100,000 ``[`` take
    seconds and a megabyte of them minutes. Brackets are counted as written, a quoted one too:
    text would need more than a hundred opening brackets unclosed to be refused for it."""
    depth = 0
    for found in FLOW.finditer(text):
        mark = found.group()
        if mark in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise RulesetError([Problem(name, _line_of(text, found.start()), "", _too_deep())])
        elif mark in "]}":
            depth = max(depth - 1, 0)


def _too_deep() -> str:
    return f"the values here nest more than {MAX_DEPTH} levels deep; a ruleset needs a few"


class _Builder:
    """Plain data from the composed nodes, with every path's line. Aliases are expanded here,
    so their expansion is bounded here, and an alias inside the value it names is refused."""

    def __init__(self, loader: yaml.SafeLoader, source: Source, name: str):
        self.loader, self.source, self.name = loader, source, name
        self.built: set[int] = set()  # nodes built once: building one again expands an alias
        self.open: set[int] = set()  # the nodes being built, from the root to here
        self.expanded = 0

    def problem(self, node: yaml.Node, path: Path_, message: str) -> RulesetError:
        return RulesetError([Problem(self.name, node.start_mark.line + 1, key_text(path), message)])

    def build(self, node: yaml.Node, path: Path_, aliased: bool = False) -> object:
        if id(node) in self.open:
            raise self.problem(node, path, f"an alias here names a value that holds it (anchored at line "
                                           f"{node.start_mark.line + 1}), so it would never end")
        if len(path) > MAX_DEPTH:
            raise self.problem(node, path, _too_deep())
        aliased = aliased or id(node) in self.built
        if aliased:
            self.expanded += 1
            if self.expanded > MAX_ALIAS_VALUES:
                raise self.problem(node, path, f"the aliases (*name) in this file expand to more than "
                                               f"{MAX_ALIAS_VALUES:,} values; share a table once, not aliases of aliases")
        self.built.add(id(node))
        self.open.add(id(node))
        try:
            return self._build(node, path, aliased)
        finally:
            self.open.discard(id(node))

    def _build(self, node: yaml.Node, path: Path_, aliased: bool) -> object:
        source, name = self.source, self.name
        source.locations.setdefault(path, Location(name, node.start_mark.line + 1))
        if isinstance(node, yaml.MappingNode):
            self._tagged(node, path, MAPPING_TAG)
            try:
                self.loader.flatten_mapping(node)  # resolves YAML merge keys (<<: *anchor)
            except RecursionError:
                raise self.problem(node, path, "the merge keys (<<) here merge a mapping into itself, or chain "
                                               "too deeply") from None
            result: dict = {}
            lines: dict = {}
            for key_node, value_node in node.value:
                line = key_node.start_mark.line + 1
                if not isinstance(key_node, yaml.ScalarNode):
                    raise RulesetError([Problem(name, line, key_text(path), "a key must be plain text")])
                self._tagged(key_node, path, None)
                key = _scalar(self.loader, key_node, as_key=True)
                if key in result:
                    message = f"this key appears twice (first at line {lines[key]}); keep one"
                    raise RulesetError([Problem(name, line, key_text(path + (str(key),)), message)])
                lines[key] = line
                child = path + (str(key),)
                source.locations[child] = Location(name, line)
                result[key] = self.build(value_node, child, aliased)
            return result
        if isinstance(node, yaml.SequenceNode):
            self._tagged(node, path, SEQUENCE_TAG)
            return [self.build(item, path + (str(i),), aliased) for i, item in enumerate(node.value)]
        self._tagged(node, path, None)
        return _scalar(self.loader, node)

    def _tagged(self, node: yaml.Node, path: Path_, expected: str | None) -> None:
        """A ruleset holds plain values: a tag that makes something else of one (!!python/...,
        !!binary, !!set, a tag of the writer's own) is refused, never constructed."""
        if node.tag == expected or (expected is None and node.tag in PLAIN_TAGS):
            return
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        raise self.problem(node, path, f"the tag {tag} is not allowed in a ruleset; write the value without a tag")


def _scalar(loader: yaml.SafeLoader, node: yaml.Node, as_key: bool = False) -> object:
    if node.tag == INT_TAG and not PLAIN_INT.fullmatch(node.value):
        return node.value
    if node.tag == FLOAT_TAG:
        try:
            number = Decimal(node.value.replace("_", ""))
        except InvalidOperation:
            return node.value
        return number if number.is_finite() else node.value
    if node.tag == VALUE_TAG:
        return node.value  # a plain "=": text, as PyYAML reads it as a key
    try:
        value = loader.construct_object(node)
    except (ValueError, KeyError, TypeError, AttributeError):
        # "2025-02-30", "!!bool maybe", a whole number of more digits than Python reads: left as
        # text so validation reports it, with its line, as not what the key expects
        return node.value
    if node.tag == TIMESTAMP_TAG:
        if isinstance(value, dt.datetime):
            return node.value
        return value.isoformat() if as_key else value
    return value
