"""The ruleset fuzzer: mutations of every bundled ruleset (and of a table file a ruleset names),
each run through ``localpay validate`` in-process. None may end in a traceback or a hang: each
ends with exit code 0, 1 or 2, and exit 2 with ``localpay: error:``. The cases are seeded, so a
failure names a case that fails again; ``benchmarks/fuzz_rulesets.py`` runs many more."""

from __future__ import annotations

import pytest

from ruleset_fuzz import Case, broken, make_case, run_case, seeds

SEED = 20251207
CASES = 300
TIMEOUT = 30.0  # seconds: far beyond any case (the slowest takes well under one); only a hang reaches it


@pytest.fixture(scope="module")
def bases():
    return seeds()


def test_every_bundled_ruleset_is_a_seed_and_validates_unmutated(bases, tmp_path):
    assert {"lambeth/2025-26", "northamptonshire/2025-26", "stockport/2025-26", "suffolk/2025-26",
            "worcestershire/2025-26", "minimal", "minimal+table"} <= set(bases)
    for number, name in enumerate(sorted(bases)):
        outcome = run_case(Case(number, name, files=dict(bases[name])), tmp_path / name.replace("/", "-"), TIMEOUT)
        assert (outcome.exit_code, outcome.traceback) == (0, None), outcome.output


def test_the_same_seed_gives_the_same_cases(bases):
    assert [make_case(n, SEED, bases).files for n in range(20)] == [make_case(n, SEED, bases).files for n in range(20)]
    assert [make_case(n, SEED, bases).files for n in range(20)] != [make_case(n, SEED + 1, bases).files for n in range(20)]


def test_no_mutated_ruleset_ends_in_a_traceback_or_a_hang(bases, tmp_path):
    outcomes = [run_case(make_case(n, SEED, bases), tmp_path / str(n), TIMEOUT) for n in range(CASES)]
    failures = [f"{outcome.case.label}: {why}\n{_tail(outcome.traceback or outcome.output)}"
                for outcome in outcomes if (why := broken(outcome))]
    assert not failures, "\n\n".join(failures)
    codes = {outcome.exit_code for outcome in outcomes}
    assert codes == {0, 2}, codes  # some mutations leave a valid ruleset, most are refused; validate exits 1 only with --strict
    # the mutations reach every layer: data, YAML text, bytes and the files a ruleset names
    told = "\n".join(outcome.output for outcome in outcomes)
    for words in ("unknown key", "is not allowed in a ruleset", "not UTF-8", "expand to more than",
                  "leads", "this is not valid YAML"):
        assert words in told, words


def test_the_property_catches_a_traceback(bases, tmp_path, monkeypatch):
    import localpay.ruleset.load as load

    def fails(*args, **kwargs):
        raise TypeError("a deliberate slip")

    monkeypatch.setattr(load, "_cross_checks", fails)
    outcome = run_case(Case(0, "minimal", files=dict(bases["minimal"])), tmp_path / "x", TIMEOUT)
    assert broken(outcome) == "traceback" and "TypeError: a deliberate slip" in (outcome.traceback or "")


def _tail(text: str) -> str:
    return "\n".join(line[:300] for line in text.splitlines()[-12:])
