"""Checks made before a template's operation could make a value too large to hold.

A loop or a call is counted as it runs (``sandbox.Budget``); an operation that makes one huge
value in a single step (``'x' * 10**9``, ``'x'.center(10**10)``, ``'%0999999999d' % 1``,
``10 ** 10**8``, a ``replace`` or ``join`` that multiplies a string) would fill the memory
before any count could stop it, so its size is worked out from its operands first and the
operation refused past the limit (characters or items: ``LOCALPAY_TEMPLATE_MAX_OUTPUT``; whole
numbers: ``MAX_INT_BITS``).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import TemplateRuntimeError
from jinja2.utils import _PassArg

MAX_INT_BITS = 100_000  # about 30,000 digits: far past any figure, short of a slow multiplication

SEQUENCES = (str, bytes, list, tuple)
_SPEC_NUMBER = re.compile(r"\d+")
_PERCENT = re.compile(r"%(?:\(([^)]*)\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.)", re.S)


class LimitError(TemplateRuntimeError):
    """A template passed one of its limits."""


def check_size(size: int, limit: int, what: str = "a value") -> None:
    if size > limit:
        raise LimitError(f"{what} of {size:,} characters or items would pass the limit of {limit:,} "
                         "(LOCALPAY_TEMPLATE_MAX_OUTPUT)")


CONTAINERS = (list, tuple, dict, set, frozenset)
# a list inside a list counted as this many items besides its own: its header (about 64 bytes) is eight pointers
LIST_HEADER = 8
# filters that read any iterable into a list: one read from a generator is sized as it is read
READING = frozenset({"list", "sort", "reverse", "unique"})
# filters that write their input as text (``str(value)``): a nested list's text can be far larger than the list
STRINGIFYING = frozenset({"capitalize", "center", "e", "escape", "forceescape", "format", "indent", "lower", "pprint",
                          "replace", "safe", "string", "striptags", "title", "tojson", "trim", "truncate", "upper",
                          "urlencode", "urlize", "wordcount", "wordwrap"})


def text_size(value: Any, limit: int) -> int:
    """About how many characters a value would be written as (``str(value)``), worked out
    without writing it and counted only as far as just past the limit: a string its length, a
    container the text of its items, a whole number its digits, anything else nothing here."""
    if _whole(value):
        return value.bit_length() * 3 // 10 + 2
    if not isinstance(value, (str, bytes, *CONTAINERS)):
        return 0
    stack, size = [value], 0
    while stack and size <= limit:
        item = stack.pop()
        if isinstance(item, (str, bytes)):
            size += len(item) + (2 if item is not value else 0)
        elif isinstance(item, Mapping):
            size += 2 + 4 * len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, CONTAINERS):
            size += 2 + 2 * len(item)
            stack.extend(item)
        else:
            size += 1
    return size


def check_text(value: Any, limit: int) -> None:
    """The text a value would be written as (``str(value)``) within the limit: a list repeated
    inside a list (``[['x'] * 1000] * 100000``) holds few objects but writes as 500 MB. Worked out
    without writing it, stopping as soon as it passes the limit."""
    if isinstance(value, CONTAINERS) and text_size(value, limit) > limit:
        raise LimitError(f"a value whose text passes {limit:,} characters (LOCALPAY_TEMPLATE_MAX_OUTPUT)")


def check_bits(bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise LimitError(f"a whole number of more than {MAX_INT_BITS:,} bits")


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(text: str, limit: int) -> int:
    # a width or precision in a format: a long run of digits is past any limit (and int() would refuse it)
    return int(text) if len(text) <= 18 else limit + 1


def check_binop(operator: str, left: Any, right: Any, limit: int) -> None:
    if operator == "*":
        for sequence, times in ((left, right), (right, left)):
            if isinstance(sequence, SEQUENCES) and isinstance(times, int):
                check_size(len(sequence) * max(times, 0), limit)
                return
        if _whole(left) and _whole(right) and left and right:
            check_bits(abs(left).bit_length() + abs(right).bit_length())
    elif operator == "**":
        if _whole(left) and _whole(right) and abs(left) > 1 and right > 0:
            check_bits(abs(left).bit_length() * right)
    elif operator == "+":
        if isinstance(left, SEQUENCES) and isinstance(right, SEQUENCES):
            check_size(len(left) + len(right), limit)
    elif operator == "%" and isinstance(left, (str, bytes)):
        check_percent(left, right, limit)
        for value in right if isinstance(right, tuple) else (right,):
            check_text(value, limit)


def check_percent(template: str | bytes, values: Any, limit: int) -> None:
    """``'%0999999999d' % 1`` or ``'%*d' % (10**9, 1)``: every width and precision within the
    limit; and ``'%s%s' % (s, s)``: the text made (the template, each value's text or its width,
    a value named in a mapping once for each time it is named) within the limit."""
    text = template.decode("latin-1") if isinstance(template, bytes) else template
    given = values if isinstance(values, tuple) else (values,)
    size = len(text)
    for key, width, precision, conversion in _PERCENT.findall(text):
        widest = 0
        for number in (width, precision):
            if number == "*":
                widest = max(widest, max((v for v in given if _whole(v)), default=0))
                check_size(widest, limit, "a width")
            elif number:
                widest = max(widest, _number(number, limit))
                check_size(widest, limit, "a width")
        if conversion == "%":
            continue
        if isinstance(values, Mapping):
            value_size = text_size(values.get(key), limit) if key in values else 0
        elif isinstance(values, tuple):
            value_size = 0  # the values are counted once below, each used by one conversion
        else:
            value_size = text_size(values, limit)
        size += max(widest, value_size)
    if isinstance(values, tuple):
        size += sum(text_size(value, limit) for value in values)
    check_size(size, limit, "a text")


def check_format_spec(spec: str, limit: int) -> None:
    """``'{:>999999999}'.format(1)``: every number in a format spec within the limit."""
    for number in _SPEC_NUMBER.findall(spec):
        check_size(_number(number, limit), limit, "a width")


def replaced_size(text: Any, old: Any, new: Any, count: Any) -> int:
    if not isinstance(old, (str, bytes)) or not isinstance(new, (str, bytes)):
        return len(text)
    found = len(text) + 1 if not old else text.count(old)
    if _whole(count) and count >= 0:
        found = min(found, count)
    return len(text) + found * max(len(new) - len(old), 0)


def check_method(method: Any, args: tuple, kwargs: dict, limit: int) -> tuple:
    """A string method called from a template whose result could be far larger than its
    string: its size checked first. Returns the arguments to call it with (an iterable
    joined is read once, here)."""
    owner: Any = getattr(method, "__self__", None)
    if not isinstance(owner, (str, bytes)):
        return args
    name = getattr(method, "__name__", "")
    first: Any = args[0] if args else None
    if name in ("center", "ljust", "rjust", "zfill") and _whole(first):
        check_size(first, limit)
    elif name == "expandtabs":
        tab: Any = first if _whole(first) else kwargs.get("tabsize", 8)
        check_size(len(owner) * max(tab, 1) if _whole(tab) else len(owner), limit)
    elif name == "replace" and len(args) >= 2:
        check_size(replaced_size(owner, args[0], args[1], args[2] if len(args) > 2 else kwargs.get("count", -1)), limit)
    elif name == "join" and args:
        items = list(itertools.islice(args[0], limit + 1))
        check_size(len(items), limit, "a list")
        check_size(sum(len(i) for i in items if isinstance(i, (str, bytes))) + len(owner) * max(len(items) - 1, 0), limit)
        return (items, *args[1:])
    elif name == "translate" and isinstance(first, Mapping):
        longest = max((len(v) for v in first.values() if isinstance(v, (str, bytes))), default=1)
        check_size(len(owner) * max(longest, 1), limit)
    return args


def _lines(text: object) -> int:
    return str(text).count("\n") + 1


# filter name -> a check of its arguments (the filter's own, after any context it is passed)
def _filter_checks(limit: int) -> dict[str, Callable[..., None]]:
    def center(value, width=80, *_):
        if _whole(width):
            check_size(width, limit)

    def indent(text, width=4, *_, **__):
        size = len(width) if isinstance(width, str) else width if _whole(width) else 0
        check_size(len(str(text)) + _lines(text) * size, limit)

    def format_(value, *args, **kwargs):
        check_percent(str(value), kwargs or args, limit)

    def replace(text, old, new, count=None):
        check_size(replaced_size(str(text), str(old), str(new), count if count is not None else -1), limit)

    def wordwrap(text, width=79, break_long=True, wrapstring=None, *_, **kwargs):
        wrap = kwargs.get("wrapstring", wrapstring) or "\n"
        check_size(len(str(text)) * (1 + len(str(wrap))), limit)

    def batch(value, linecount, fill_with=None):
        if fill_with is not None and _whole(linecount):
            check_size(linecount, limit, "a list")
        if _whole(linecount) and linecount > 0 and hasattr(value, "__len__"):
            # ``('x' * 10**7) | batch(1) | list``: ten million lists, each counted as its items and its header
            batches = -(-len(value) // linecount)
            check_size(len(value) + batches * (1 + LIST_HEADER), limit, "a list")

    def slice_(value, slices, fill_with=None):
        if _whole(slices):
            check_size(slices, limit, "a list")

    return {"center": center, "indent": indent, "format": format_, "replace": replace, "wordwrap": wordwrap,
            "batch": batch, "slice": slice_}


def read_sized(iterable: Any, limit: int) -> list:
    """An iterable read into a list, its size counted as it is read: each item, and each list,
    tuple, mapping or set among them as its header and its own items (``s | map('list') | list``
    makes one small list per character), refused as soon as the count passes the limit."""
    items, size = [], 0
    for item in iterable:
        size += 1
        if isinstance(item, CONTAINERS):
            size += LIST_HEADER + len(item)
        check_size(size, limit, "a list")
        items.append(item)
    return items


def guard_filters(filters: dict[str, Callable], limit: int) -> None:
    """Each filter's arguments checked before it runs (where they can multiply a value) and
    its answer checked after; ``join`` and ``sum`` read their iterable once to measure it."""
    checks = _filter_checks(limit)
    for name, function in list(filters.items()):
        filters[name] = _guarded(function, checks.get(name), name, limit)


def _guarded(function: Callable, check: Callable[..., None] | None, name: str, limit: int) -> Callable:
    passes = _PassArg.from_obj(function) is not None

    @functools.wraps(function)
    def guarded(*args, **kwargs):
        own = args[1:] if passes else args
        if name in STRINGIFYING and own:
            check_text(own[0], limit)
        if name in ("join", "sum") and own:
            items = list(itertools.islice(own[0], limit + 1))
            check_size(len(items), limit, "a list")
            if name == "join":
                for item in items:
                    check_text(item, limit)
            own = (items, *own[1:])
            args = (args[0], *own) if passes else own
            if name == "join":
                separator = own[1] if len(own) > 1 else kwargs.get("d", "")
                check_size(len(str(separator)) * max(len(items) - 1, 0), limit)
            else:
                attribute = own[1] if len(own) > 1 else kwargs.get("attribute")
                start = own[2] if len(own) > 2 else kwargs.get("start", 0)
                if attribute is None and isinstance(start, (list, tuple)) and all(type(i) is type(start) for i in items):
                    # sum() would copy the growing list once per item
                    check_size(len(start) + sum(len(i) for i in items), limit, "a list")
                    return type(start)(itertools.chain(start, *items))
        elif name in READING and own and not isinstance(own[0], (*SEQUENCES, Mapping, set, frozenset)):
            own = (read_sized(own[0], limit), *own[1:])
            args = (args[0], *own) if passes else own
        if check is not None and name not in ("join", "sum"):
            check(*own, **kwargs)
        answer = function(*args, **kwargs)
        if isinstance(answer, SEQUENCES):
            check_size(len(answer), limit)
        return answer

    return guarded
