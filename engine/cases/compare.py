"""A ruleset test case's expectations against the lines and exceptions a run gave, every miss
described in words a contract manager can act on (the expected line, the closest lines found,
the keys that differ).
"""

from __future__ import annotations

from typing import Any

import datetime as dt
from collections.abc import Callable

from ..money import micros_to_decimal, pence_to_decimal, to_micros
from .expect import Expect, Expectation, ExpectedLine, Totals

CLOSEST = 3  # how many near misses to show under an unmatched expectation


def compare(expect: Expect, lines: list[dict], exceptions: list[dict]) -> list[str]:
    wanted = [_expected(line) for line in expect.lines]
    failures, explained = _match("line", wanted, lines, describe_line, lambda e: _their_exceptions(e, exceptions))
    if expect.lines_exact:
        episodes = {values.get("episode_id") for values in wanted}
        everyone = any("episode_id" not in values for values in wanted)
        failures += [f"unexpected line (lines_exact): {describe_line(row)}" for index, row in enumerate(lines)
                     if index not in explained and (everyone or row["episode_id"] in episodes)]
    if expect.totals is not None:
        failures += _totals(expect.totals, lines)
    wanted = [_expected(exception) for exception in expect.exceptions]
    failures += _match("exception", wanted, exceptions, describe_exception, lambda e: _their_lines(e, lines))[0]
    if expect.no_exceptions and exceptions:
        found = "".join(f"\n  {describe_exception(row)}" for row in exceptions)
        failures.append(f"expected no exceptions, found {len(exceptions)}:{found}")
    return failures


PENCE = ("amount", "value")  # written in pounds, held in pence
MICROS = ("unit_price", "option_price")  # written in pounds, held in millionths


def _expected(model: Expectation) -> dict[str, object]:
    """The keys written, as the line holds them: money as integer pence or micros."""
    values: dict[str, Any] = model.written
    if not isinstance(model, ExpectedLine):  # an exception row's value is text, not money
        return values
    for key in PENCE:
        if values.get(key) is not None:
            values[key] = int(values[key] * 100)
    for key in MICROS:
        if values.get(key) is not None:
            values[key] = to_micros(values[key])
    if "rules" in values:
        values["rules"] = frozenset(values["rules"] or ())
    return values


def _found(key: str, value: Any) -> Any:
    return frozenset(part for part in (value or "").split(";") if part) if key == "rules" else value


def _misses(values: dict, row: dict) -> list[str]:
    """The keys on which ``row`` differs from the expectation. ``rules`` need only include the
    ids expected (an empty list: no rules at all)."""
    missed = []
    for key, wanted in values.items():
        found = _found(key, row.get(key))
        same = (wanted <= found if wanted else not found) if key == "rules" else wanted == found
        if not same:
            missed.append(key)
    return missed


def _assign(wanted: list[dict], rows: list[dict]) -> list[int | None]:
    """One row per expectation, each row used once (augmenting paths: an earlier expectation
    gives way when a later one can match nothing else)."""
    options = [[j for j, row in enumerate(rows) if not _misses(values, row)] for values in wanted]
    owner: dict[int, int] = {}

    def place(i: int, seen: set[int]) -> bool:
        for j in options[i]:
            if j not in seen:
                seen.add(j)
                if j not in owner or place(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    for i in range(len(wanted)):
        place(i, set())
    matched = {i: j for j, i in owner.items()}
    return [matched.get(i) for i in range(len(wanted))]


def _match(kind: str, wanted: list[dict], rows: list[dict], describe: Callable[[dict], str],
           elsewhere: Callable[[str], str]) -> tuple[list[str], set[int]]:
    """Failures for the expectations nothing matches, and the rows already accounted for
    (matched, or shown as the closest to a miss)."""
    assigned = _assign(wanted, rows)
    failures, explained = [], {match for match in assigned if match is not None}
    for number, (values, match) in enumerate(zip(wanted, assigned), 1):
        if match is None:
            text, shown = _no_match(kind, number, values, rows, describe, elsewhere)
            failures.append(text)
            explained |= shown
    return failures, explained


def _no_match(kind: str, number: int, values: dict, rows: list[dict], describe, elsewhere) -> tuple[str, set[int]]:
    head = f"expected {kind} {number} {_flow(values)}: no {kind} matches"
    if any(not _misses(values, row) for row in rows):
        return f"{head}\n  each {kind} that matches is already matched by another expected {kind}", set()
    episode = values.get("episode_id")
    pool = [i for i, row in enumerate(rows) if "episode_id" not in values or row["episode_id"] == episode]
    if not pool:
        whose = f" for episode {episode}" if "episode_id" in values else ""
        return f"{head}\n  there are no {kind}s{whose}{elsewhere(episode) if episode else ''}", set()
    misses = {i: _misses(values, rows[i]) for i in pool}
    fewest = min(len(missed) for missed in misses.values())
    closest = [i for i in pool if len(misses[i]) == fewest][:CLOSEST]
    body = [head]
    for i in closest:
        body.append(f"  closest {kind}: {describe(rows[i])}")
        body += [f"    {key}: expected {_show(key, values[key])}, found {_show(key, _found(key, rows[i].get(key)))}"
                 for key in misses[i]]
    return "\n".join(body), set(closest)


def _totals(totals: Totals, lines: list[dict]) -> list[str]:
    found = {
        "amount": sum(line["amount"] for line in lines),
        "payable": sum(line["amount"] for line in lines if line["status"] == "payable"),
        "held": sum(line["amount"] for line in lines if line["status"] == "held"),
        # suspended lines carry amount zero: their total is the value not paid, as on the statement
        "suspended": sum(line["value"] for line in lines if line["status"] == "suspended"),
    }
    failures = []
    for key in type(totals).model_fields:
        if key in totals.model_fields_set and int(getattr(totals, key) * 100) != found[key]:
            failures.append(f"total {key}: expected {_show('amount', int(getattr(totals, key) * 100))}, "
                            f"found {_show('amount', found[key])}")
    return failures


def _their_exceptions(episode: str, exceptions: list[dict]) -> str:
    mine = [f"{row['reason_code']} ({row['source']} row {row['row']})" for row in exceptions if row["episode_id"] == episode]
    return f"; its exceptions: {', '.join(mine)}" if mine else "; nor any exceptions"


def _their_lines(episode: str, lines: list[dict]) -> str:
    count = sum(1 for line in lines if line["episode_id"] == episode)
    return f"; it has {count} payment line{'s' if count != 1 else ''}"


def describe_line(row: dict) -> str:
    rules = f", rules {row['rules']}" if row["rules"] else ""
    return (f"{row['episode_id'] or row['arrangement']} {_show('from_date', row['from_date'])} to "
            f"{_show('to_date', row['to_date'])}: {row['quantity']} {row['unit']} at {_show('unit_price', row['unit_price'])}"
            f" = {_show('amount', row['amount'])}, {row['status']}{rules}")


def describe_exception(row: dict) -> str:
    return (f"{row['source']} row {row['row']} ({row['episode_id'] or 'no episode id'}): {row['reason_code']}, "
            f"{row['action']}: {row['reason']}")


def _flow(values: dict) -> str:
    return "{" + ", ".join(f"{key}: {_show(key, value)}" for key, value in values.items()) + "}"


def _show(key: str, value: Any) -> str:
    if key == "rules":
        return "; ".join(sorted(value)) or "none"
    if value is None:
        return "(blank)"
    if key in PENCE:
        return str(pence_to_decimal(value))
    if key in MICROS:
        return str(micros_to_decimal(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
