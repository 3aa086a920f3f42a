"""The sandbox templates render in, and the limits no rendering can pass.

Templates may be written by users, so they run in Jinja's immutable sandbox (nothing private is
reached, no attribute or item is set, no list, mapping or set is changed) over a frozen copy of
their data (``frozen.freeze``), and within limits, each a setting read from the environment
when the templates are loaded:

=================================  ===========  =================================================
variable                           default      what it bounds
=================================  ===========  =================================================
``LOCALPAY_TEMPLATE_MAX_OUTPUT``   50,000,000   characters a rendering writes, and the size of any
                                                one value it makes
``LOCALPAY_TEMPLATE_MAX_ITERATIONS`` 10,000,000 loop iterations in one rendering
``LOCALPAY_TEMPLATE_SECONDS``      60           seconds one rendering may take
``LOCALPAY_TEMPLATE_MAX_DEPTH``    100          calls nested in one another (macros, recursive loops)
``LOCALPAY_TEMPLATE_MAX_SOURCE``   1,000,000    bytes of one template file
=================================  ===========  =================================================

How each is kept. Every ``for`` is compiled over a counter, every call and every value written
passes a hook, so a runaway loop, recursion or output stops at the line doing it; operations
that could make one huge value in a single step are sized first (``sandbox_guards``); and a
timer stops a rendering still running at its time wherever it is (an exception raised in the
rendering thread: no signal, so it works in any thread).
"""

from __future__ import annotations

import ctypes
import math
import os
import threading
import time
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, fields
from functools import update_wrapper
from typing import Any

from jinja2 import nodes, pass_context
from jinja2.runtime import Context, LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEscapeFormatter, SandboxedFormatter
from jinja2.utils import generate_lorem_ipsum
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

from . import escaping
from .errors import LocalpayError
from .sandbox_guards import (SEQUENCES, LimitError, check_binop, check_format_spec, check_method, check_size,
                             check_text, guard_filters)

LOOP, CONCAT = "localpay_loop", "localpay_concat"  # the filters every loop and every ~ are compiled through


@dataclass(frozen=True)
class Limits:
    max_output: int = 50_000_000
    max_iterations: int = 10_000_000
    seconds: float = 60.0
    max_depth: int = 100
    max_source: int = 1_000_000

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Limits:
        environ = os.environ if environ is None else environ
        given: dict[str, Any] = {}
        for field in fields(cls):
            variable = f"LOCALPAY_TEMPLATE_{field.name.upper()}"
            text = environ.get(variable, "").strip()
            if not text:
                continue
            try:
                value = float(text) if field.type == "float" else int(text.replace("_", ""))
            except ValueError:
                value = 0
            if not value > 0 or not math.isfinite(value):
                kind = "a number of seconds" if field.type == "float" else "a whole number"
                raise LocalpayError(f"{variable}={text!r}: expected {kind} above 0")
            given[field.name] = value
        return cls(**given)


class RenderTimeout(LimitError):
    """A rendering ran past its time (raised by the timer, so it takes no arguments)."""

    def __init__(self, message: str = "ran past its time (LOCALPAY_TEMPLATE_SECONDS)"):
        super().__init__(message)


