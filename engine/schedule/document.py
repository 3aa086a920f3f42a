"""The contract schedule: a ruleset's terms as a document, laid out after the NHS Standard
Contract's schedules, from the same source the payments come from.

Everything here is read off the loaded ruleset and the installed plugins: the parties and
status, each arrangement's own terms (``localpay_schedule_sections``), the local variations in
plain English generated from their definitions, the expected annual contract value from the
activity plans, the timing of payments and the validation applied to the data. The templates
only lay it out.
"""

from __future__ import annotations

from decimal import Decimal

from ..clusters import CLUSTERS
from ..rules import describe
from ..ruleset import Ruleset
from .sections import schedule_sections

CHECK_WORDS = {
    "missing_value": "a required value is empty",
    "bad_date": "a date is not a date (YYYY-MM-DD or DD/MM/YYYY)",
    "end_before_start": "the period ends before it starts",
    "unknown_cluster": "the cluster is not a national cluster (0 to 8, 10 to 21)",
    "unknown_setting": "the setting is not community or inpatient",
    "unknown_provider": "the provider is not a party to this schedule",
    "unknown_commissioner": "the commissioner is not a party to this schedule",
    "unknown_value": "the value is not one this schedule lists for the column",
    "bad_number": "the value is not a number",
}
ROW_RULES = (
    ("malformed_row", "a record that cannot be read as a row (a value too many or too few, a stray or unclosed "
                      "quote) is set aside, named by its line in the file"),
    ("repeated_row", "a row repeated exactly is counted once"),
    ("duplicate_episode_id", "two different rows with one episode id are both set aside"),
    ("overlap", "days a person has in two periods with one provider are paid once, to the later-starting period"),
)
DAY_COUNT_WORDS = {
    "exclusive_end": "from the start date, exclusive of the end date (a move on 3 May pays the old cluster to 2 May)",
    "inclusive_end": "from the start date to the end date inclusive",
}


def build_schedule(ruleset: Ruleset, plugins) -> dict:
    doc = ruleset.document
    sections = schedule_sections(ruleset, plugins)
    arrangements = [_arrangement(ruleset, a, [s for owner, s in sections if owner == a.id]) for a in ruleset.arrangements]
    # a shadow arrangement is priced for comparison and pays nothing: not part of the contract's value
    planned = [a for a in arrangements if a["planned"] is not None and not a["shadow"]]
    return {
        "title": doc.title, "area": doc.area, "status": doc.status, "version": doc.version, "sha256": ruleset.sha256,
        "file": ruleset.path.name,
        "period": {"from": doc.period.start.isoformat(), "to": doc.period.end.isoformat()},
        "parties": {role: [{"code": p.code, "name": p.name} for p in getattr(doc.parties, role)]
                    for role in ("commissioners", "providers")},
        "arrangements": arrangements,
        "expected": {"rows": [{"arrangement": a["id"], "title": a["title"], "value": a["planned"]} for a in planned],
                     "total": sum((a["planned"] for a in planned), Decimal("0.00"))},
        "plan_chart": _plan_rows(ruleset),
        "rules": [{"id": r.id, "clause": r.clause, "text": describe.rule(r), "priority": r.priority}
                  for r in ruleset.rules],
        "timing": [{"arrangement": a["id"], "title": a["title"], "text": a["timing"]} for a in arrangements],
        "validation": _validation(ruleset, plugins),
        "clusters": [{"code": c.code, "name": c.name, "super_class": c.super_class, "review_period": c.review_period}
                     for c in CLUSTERS.values()],
    }


def _arrangement(ruleset: Ruleset, arrangement, sections) -> dict:
    option = ruleset.option_of(arrangement)
    planned = option.planned(arrangement, ruleset) if option.planned else None
    timing = option.timing(arrangement, ruleset) if option.timing else DEFAULT_TIMING
    return {
        "id": arrangement.id, "title": arrangement.label, "option": arrangement.option, "clause": arrangement.clause,
        "provider": arrangement.provider, "commissioner": arrangement.commissioner, "shadow": arrangement.shadow,
        "planned": planned, "timing": timing,
        "sections": [{"title": s.title, "paragraphs": list(s.paragraphs),
                      "tables": [{"columns": list(t.columns), "rows": [list(r) for r in t.rows]} for t in s.tables]}
                     for s in sections],
    }


DEFAULT_TIMING = "Paid monthly in arrears, on the statement for the month."


def _plan_rows(ruleset: Ruleset) -> list[dict]:
    """Planned activity for the schedule's chart, as the options declare it: each row by its
    label when one arrangement has a plan, else by arrangement and key."""
    plans = []
    for arrangement in ruleset.arrangements:
        option = ruleset.option_of(arrangement)
        rows = option.plan_rows(arrangement, ruleset) if option.plan_rows else ()
        if rows:
            plans.append((arrangement.id, rows))
    return [{"key": row.label if len(plans) == 1 else f"{owner}: {row.key}", "unit": row.unit, "planned": row.planned}
            for owner, rows in plans for row in rows]


def _option_notes(ruleset: Ruleset) -> list[str]:
    """What each option says of its validation of the data, each sentence once, in ruleset order."""
    notes: dict[str, None] = {}
    for arrangement in ruleset.arrangements:
        declared = ruleset.option_of(arrangement).validation
        notes.update(dict.fromkeys(declared(arrangement, ruleset) if declared else ()))
    return list(notes)


def _validation(ruleset: Ruleset, plugins) -> dict:
    checks = sorted({(c.code, c.column) for c in plugins.episode_checks(ruleset)})
    flags = [r for r in ruleset.rules if any(a.name in ("flag", "hold", "exclude") for a in r.then)]
    years = ruleset.settings.data_years
    words = {**CHECK_WORDS, "bad_date": f"a date is not a date (YYYY-MM-DD or DD/MM/YYYY, any time midnight, with a "
                                        f"four-digit year from {years.first} to {years.last})"}
    return {
        "checks": [{"code": code, "column": column, "text": words.get(code, code.replace("_", " "))}
                   for code, column in checks],
        "rows": [{"code": code, "text": text} for code, text in ROW_RULES],
        "notes": _option_notes(ruleset),
        "day_count": DAY_COUNT_WORDS[ruleset.settings.day_count],
        "rules": [r.id for r in flags],
    }
