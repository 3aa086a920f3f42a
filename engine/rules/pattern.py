"""The pattern dialect of ``matches``: one small dialect, parsed here and rendered for each
reading of it (Polars' regular expressions for the columnar evaluator, RE2 for the durable-rules
evaluator, Python's ``re`` for the tests), so that both evaluators answer the same for every
pattern it admits. A pattern outside it is refused with what was expected and where.

A pattern matches the whole value. It is made of:

- a literal character: any printable character except ``. + * ? ( ) [ ] { } | ^ $``, and never
  ``\\``, ``"``, ``~`` or a control character; write a special character as a class, ``[.]``;
- ``.``: any one character (a newline too);
- a class ``[abc]``, ``[a-z]``, ``[^0-9]``: characters and ranges (both ends digits, both lower
  case letters, both upper case letters, or both beyond ASCII, the first not after the second);
  inside a class ``^`` may stand anywhere but first, ``-`` only last, ``[`` not before ``:``,
  ``=`` or ``.`` (no POSIX classes such as ``[[:alpha:]]``), and ``]`` never;
- a group ``(...)`` holding a pattern, and alternatives ``a|b`` (neither empty);
- after a character, class or group, one of ``*``, ``+``, ``?``, ``{m}``, ``{m,}`` or ``{m,n}``
  (whole numbers, n from 1 to 100, m not above n).

durable-rules' own regular expressions answer wrongly for some patterns (``[^a-c]*.`` does not
match "a" there) and refuse others, so the durable-rules evaluator is given each ``matches``
test's answer by RE2 (Google's engine: another implementation than Polars' Rust one, and like
it linear in the text, so no pattern can take exponential time) as an attribute of the fact, and
combines it with the rule's other conditions. Its ``starts_with`` stays its own ``$mt`` over a
literal prefix.

Text reaches durable-rules encoded (``durable_text``): each control character, ``"``, ``\\``
and ``~`` becomes one character of the private use area (U+E000 plus its code), so that its JSON
form never differs from the text. Data holding characters of that block cannot be given to it
exactly, nor a value longer than its 16-bit string lengths allow tested by a plugin's operator:
such a value is kept from durable-rules, never compared wrongly
(``durable_compile.inexact``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import NoReturn

import re2  # type: ignore[import-untyped]  # google-re2: no type hints

SPECIAL = set(".+*?()[]{}|^$")
FORBIDDEN = {chr(c) for c in range(0x20)} | {"\x7f", "\\", '"', "~"}
RESERVED = range(0xE000, 0xE100)  # the private use characters the encoding writes
MAX_REPEAT = 100  # a bound on repeat counts keeps every pattern quick to build in both engines
MAX_CONSTANT = 1000  # characters in a text written in a rule
DURABLE_BYTES = 60_000  # durable-rules keeps a string's length in 16 bits: stay well below
LONG_KEPT = 4000  # a longer value is given as its first characters and a mark no constant holds
LONG_MARK = chr(0xE0FF)
MATCHED_BYTES = DURABLE_BYTES // 3  # a value of up to this many bytes is never cut (encoding at most triples it)
ENCODE = {c: chr(0xE000 + ord(c)) for c in FORBIDDEN}
ENCODE_TABLE = str.maketrans(ENCODE)


@dataclass(frozen=True)
class Lit:
    char: str


@dataclass(frozen=True)
class AnyChar:
    pass


@dataclass(frozen=True)
class Cls:
    negated: bool
    items: tuple[tuple[str, str], ...]  # (first, last); a single character is (c, c)


@dataclass(frozen=True)
class Piece:
    atom: "Lit | AnyChar | Cls | Alt"
    low: int = 1
    high: int | None = 1  # None: no upper bound


@dataclass(frozen=True)
class Alt:
    branches: tuple[tuple[Piece, ...], ...]


class PatternError(ValueError):
    """A pattern outside the dialect: what was expected, and at which character."""


def parse(text: str) -> Alt:
    if not text:
        raise PatternError("expected a pattern, found nothing")
    if len(text) > MAX_CONSTANT:
        raise PatternError(f"a pattern is at most {MAX_CONSTANT:,} characters; found {len(text):,}")
    parser = _Parser(text)
    tree = parser.alternatives()
    if parser.at < len(text):
        parser.fail("an unmatched ')'" if text[parser.at] == ")" else "the end of the pattern")
    return tree


class _Parser:
    def __init__(self, text: str):
        self.text, self.at = text, 0

    def fail(self, expected: str) -> NoReturn:
        found = repr(self.text[self.at]) if self.at < len(self.text) else "the end"
        raise PatternError(f"at character {self.at + 1}: expected {expected}, found {found}")

    def peek(self) -> str | None:
        return self.text[self.at] if self.at < len(self.text) else None

    def alternatives(self) -> Alt:
        branches = [self.branch()]
        while self.peek() == "|":
            self.at += 1
            branches.append(self.branch())
        return Alt(tuple(branches))

    def branch(self) -> tuple[Piece, ...]:
        pieces = []
        while self.peek() not in (None, "|", ")"):
            pieces.append(self.piece())
        if not pieces:
            self.fail("a character, '.', a class or a group (an alternative or a group may not be empty)")
        return tuple(pieces)

    def piece(self) -> Piece:
        atom = self.atom()
        c = self.peek()
        if c in ("*", "+", "?"):
            self.at += 1
            low, high = {"*": (0, None), "+": (1, None), "?": (0, 1)}[c]
        elif c == "{":
            low, high = self.repeat()
        else:
            return Piece(atom)
        if self.peek() in ("*", "+", "?", "{"):
            self.fail("no second repeat after a repeat")
        return Piece(atom, low, high)

    def repeat(self) -> tuple[int, int | None]:
        self.at += 1
        low = self.number()
        high: int | None = low
        if self.peek() == ",":
            self.at += 1
            high = None if self.peek() == "}" else self.number()
        if self.peek() != "}":
            self.fail("'}' closing the repeat")
        self.at += 1
        if high is not None and (high < 1 or low > high):
            written = f"{{{low}}}" if low == high else f"{{{low},{high}}}"
            raise PatternError(f"the repeat {written} is empty: write n from 1 and m not above n")
        return low, high

    def number(self) -> int:
        start = self.at
        while (self.peek() or "x") in "0123456789":
            self.at += 1
        if start == self.at:
            self.fail("a whole number in the repeat")
        value = int(self.text[start:self.at])
        if value > MAX_REPEAT:
            raise PatternError(f"at character {start + 1}: a repeat count is at most {MAX_REPEAT}, found {value}")
        return value

    def atom(self) -> Lit | AnyChar | Cls | Alt:
        c = self.peek()
        if c == "(":
            self.at += 1
            if self.peek() == "?":
                self.fail("a pattern inside the group ('(?' groups are not part of the dialect)")
            inner = self.alternatives()
            if self.peek() != ")":
                self.fail("')' closing the group")
            self.at += 1
            return inner
        if c == "[":
            return self.klass()
        if c == ".":
            self.at += 1
            return AnyChar()
        if c is None or c in SPECIAL:
            self.fail("a character, '.', a class or a group" + (" (write a special character as a class, e.g. [.]; "
                                                               "a pattern always matches the whole value, so it needs "
                                                               "no ^ or $)" if c in SPECIAL else ""))
        self.literal(c)
        self.at += 1
        return Lit(c)

    def literal(self, c: str) -> None:
        if c in FORBIDDEN or ord(c) in RESERVED or not c.isprintable() and c != " ":
            self.fail("a printable character (a pattern cannot hold \\, \", ~ or a control character; write a class "
                      "instead: [0-9] for a digit, [.] for a dot)")

    def klass(self) -> Cls:
        self.at += 1
        negated = self.peek() == "^"
        if negated:
            self.at += 1
        items: list[tuple[str, str]] = []
        while self.peek() != "]":
            c = self.peek()
            if c is None:
                self.fail("']' closing the class")
            assert c is not None
            if c == "[" and self.text[self.at + 1:self.at + 2] in (":", "=", "."):
                self.fail("a character of the class ([:alpha:] and the like are not part of the dialect: write the "
                          "range, [a-zA-Z])")
            if c == "-" and self.text[self.at + 1:self.at + 2] != "]":
                self.fail("a character of the class ('-' may stand only last in a class)")
            if c == "^" and not items:
                self.fail("a character of the class ('^' may not stand first, unless it negates the class)")
            self.literal(c)
            self.at += 1
            last = c
            if self.peek() == "-" and self.text[self.at + 1:self.at + 2] not in ("]", ""):
                self.at += 1
                last = self.peek() or ""
                self.literal(last)
                if not _same_kind(c, last) or last < c:
                    self.fail(f"the end of a range from {c!r}: both ends digits, both lower case letters, both upper "
                              "case letters or both beyond ASCII, the first not after the second")
                self.at += 1
            items.append((c, last))
        if not items:
            self.fail("a character of the class (a class may not be empty)")
        self.at += 1
        return Cls(negated, tuple(items))


def _same_kind(a: str, b: str) -> bool:
    kinds = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return any(a in k and b in k for k in kinds) or (ord(a) > 0x7F and ord(b) > 0x7F)


# --- rendering ----------------------------------------------------------------------------------


def polars(tree: Alt) -> str:
    """For ``Expr.str.contains``: the whole value, ``.`` taking newlines too."""
    return "(?s)^(?:" + _render(tree, _rust_char, _rust_class, ".") + ")$"


def python(tree: Alt) -> str:
    """For ``re.fullmatch(..., flags=re.DOTALL)``: the tests' third reading."""
    return _render(tree, _python_char, _python_class, ".")


