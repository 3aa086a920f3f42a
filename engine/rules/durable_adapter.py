"""The one place localpay talks to durable-rules, and the traps it handles.

* A ``Host`` starts background dispatch threads: ``_QuietHost`` starts none, so every action
  runs synchronously inside the call that asserted its facts.
* An *event* fires one rule only: everything is asserted as *facts*, so every rule matches.
* A fact identical to one already in the session, or whose id collides with another's in the
  engine's 32-bit hash, is rejected (``MessageObservedException``), and the batch it came in is
  left half-asserted with its actions unrun: the session is dropped and the batch asserted again
  under fresh ids, never silently lost.
* At most 1,024 live sessions per ruleset: every session is deleted when its facts are done.
* An exception raised inside an action is swallowed by the engine: actions here are wrapped,
  errors collected and raised again after the call.
* No thread safety: one engine at a time per process, behind a lock; each run registers its
  rulesets under fresh names and deletes them after, so runs and tests share no state.
* ``Decimal`` (and dates) are not accepted: facts hold only integers, text and booleans.
* A fact that matches no rule raises: every ruleset gets a catch-all rule. It completes on every
  fact and so runs an (empty) Python action per fact, the largest single cost of the stage; a
  catch-all that never completes would be cheaper, but the partial matches it leaves corrupt
  the engine's memory ("free(): invalid pointer"), so it is not used.
* In an ``$and``, a test that refers to another pattern's fact and comes after an ``$or`` is
  ignored: every ``$and`` is reordered so its ``$or`` tests come last.
* A match already queued and then retracted by a later fact (a "no fact such that" pattern
  becoming false) takes other rules' queued matches of the same facts with it. A session is
  asserted in two phases: the context facts first, then the subjects the rules are about, so
  every fact a negation could see is present before any rule can match.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import durable_rules_engine
from durable.engine import Host, MessageNotHandledException, MessageObservedException

from ..errors import LocalpayError

_LOCK = threading.Lock()
_NAMES = itertools.count()
MAX_ATTEMPTS = 8
CATCH_ALL = "catch_all"


class RulesEngineError(LocalpayError):
    """durable-rules failed or an action raised; the run stops rather than lose an outcome."""


class _QuietHost(Host):
    def _run(self) -> None:  # the base class starts two timer threads here
        pass


Action = Callable[[object], None]


class Engine:
    """Rulesets registered in a fresh host; ``assert_session`` runs one session's facts."""

    def __init__(self, rulesets: dict[str, dict[str, tuple[dict, Action]]]):
        self.errors: list[BaseException] = []
        self.retries = 0
        self.sessions = 0
        self._sids = itertools.count()
        self.names = {name: f"localpay_{next(_NAMES)}_{name}" for name in rulesets}
        self.host = _QuietHost()
        definitions = {}
        for name, rules in rulesets.items():
            body = {rule: {**ors_last(definition), "run": self._guard(action)} for rule, (definition, action) in rules.items()}
            body[CATCH_ALL] = {"all": [{"m": {"$ex": {"t": 1}}}], "run": nothing}
            definitions[self.names[name]] = body
        try:
            self.host.register_rulesets(definitions)
        except Exception as error:
            raise RulesEngineError(f"durable-rules refused the compiled rules: {error}") from None

    def _guard(self, action: Action) -> Action:
        def run(closure) -> None:
            try:
                action(closure)
            except BaseException as error:  # the engine would swallow it; keep it to raise later
                self.errors.append(error)
        return run

    def assert_session(self, ruleset: str, subjects: list[dict], context: Sequence[dict] = (),
                       id_of: Callable[[int, int], str] | None = None) -> None:
        """Assert ``context`` then ``subjects`` (facts, each with a ``t`` kind) as one session,
        run every action, then delete the session. ``id_of(position, attempt)`` names each fact
        (tests use it to force a hash collision)."""
        name = self.names[ruleset]
        facts = list(context) + list(subjects)
        id_of = id_of or _fact_id
        for attempt in range(MAX_ATTEMPTS):
            sid = f"{next(self._sids)}"
            for i, fact in enumerate(facts):  # the facts are the caller's to give: named in place
                fact["sid"], fact["id"] = sid, id_of(i, attempt)
            try:
                for phase in (facts[:len(context)], facts[len(context):]):
                    if phase:
                        self.host.assert_facts(name, phase)
            except TypeError as error:  # raised by its JSON encoding, before that phase is asserted
                self._forget(name, sid)
                raise RulesEngineError(f"a fact holds a value durable-rules cannot take ({error}); it takes "
                                       "integers, text and booleans only (money as integer pence, dates as "
                                       "day numbers)") from None
            except MessageObservedException:
                self._forget(name, sid)
                self.retries += 1
                continue
            except MessageNotHandledException as error:  # cannot happen with the catch-all
                self._forget(name, sid)
                raise RulesEngineError(f"durable-rules could not handle a fact: {error.message}") from None
            self._forget(name, sid)
            self.sessions += 1
            self._raise_collected()
            return
        raise RulesEngineError(f"durable-rules rejected a batch of {len(facts)} facts {MAX_ATTEMPTS} times "
                               "as already observed; no outcome was recorded for it")

    def _forget(self, name: str, sid: str) -> None:
        try:
            self.host.delete_state(name, sid)
        except durable_rules_engine.error:  # no state: nothing of the session was asserted
            pass

    def _raise_collected(self) -> None:
        if self.errors:
            first, self.errors = self.errors[0], []
            raise RulesEngineError(f"a rule action failed: {type(first).__name__}: {first}") from first

    def close(self) -> None:
        for name in self.names.values():
            ruleset = self.host._ruleset_directory.pop(name, None)
            if ruleset is not None:
                durable_rules_engine.delete_ruleset(ruleset._handle)


@contextmanager
def engine(rulesets: dict[str, dict[str, tuple[dict, Action]]]) -> Iterator[Engine]:
    """A fresh engine for one run, holding the process-wide lock while it lives."""
    with _LOCK:
        running = Engine(rulesets)
        try:
            yield running
        finally:
            running.close()


def ors_last(expression):
    """The same definition with every ``$and`` list's ``$or`` items moved to its end."""
    if isinstance(expression, list):
        return [ors_last(item) for item in expression]
    if not isinstance(expression, dict):
        return expression
    result = {key: ors_last(value) for key, value in expression.items()}
    if isinstance(result.get("$and"), list):
        items = result["$and"]
        result["$and"] = [i for i in items if not _is_or(i)] + [i for i in items if _is_or(i)]
    return result


def _is_or(item) -> bool:
    return isinstance(item, dict) and "$or" in item


def _fact_id(position: int, attempt: int) -> str:
    return f"{position}" if attempt == 0 else f"{position}~{attempt}"


def nothing(closure) -> None:
    pass
