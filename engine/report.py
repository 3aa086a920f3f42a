"""What the CLI prints: a ruleset's terms, a run's headline figures, the installed plugins."""

from __future__ import annotations

import polars as pl

from .errors import PluginError
from .manager import Plugins
from .money import format_money, pence_to_decimal
from .plugin_values import ScheduleSection
from .pipeline import RunResult
from .reconcile import NO_ACTIVITY
from .rules import describe
from .rules.lint import RuleWarning
from .ruleset import Ruleset
from .schedule.sections import schedule_sections
from .statement.writing import Written


def describe_ruleset(ruleset: Ruleset, plugins: Plugins) -> str:
    doc = ruleset.document
    out = [
        f"{ruleset.path}: valid",
        f"{doc.area}: {doc.title}" + (f", version {doc.version}" if doc.version else ""),
        f"period {doc.period.start} to {doc.period.end}; status {doc.status}; "
        f"overdue reviews: {doc.settings.overdue_review}; day count: {doc.settings.day_count}; "
        f"after freeze: {doc.settings.after_freeze}",
        "commissioners: " + ", ".join(f"{p.code} {p.name}" for p in doc.parties.commissioners),
        "providers: " + ", ".join(f"{p.code} {p.name}" for p in doc.parties.providers),
        f"sha256 {ruleset.sha256}",
    ]
    out += input_files_text(ruleset)
    sections = schedule_sections(ruleset, plugins)
    for arrangement in ruleset.arrangements:
        option = ruleset.option_of(arrangement)
        out += ["", f"[{arrangement.id}] option {arrangement.option} ({option.plugin})"]
        for section in (s for owner, s in sections if owner == arrangement.id):
            out += section_text(section)
    return "\n".join(out)


def input_files_text(ruleset: Ruleset) -> list[str]:
    """How the ruleset's ``inputs:`` block reads each input file, in words (nothing when it says
    nothing of how)."""
    out = []
    for name, table in ruleset.rulebook.tables if ruleset.rulebook else ():
        said = [f"encoding {table.encoding}" if table.encoding else "", f"sheet {table.sheet}" if table.sheet else ""]
        if table.columns is None and not any(said):
            continue
        said.append("columns by localpay's names" if table.columns is None else f"columns mapped ({table.columns.origin})")
        out.append(f"input file {name}: " + "; ".join(s for s in said if s))
        out += [f"  {line}" for line in (table.columns.describe() if table.columns else [])]
    return out


def rules_report(ruleset: Ruleset, warnings: list[RuleWarning]) -> str:
    """Each local rule in plain English, then the lint's warnings as file:line lines (the shape
    editors and CI logs link to)."""
    out = ["", "Rules"]
    out += [f"  [{rule.id}] {describe.rule(rule)}" for rule in ruleset.rules] or ["  (none)"]
    out += [str(w) for w in warnings]
    rules, found = len(ruleset.rules), len(warnings)
    out.append(f"{rules} rule{'s' if rules != 1 else ''}, {found} warning{'s' if found != 1 else ''}")
    return "\n".join(out)


def section_text(section: ScheduleSection) -> list[str]:
    out = [section.title]
    out += [f"  {p}" for p in section.paragraphs]
    for table in section.tables:
        widths = [max(len(str(c)) for c in column) for column in zip(table.columns, *table.rows)]
        for row in (table.columns, *table.rows):
            out.append("  " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())
    return out


