"""Write a contract schedule: HTML (self-contained), Markdown and PDF, each atomically."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..fileio import atomic_write, atomic_write_with
from ..render import make_environment, render, template_dirs, to_json
from .document import build_schedule


@dataclass(frozen=True)
class WrittenSchedule:
    document: dict
    files: list[Path]


def write_schedule(ruleset, plugins, out_dir: Path, templates: Path | None = None, pdf: bool = True) -> WrittenSchedule:
    out_dir = Path(out_dir)
    env = make_environment(template_dirs(ruleset.path, templates))
    document = build_schedule(ruleset, plugins)
    stem = out_dir / f"schedule-{_slug(ruleset.document.area)}-{ruleset.path.stem}"
    data = to_json(document)  # fixed before any template runs; templates see a frozen copy
    html = render(env, "schedule.html.j2", d=document)
    files = []
    for suffix, text in ((".html", html), (".md", render(env, "schedule.md.j2", d=document)), (".json", data)):
        atomic_write(stem.with_suffix(suffix), text)
        files.append(stem.with_suffix(suffix))
    if pdf:
        files.append(_pdf(html, stem.with_suffix(".pdf")))
    return WrittenSchedule(document, files)


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split()) or "area"


def _pdf(html: str, path: Path) -> Path:
    # WeasyPrint lays out the same HTML for print: no network (the document carries its styles).
    # Imported here because it is slow to import and only the PDF needs it.
    from weasyprint import HTML

    atomic_write_with(path, lambda tmp: HTML(string=html, base_url=None).write_pdf(tmp))
    return path