def matched_key(name: str, text: str) -> str:
    """The fact attribute durable-rules tests for ``matches: text`` on the attribute ``name``."""
    return f"{name}__mt_{hashlib.sha256(text.encode()).hexdigest()[:16]}"


def matcher(text: str):
    """RE2's reading of a pattern of the dialect (``.fullmatch(value)``), for durable-rules' facts."""
    return re2.compile("(?s)" + _render(parse(text), _rust_char, _rust_class, "."))


def durable_prefix(prefix: str) -> str:
    """``starts_with`` as a durable-rules pattern over ``durable_text``."""
    return "".join(_durable_char(c) for c in durable_text(prefix)) + ".*"


def _render(tree: Alt, char, klass, any_char: str) -> str:
    def atom(a) -> str:
        if isinstance(a, Lit):
            return char(a.char)
        if isinstance(a, AnyChar):
            return any_char
        if isinstance(a, Cls):
            return klass(a)
        return "(" + alternatives(a) + ")"

    def piece(p: Piece) -> str:
        if (p.low, p.high) == (1, 1):
            return atom(p.atom)
        repeat = {(0, None): "*", (1, None): "+", (0, 1): "?"}.get((p.low, p.high))
        if repeat is None:
            repeat = f"{{{p.low}}}" if p.low == p.high else f"{{{p.low},}}" if p.high is None else f"{{{p.low},{p.high}}}"
        return atom(p.atom) + repeat

    def alternatives(a: Alt) -> str:
        return "|".join("".join(piece(p) for p in branch) for branch in a.branches)

    return alternatives(tree)


