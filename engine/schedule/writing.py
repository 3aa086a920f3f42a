"""Write a contract schedule: HTML (self-contained), Markdown and PDF, each atomically, the folder
as one unit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..fileio import atomic_write, shown
from ..outfolder import seal, staged
from ..pdf import check as check_pdf, write_pdf
from ..render import make_environment, render, template_dirs, to_json
from .document import build_schedule


@dataclass(frozen=True)
class WrittenSchedule:
    document: dict
    files: list[Path]


def write_schedule(ruleset, plugins, out_dir: Path, templates: Path | None = None, pdf: bool = True) -> WrittenSchedule:
    """The schedule's files and ``manifest.json`` into ``out_dir``, written as one unit (``outfolder``);
    with ``pdf``, the PDF's system libraries are checked before anything is written."""
    if pdf:
        check_pdf()
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
            write_pdf(html, stem.with_suffix(".pdf"))
            files.append(stem.with_suffix(".pdf"))
        seal(folder.path, {"kind": "schedule", "ruleset": {"path": str(shown(ruleset.path)), "sha256": ruleset.sha256}})
    return WrittenSchedule(document, [folder.shown_as / f.name for f in files])


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split()) or "area"