class Budget:
    """One rendering's account: loop iterations, characters written, calls nested, time."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.deadline = time.monotonic() + limits.seconds
        self.iterations = self.written = self.depth = self.calls = 0
        self.expired = self.raised = False
        self.lock = threading.Lock()  # shared with the timer: one of the two raises the timeout, never both

    def iterate(self) -> None:
        self.iterations += 1
        if self.iterations > self.limits.max_iterations:
            raise LimitError(f"more than {self.limits.max_iterations:,} loop iterations "
                             "(LOCALPAY_TEMPLATE_MAX_ITERATIONS)")
        if not self.iterations & 0x3FF:
            self.check_time()

    def write(self, size: int) -> None:
        self.written += size
        if self.written > self.limits.max_output:
            raise LimitError(f"wrote more than {self.limits.max_output:,} characters (LOCALPAY_TEMPLATE_MAX_OUTPUT)")

    def enter(self) -> None:
        self.depth += 1
        self.calls += 1
        if self.depth > self.limits.max_depth:
            raise LimitError(f"calls nested more than {self.limits.max_depth} deep (LOCALPAY_TEMPLATE_MAX_DEPTH): "
                             "a macro calling itself without end?")
        if not self.calls & 0xFF:
            self.check_time()

    def check_time(self) -> None:
        if self.expired or time.monotonic() > self.deadline:
            with self.lock:  # the timer stops, and its exception not raised yet is withdrawn: it would land in this one's handling
                self.expired = self.raised = True
                _raise_in(threading.get_ident(), None)
            raise RenderTimeout()


BUDGET: ContextVar[Budget | None] = ContextVar("localpay_template_budget", default=None)


class Watchdog:
    """Raises ``RenderTimeout`` in the rendering thread at the deadline, even inside a long
    step no hook sees, and again every second until the rendering ends (Jinja's compiler catches
    any exception while it folds constants, so one could be lost); stopped, and any exception
    not yet raised withdrawn, when the rendering ends."""

    def __init__(self, budget: Budget):
        self.budget = budget
        self.thread = threading.get_ident()
        self.lock = budget.lock
        self.running = False
        self.stopped = threading.Event()
        self.watcher = threading.Thread(target=self._watch, name="localpay-template-timer", daemon=True)

    def __enter__(self) -> Watchdog:
        self.running = True
        self.watcher.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        with self.lock:
            if self.running:
                self.running = False
                _raise_in(self.thread, None)

    def _watch(self) -> None:
        delay = max(self.budget.deadline - time.monotonic(), 0)
        while not self.stopped.wait(delay):
            with self.lock:
                if not self.running or self.budget.raised:
                    return
                self.budget.expired = True
                _raise_in(self.thread, RenderTimeout)
            delay = 1.0  # long enough for a raised error to pass through Jinja's handling untouched


def _raise_in(thread: int, exception: type[BaseException] | None) -> None:
    set_async_exc = getattr(getattr(ctypes, "pythonapi", None), "PyThreadState_SetAsyncExc", None)
    if set_async_exc is not None:  # CPython; elsewhere the hooks' checks alone keep the time
        set_async_exc(ctypes.c_ulong(thread), ctypes.py_object(exception) if exception else None)


class _Counted:
    """A loop's iterable, each item counted against the rendering's budget."""

    __slots__ = ("source", "items", "budget")

    def __init__(self, source, budget: Budget):
        self.source, self.items, self.budget = source, iter(source), budget

    def __iter__(self):
        return self

    def __next__(self):
        item = next(self.items)
        self.budget.iterate()
        return item

    def __len__(self) -> int:
        return len(self.source)


@pass_context
def _loop(context: Context, iterable):
    budget = BUDGET.get()
    return iterable if budget is None else _Counted(iterable, budget)


class _Guard(NodeTransformer):
    """Every ``for`` over the counter, every ``~`` through a sized join, and the template's
    own text through ``finalize`` like any value, so that text written in a loop is counted."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = nodes.Filter(node.iter, LOOP, [], [], None, None, lineno=node.iter.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        items = nodes.List(node.nodes, lineno=node.lineno)
        return nodes.Filter(items, CONCAT, [], [], None, None, lineno=node.lineno)

    def visit_TemplateData(self, node: nodes.TemplateData) -> nodes.Node:
        return nodes.MarkSafe(nodes.Const(node.data, lineno=node.lineno), lineno=node.lineno)


class _BoundedFormat:
    """``str.format`` with each field sized before it is written, and the text made so far
    (``'{}{}'.format(s, s)`` writes ``s`` twice) kept within the limit before it is joined."""

    limit: int
    made: int = 0

    def vformat(self, format_string, args, kwargs):
        self.made = len(format_string)
        check_size(self.made, self.limit, "a text")
        answer = super().vformat(format_string, args, kwargs)
        check_size(len(answer), self.limit, "a text")
        return answer

    def format_field(self, value, format_spec: str):
        check_format_spec(format_spec, self.limit)
        check_text(value, self.limit)
        field = super().format_field(value, format_spec)  # type: ignore[misc]
        self.made += len(field)
        check_size(self.made, self.limit, "a text")
        return field


