"""Write a contract schedule: HTML (self-contained), Markdown and PDF, each atomically, the folder
as one unit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..fileio import atomic_write, atomic_write_with, shown
from ..outfolder import seal, staged
from ..render import make_environment, render, template_dirs, to_json
from .document import build_schedule


@dataclass(frozen=True)
class WrittenSchedule:
    document: dict
    files: list[Path]


def write_schedule(ruleset, plugins, out_dir: Path, templates: Path | None = None, pdf: bool = True) -> WrittenSchedule:
    """The schedule's files and ``manifest.json`` into ``out_dir``, written as one unit (``outfolder``)."""
    read = [("the ruleset", ruleset.path), ("the ruleset's folder", ruleset.path.parent), ("--templates", templates)]
    with staged(Path(out_dir), "schedule", read) as folder:
        env = make_environment(template_dirs(ruleset.path, templates))
        document = build_schedule(ruleset, plugins)
        stem = folder.path / f"schedule-{_slug(ruleset.document.area)}-{ruleset.path.stem}"
        data = to_json(document)  # fixed before any template runs; templates see a frozen copy
        html = render(env, "schedule.html.j2", d=document)
        files = []
        for suffix, text in ((".html", html), (".md", render(env, "schedule.md.j2", d=document)), (".json", data)):
            atomic_write(stem.with_suffix(suffix), text)
            files.append(stem.with_suffix(suffix))
        if pdf:
            files.append(_pdf(html, stem.with_suffix(".pdf")))
        seal(folder.path, {"kind": "schedule", "ruleset": {"path": str(shown(ruleset.path)), "sha256": ruleset.sha256}})
    return WrittenSchedule(document, [folder.shown_as / f.name for f in files])


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split()) or "area"


def _pdf(html: str, path: Path) -> Path:
    # WeasyPrint lays out the same HTML for print: no network (the document carries its styles).
    # Imported here because it is slow to import and only the PDF needs it.
    from weasyprint import HTML

    atomic_write_with(path, lambda tmp: HTML(string=html, base_url=None).write_pdf(tmp))
    return path
