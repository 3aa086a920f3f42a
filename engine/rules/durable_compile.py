"""Rules compiled to durable-rules definitions, and episodes turned into facts.

A condition is put in disjunctive normal form: one durable rule per conjunction. The episode a
rule is about is a *subject* fact (kind ``sj``, pattern ``e``) holding its fields; positive tests
sit on it. Each episode is also asserted as a context fact (kind ``ep``): history conditions
join the subject to them, and each negated test becomes a ``$not`` pattern ("no fact such that")
over the subject's own context fact, joined by episode id. durable-rules has no negation inside
an expression for every operator, and a fact matched by one pattern of a rule is not offered to
another pattern of the same rule, which is why the subject and its context fact are two facts.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from . import pattern
from .columnar import SUPER_CLASS_CODES, days
from .conditions import Test, tests_of
from .fields import EPOCH, Field
from .model import Rule
from .normal_form import dnf
from .vocabulary import BUILTIN

RESERVED_CLASS = f"[{chr(pattern.RESERVED.start)}-{chr(pattern.RESERVED.stop - 1)}]"
PREFIX = "f_"  # episode fields in a fact, apart from the engine's own keys
SUBJECT = "sj"  # the kind of the fact a rule is about; "ep" facts are the context


def _test(test: Test) -> dict:
    return test.op.durable(PREFIX + test.field.name, test.field, test.value)


def parts(rule: Rule) -> list[list[dict]]:
    """The durable-rules definitions of one rule, part by part: its own-field conditions (one
    definition per conjunction), then each history condition alone. The rule matches an episode
    when every part does: a fact matched by one pattern of a durable rule is never offered to
    another pattern of it, so conditions sharing one durable rule could not both see the same
    earlier period."""
    found = []
    if rule.local is not None:
        found.append([_local(conjunction) for conjunction in dnf(rule.local)])
    for h, condition in enumerate(rule.history):
        joined = condition.evaluate(f"h{h}")
        found.append([{"all": [{"e": {"$and": [{"t": SUBJECT}, *joined.subject]}}, *joined.patterns]}])
    return found


def _local(conjunction: list[tuple[Test, bool]]) -> dict:
    subject = [{"t": SUBJECT}] + [_test(t) for t, negated in conjunction if not negated]
    patterns = [{f"n{n}$not": {"$and": [{"t": "ep"}, {"episode": {"e": "episode"}}, _test(test)]}}
                for n, (test, _) in enumerate(t for t in conjunction if t[1])]
    return {"all": [{"e": {"$and": subject}}] + patterns}


def negates(rules) -> bool:
    """Whether any rule has a negated test, so episodes need their copies asserted too."""
    return any(negated for rule in rules for conjunction in dnf(rule.local) for _, negated in conjunction)


def subjects(facts: list[dict]) -> list[dict]:
    return [{**fact, "t": SUBJECT} for fact in facts if fact["t"] == "ep"]


def episode_facts(frame: pl.DataFrame, fields: dict[str, Field], patterns: Iterable[tuple[str, str]] = ()) -> list[dict]:
    """One fact per episode row: the engine's keys, then every field that has a value, encoded
    as integers and text (dates as day numbers, numbers as millionths), and for each
    ``(field, pattern)`` of a ``matches`` test whether the field's value matches it.

    durable-rules' own regular expressions answer wrongly for some patterns (``[^a-c]*.`` does
    not match "a") and refuse others, so the second evaluator reads a pattern with RE2
    (``pattern.matcher``, another engine than Polars'), and durable-rules combines that with
    the rule's other conditions."""
    engine_keys = frame.select(
        t=pl.lit("ep"), patient="patient_id", episode="episode_id", provider="provider",
        cluster=pl.col("cluster").cast(pl.Int64),
        sc=pl.col("cluster").replace_strict(SUPER_CLASS_CODES, return_dtype=pl.Int64),
        start=days("start_date"),
        # a period starting after the horizon stops on its first day (columnar.history_of alike)
        stop=pl.max_horizontal(days("until"), days("start_date")) if "until" in frame.columns else days("start_date"),
        seq=pl.col("start_date").rank("ordinal").over("patient_id").cast(pl.Int64) if "patient_id" in frame.columns else pl.lit(0),
    )
    values = frame.select([_encoded(f).alias(PREFIX + name) for name, f in fields.items() if name in frame.columns]
                          + [_matched(name, text) for name, text in sorted(set(patterns)) if name in frame.columns])
    facts = []
    for keys, row in zip(engine_keys.iter_rows(named=True), values.iter_rows(named=True)):
        keys.update((k, v) for k, v in row.items() if v is not None)
        facts.append(keys)
    return facts


def _matched(name: str, text: str) -> pl.Expr:
    found = pattern.matcher(text).fullmatch
    return pl.col(name).map_elements(lambda value: found(value) is not None, return_dtype=pl.Boolean,
                                     skip_nulls=True).alias(pattern.matched_key(PREFIX + name, text))


def patterns_of(rules: Iterable[Rule]) -> list[tuple[str, str]]:
    """Every ``(field, pattern)`` of a built-in ``matches`` test in the rules."""
    return sorted({(t.field.name, t.value) for rule in rules for t in tests_of(rule.local)
                   if t.op.name == "matches" and t.op.plugin == BUILTIN})


def _encoded(field: Field) -> pl.Expr:
    column = pl.col(field.name)
    if field.type == "date":
        return (column - pl.lit(EPOCH)).dt.total_days()
    if field.type == "cluster":
        return column.cast(pl.Int64)
    if field.type in ("text", "code"):
        return durable_text_expr(column)
    return column


def durable_text_expr(column: pl.Expr) -> pl.Expr:
    """``pattern.durable_text`` as a Polars expression."""
    encoded = column.str.replace_many(list(pattern.ENCODE), list(pattern.ENCODE.values()))
    return pl.when(encoded.str.len_bytes() > pattern.DURABLE_BYTES).then(
        encoded.str.slice(0, pattern.LONG_KEPT) + pl.lit(pattern.LONG_MARK)).otherwise(encoded)


def inexact(frame: pl.DataFrame, rules: list[Rule], fields: dict[str, Field]) -> pl.Series:
    """The episodes durable-rules cannot be given exactly: a tested text holding a character of
    the block the encoding writes (``pattern.RESERVED``), or one too long for a plugin's operator
    (which may read all of it) or for the ids the joins compare. The built-in tests read at most
    a cut value's first characters, or (``matches``) are answered by RE2 on the whole value."""
    whole = {"patient_id", "episode_id", "provider"}
    tested = set()
    for rule in rules:
        for test in tests_of(rule.local):
            tested.add(test.field.name)
            if not (test.op.plugin == BUILTIN and test.op.name in ("equals", "one_of", "missing", "present", "starts_with",
                                                                    "matches")):
                whole.add(test.field.name)
    texts = [name for name in sorted(tested) if fields[name].type in ("text", "code") and name in frame.columns]
    checks = [pl.col(name).str.contains(RESERVED_CLASS).fill_null(False) for name in texts]
    checks += [(pl.col(name).str.len_bytes() > pattern.MATCHED_BYTES).fill_null(False)
               for name in sorted(whole) if name in frame.columns and frame.schema[name] == pl.String]
    if not checks:
        return pl.Series("episode_id", [], dtype=pl.String)
    return frame.filter(pl.any_horizontal(checks))["episode_id"]


def review_facts(reviews: pl.DataFrame, episodes: pl.DataFrame) -> pl.DataFrame:
    """``patient, date``: every MHCT review and every episode start, once each."""
    starts = episodes.select(patient="patient_id", date="start_date")
    found = [starts] + ([reviews.select(patient="patient_id", date="review_date")] if reviews is not None else [])
    return pl.concat(found).unique().with_columns(date=(pl.col("date") - pl.lit(EPOCH)).dt.total_days())
