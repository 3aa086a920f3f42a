"""Write a run's files: lines.csv, exceptions.csv, a statement per provider x commissioner (HTML,
Markdown, JSON and PDF), statements.xlsx and manifest.json. The same inputs give byte-identical files: nothing here
depends on the clock, the machine or the order plugins answered in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from .. import __version__
from ..csvout import write_csv
from ..fileio import atomic_write, file_sha256, shown
from ..money import micros_text_expr, pence_text_expr
from ..pipeline import RunResult
from ..frozen import freeze
from ..render import make_environment, render, template_dirs, to_json
from ..pdf import write_pdf
from .document import build_statements, is_money
from .workbook import write_workbook


@dataclass(frozen=True)
class Written:
    out_dir: Path
    files: list[Path]
    statements: list[dict]
    manifest: dict


def manifest_of(result: RunResult, command: list[str]) -> dict:
    inputs = {}
    for name, path in result.inputs.items():
        if path is not None:
            inputs[name] = {"path": str(shown(path)), "sha256": file_sha256(path)}
    inputs["episodes"]["rows"] = result.summary["episodes"]["rows_read"]
    for name in inputs:  # the assessments and every optional table given, each accounted for in the summary
        if name != "episodes" and name in result.summary:
            inputs[name]["rows"] = result.summary[name]["rows_read"]
    ruleset = result.ruleset
    return {
        "engine": {"name": "localpay", "version": __version__},
        "command": command,
        "period": result.period.label,
        "from": result.months[0].label,
        **({"from_asked": result.asked_from.label} if result.asked_from else {}),
        "ruleset": {
            "path": str(shown(ruleset.path)), "sha256": ruleset.sha256,
            "files": {Path(name).name: digest for name, digest in ruleset.file_hashes().items()},
            "options": {a.id: f"{a.option} ({ruleset.option_of(a).plugin})" for a in ruleset.arrangements},
        },
        "inputs": inputs,
    }


@dataclass(frozen=True)
class IssuedOutputs:
    """What a run issued into a ledger adds to its outputs."""

    sections: dict[tuple[str, str], dict]  # each statement's ledger section, by (provider, commissioner)
    adjustments: pl.DataFrame  # the prior-period adjustments, money in pence
    about: dict  # the ledger and the issue, for the manifest


def write_outputs(result: RunResult, out_dir: Path, command: list[str], templates: Path | None = None,
                  issued: IssuedOutputs | None = None, pdf: bool = True) -> Written:
    out_dir = Path(out_dir)
    env = make_environment(template_dirs(result.ruleset.path, templates))
    manifest = manifest_of(result, command)
    if issued:
        manifest["ledger"] = issued.about
    statements = build_statements(result, manifest, issued.sections if issued else None)
    # each file's SHA-256 taken as it is written
    digests = {"lines.csv": write_csv(out_dir / "lines.csv", lines_for_csv(result.lines), LINE_NUMBERS),
               "exceptions.csv": write_csv(out_dir / "exceptions.csv", result.exceptions)}
    if issued:
        digests["adjustments.csv"] = write_csv(out_dir / "adjustments.csv", adjustments_for_csv(issued.adjustments),
                                               ADJUSTMENT_MONEY)
    for kind, frame in result.details.items():
        digests[f"{kind}.csv"] = write_csv(out_dir / f"{kind}.csv", details_for_csv(frame), details_numbers(frame))
    for statement in statements:
        stem = out_dir / f"statement-{statement['id']}"
        data = to_json(statement)  # fixed before any template runs; templates see a frozen copy
        view = freeze(statement)
        html = render(env, "statement.html.j2", s=view)
        for suffix, text in (
            (".html", html),
            (".md", render(env, "statement.md.j2", s=view)),
            (".json", data),
        ):
            digests[stem.with_suffix(suffix).name] = atomic_write(stem.with_suffix(suffix), text)
        if pdf:
            digests[stem.with_suffix(".pdf").name] = write_pdf(html, stem.with_suffix(".pdf"))
    digests["statements.xlsx"] = write_workbook(out_dir / "statements.xlsx", statements,
                                                workbook_tables(result, issued), workbook_date(result, issued))
    files = [out_dir / name for name in digests]
    full = {**manifest, "summary": result.summary, "outputs": digests}
    atomic_write(out_dir / "manifest.json", to_json(full))
    return Written(out_dir, files + [out_dir / "manifest.json"], statements, full)


# the text columns that hold numbers: money in pounds (``-12.34``) and percentages (``-5.0%``),
# written as they are when the value is a number, never neutralised as formulas (``csvout``)
LINE_NUMBERS = ("unit_price", "option_price", "share", "value", "amount")
ADJUSTMENT_MONEY = ("was", "now", "amount")
PERCENT_COLUMNS = ("share", "rate", "completeness", "floor", "target", "weight", "achievement")


def workbook_tables(result: RunResult, issued: IssuedOutputs | None) -> list[tuple[str, str, pl.DataFrame]]:
    """The rows statements.xlsx holds beside the statements: each CSV's, columns in its order."""
    tables = [("Lines", "lines.csv", result.lines), ("Exceptions", "exceptions.csv", result.exceptions)]
    if issued:
        columns = adjustments_for_csv(issued.adjustments).columns
        tables.append(("Adjustments", "adjustments.csv", issued.adjustments.select(columns)))
    return tables


def workbook_date(result: RunResult, issued: IssuedOutputs | None) -> dt.date:
    """The date statements.xlsx says it was made, from the run rather than the clock: the date of
    issue, or (a run not issued) the statement month's last day."""
    return dt.date.fromisoformat(str(issued.about["issued_on"])) if issued else result.period.last_day


def lines_for_csv(lines: pl.DataFrame) -> pl.DataFrame:
    return lines.with_columns(
        unit_price=micros_text_expr(pl.col("unit_price")),
        option_price=micros_text_expr(pl.col("option_price")),
        value=pence_text_expr(pl.col("value")),
        amount=pence_text_expr(pl.col("amount")),
    )


def adjustments_for_csv(frame: pl.DataFrame) -> pl.DataFrame:
    """adjustments.csv: the columns in the order the README gives, money in pounds."""
    columns = ["statement_id", "adjusts_period", "arrangement", "provider", "commissioner", "episode_id", "was", "now",
               "amount", "cause", "kind", "treatment", "item"]
    return frame.select(columns).with_columns([pence_text_expr(pl.col(c)).alias(c) for c in ADJUSTMENT_MONEY])


def details_money(frame: pl.DataFrame) -> list[str]:
    """Money in details tables is integer pence (``document.is_money``), written in pounds."""
    return [c for c in frame.columns if is_money(c) and frame.schema[c] == pl.Int64]


def details_numbers(frame: pl.DataFrame) -> list[str]:
    """A details table's money, and its percentages: text columns named as ``PERCENT_COLUMNS``."""
    return details_money(frame) + [c for c in frame.columns if c in PERCENT_COLUMNS and frame.schema[c] == pl.String]


def details_for_csv(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns([pence_text_expr(pl.col(c)).alias(c) for c in details_money(frame)])