def run_report(result: RunResult, written: Written) -> str:
    episodes = result.summary["episodes"]
    out = [
        f"rows read {episodes['rows_read']:,} = priced {episodes['rows_priced']:,} + excepted {episodes['rows_excepted']:,}"
        f" ({episodes['rows_trimmed']:,} priced rows had days trimmed)",
    ]
    reasons = episodes["excepted_by_reason"]
    quiet = {k: v for k, v in reasons.items() if k in NO_ACTIVITY}
    errors = {k: v for k, v in reasons.items() if k not in NO_ACTIVITY}
    if errors:
        out.append("  not priced, see exceptions.csv: " + ", ".join(f"{k} {v:,}" for k, v in errors.items()))
    if quiet:
        out.append("  nothing payable in the months: " + ", ".join(f"{k} {v:,}" for k, v in quiet.items()))
    if "assessments" in result.summary:
        a = result.summary["assessments"]
        out.append(f"assessments read {a['rows_read']:,} = used {a['rows_used']:,} + excepted {a['rows_excepted']:,}")
    if "returns" in result.summary:
        r = result.summary["returns"]
        out.append(f"returns read {r['rows_read']:,} = used {r['rows_used']:,} + excepted {r['rows_excepted']:,}")
    out += _rules_line(result)
    if result.asked_from is not None:
        out.append(f"priced from {result.months[0]}, not {result.asked_from}: a settlement in the months "
                   "sums over the months since the last one")
    out += _settlements(result)
    out.append(f"statements for {result.period} ({len(written.statements)}):")
    for s in written.statements:
        t = s["totals"]
        out.append(f"  {s['id']}: payable {format_money(t['payable'])}, held {format_money(t['held'])}, "
                   f"suspended {format_money(t['suspended'])} not payable ({t['lines']:,} lines)")
        if s["year_to_date"]:
            out.append(f"    year to date from {s['year_to_date']['from']}: payable {format_money(s['year_to_date']['total']['payable'])}")
        if s["ledger"]:
            out.append(_issued(s["ledger"]))
    ledger = written.manifest.get("ledger")
    if ledger:
        out.append(f"issued into the ledger {ledger['location']}: issue {ledger['issue']} of {ledger['area']}, "
                   f"{result.period} on {ledger['submission']} data, issued on {ledger['issued_on']}"
                   + (", the final issue of the year" if ledger["final"] else ""))
    out.append(f"written to {written.out_dir}/:")
    out += [f"  {f.name}" for f in written.files]
    return "\n".join(out)


def _issued(section: dict) -> str:
    adjustments = section["adjustments"]
    text = (f"    prior-period adjustments {format_money(adjustments['adjusted'])} ({adjustments['count']:,} lines); "
            f"net payable {format_money(section['net_payable'])}")
    if adjustments["reported"]:
        text += f"; reported after freeze, not paid, {format_money(adjustments['reported'])}"
    if section.get("reconciliation"):
        text += "; the year reconciles" if section["reconciliation"]["balanced"] else "; the year does NOT reconcile"
    return text


def _settlements(result: RunResult) -> list[str]:
    """Each settlement in the statement month, and any measure withheld pending data."""
    month = result.lines.filter((pl.col("period") == result.period.label) & (pl.col("unit") == "settlement"))
    out = [f"settlement {r['arrangement']}: {format_money(pence_to_decimal(r['amount']))} ({r['note']})"
           for r in month.sort("arrangement").iter_rows(named=True)]
    measures = result.details.get("measures")
    if measures is not None:
        withheld = measures.filter((pl.col("period") == result.period.label) & (pl.col("status") != "scored"))
        out += [f"  measure {r['arrangement']}/{r['measure']} withheld pending data: {r['note']}"
                for r in withheld.sort("arrangement", "measure").iter_rows(named=True)]
    return out


def _rules_line(result: RunResult) -> list[str]:
    stats = result.rule_stats
    if not stats.get("rules"):
        return []
    flagged = result.exceptions.filter(pl.col("action") == "flagged").height
    excluded = result.exceptions.filter(pl.col("reason_code") == "rule_excluded").height
    checked = stats.get("cross_checked_people", 0)
    engines = (f"columnar in Polars, {checked:,} people cross-checked in durable-rules" if stats["rules_polars"] and checked
               else "columnar in Polars, no cross-check" if stats["rules_polars"] else "all in durable-rules")
    return [f"local rules: {stats['rules']} ({engines}) matched {stats['episodes_matched']:,} episodes; "
            f"{excluded:,} excluded, {flagged:,} flagged for validation"]


def plugins_report(plugins: Plugins) -> dict:
    error = None
    try:
        options = plugins.options
    except PluginError as clash:
        options, error = {}, str(clash)
    by_plugin: dict[str, list] = {}
    for option in options.values():
        by_plugin.setdefault(option.plugin, []).append({"name": option.name, "summary": option.summary})
    result = {
        "plugins": [
            {"name": info.name, "source": info.source, "hooks": list(info.hooks),
             "options": by_plugin.get(info.name, []) + _by_module(by_plugin, info.name)}
            for info in plugins.describe()
        ],
        "failed": [{"name": f.name, "error": f.error} for f in plugins.failures],
    }
    if error:
        result["error"] = error
    return result


def _by_module(by_plugin: dict, name: str) -> list:
    """Options are owned by the module that declared them; an entry point's plugin may be a
    package whose submodule declares them."""
    return [o for module, opts in by_plugin.items() if module != name and module.startswith(name + ".") for o in opts]