class _Formatter(_BoundedFormat, SandboxedFormatter):
    pass


class _EscapeFormatter(_BoundedFormat, SandboxedEscapeFormatter):
    pass


class Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with the limits above. Render through ``render.render``."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, limits: Limits, **options):
        super().__init__(finalize=_finalize, **options)
        self.limits = limits
        self.filters["join"] = escaping.join
        self.filters[CONCAT] = _concat
        guard_filters(self.filters, limits.max_output)
        self.filters[LOOP] = _loop
        self.globals["lipsum"] = self._lipsum

    def _lipsum(self, n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
        check_size(n * max * 12, self.limits.max_output, "placeholder text")
        return generate_lorem_ipsum(n, html, min, max)

    def _generate(self, source: nodes.Template, name, filename, defer_init: bool = False) -> str:
        source = _Guard().visit(source)
        source.set_environment(self)
        return super()._generate(source, name, filename, defer_init)

    def call_binop(self, context: Context, operator: str, left, right):
        check_binop(operator, left, right, self.limits.max_output)
        answer = super().call_binop(context, operator, left, right)
        if isinstance(answer, SEQUENCES):
            check_size(len(answer), self.limits.max_output, "a text" if isinstance(answer, (str, bytes)) else "a list")
        return answer

    def call(__self, __context: Context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own signature)
        budget = BUDGET.get()
        if isinstance(__obj, LoopContext) and args and budget is not None:  # a recursive loop's next level
            args = (_Counted(args[0], budget), *args[1:])
        args = check_method(__obj, args, kwargs, __self.limits.max_output)
        if budget is None:
            return super().call(__context, __obj, *args, **kwargs)
        budget.enter()
        try:
            return super().call(__context, __obj, *args, **kwargs)
        finally:
            budget.depth -= 1

    def wrap_str_format(self, value):
        if super().wrap_str_format(value) is None:
            return None
        owner, is_map = value.__self__, value.__name__ == "format_map"
        formatter = _EscapeFormatter(self, escape=owner.escape) if isinstance(owner, Markup) else _Formatter(self)
        formatter.limit = self.limits.max_output

        def wrapper(*args, **kwargs):
            if is_map:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one argument")
                args, kwargs = (), args[0]
            return type(owner)(formatter.vformat(owner, args, kwargs))

        return update_wrapper(wrapper, value)

    def render_bounded(self, name: str, context: dict) -> str:
        """The named template rendered with ``context`` within the limits."""
        budget = Budget(self.limits)
        counting, rendering = BUDGET.set(budget), escaping.RENDERING.set(escaping.format_of(name) or "html")
        try:
            with Watchdog(budget):
                return "".join(self.get_template(name).generate(**context))
        finally:
            BUDGET.reset(counting)
            escaping.RENDERING.reset(rendering)


@pass_context
def _finalize(context: Context, value):
    budget = BUDGET.get()
    if budget is not None:
        check_text(value, budget.limits.max_output)
    written = escaping.escape_for(context, value)
    if budget is not None:
        budget.write(len(written) if isinstance(written, str) else len(str(written)))
    return written


@pass_context
def _concat(context: Context, items: list):
    """``a ~ b``: as Jinja joins them (escaped for the format when any part is marked safe), sized."""
    budget = BUDGET.get()
    if budget is not None:
        for item in items:
            check_text(item, budget.limits.max_output)
    if context.eval_ctx.autoescape and any(hasattr(item, "__html__") for item in items):
        joined: str = Markup("").join(escaping.escape_for(context, item) for item in items)
    else:
        joined = "".join(str(item) for item in items)
    return joined