def _rust_char(c: str) -> str:
    return c if c.isalnum() and c.isascii() else f"\\x{{{ord(c):X}}}"


def _rust_class(k: Cls) -> str:
    items = "".join(_rust_char_in_class(a) if a == b else f"{_rust_char_in_class(a)}-{_rust_char_in_class(b)}"
                    for a, b in k.items)
    return f"[{'^' if k.negated else ''}{items}]"


def _rust_char_in_class(c: str) -> str:
    return f"\\x{{{ord(c):X}}}"


def _python_char(c: str) -> str:
    return c if c.isalnum() and c.isascii() else f"\\U{ord(c):08X}"


def _python_class(k: Cls) -> str:
    items = "".join(f"\\U{ord(a):08X}" if a == b else f"\\U{ord(a):08X}-\\U{ord(b):08X}" for a, b in k.items)
    return f"[{'^' if k.negated else ''}{items}]"


def _durable_char(c: str) -> str:
    # durable-rules escapes with '%' ('%d' is a digit, '%%' a percent sign), so a '%' is doubled;
    # a special character is a one-character class; ']' and '^' are literal outside a class
    return "%%" if c == "%" else f"[{c}]" if c in SPECIAL - {"]", "^"} else c


# --- text as durable-rules is given it -----------------------------------------------------------


def durable_text(value: str) -> str:
    """``value`` with each control character, ``"``, ``\\`` and ``~`` moved to the private use
    area, and a value too long for durable-rules cut to its first characters and a mark."""
    encoded = value.translate(ENCODE_TABLE)
    return encoded[:LONG_KEPT] + LONG_MARK if len(encoded.encode()) > DURABLE_BYTES else encoded
