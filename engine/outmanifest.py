"""An output folder's ``manifest.json``: written last, listing every file with its SHA-256, and
checked (``verify``) before a folder is replaced and after a run is stopped."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from . import __version__
from .fileio import atomic_write

MANIFEST = "manifest.json"


def seal(folder: Path, about: dict) -> dict:
    """Write ``manifest.json``: ``about`` and every file under ``folder`` with its SHA-256, but
    those in a subfolder with a manifest of its own (a unit written by another command)."""
    outputs = {p.relative_to(folder).as_posix(): sha256_of(p) for p in sorted(folder.rglob("*"))
               if p.is_file() and p != folder / MANIFEST and unit_of(folder, p) is None}
    manifest = {"engine": {"name": "localpay", "version": __version__}, **about, "outputs": outputs}
    atomic_write(folder / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest


def verify(folder: Path) -> list[str]:
    """What is wrong with an output folder: a listed file missing or changed, a file not listed
    (unless it lies in a subfolder with a manifest of its own that verifies). None: it verifies."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        found = sorted(p.name for p in folder.iterdir())[:3] if folder.is_dir() else []
        return [f"it has no readable {MANIFEST}" + (f" and holds {', '.join(found)}" if found else "")]
    outputs = manifest.get("outputs") if isinstance(manifest, dict) else None
    if not isinstance(outputs, dict) or (manifest.get("engine") or {}).get("name") != "localpay":
        return [f"its {MANIFEST} is not a localpay manifest"]
    problems = []
    for name, digest in outputs.items():
        path = folder / name
        if not path.is_file() or path.is_symlink():
            problems.append(f"{name} is listed but missing")
        elif sha256_of(path) != digest:
            problems.append(f"{name} changed after localpay wrote it")
    nested: dict[Path, list[str]] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_dir() and not path.is_symlink() or rel in outputs or rel == MANIFEST:
            continue
        unit = unit_of(folder, path)
        if unit is None:
            problems.append(f"{rel} is not listed")
        elif folder / unit not in nested:
            nested[folder / unit] = verify(folder / unit)
            problems += [f"{unit.as_posix()}/{p}" for p in nested[folder / unit]]
    return problems


def unit_of(folder: Path, path: Path) -> Path | None:
    """The outermost subfolder of ``folder`` holding ``path`` that has a manifest of its own."""
    return next((p for p in reversed(path.relative_to(folder).parents) if str(p) != "."
                 and (folder / p / MANIFEST).is_file()), None)


def ledger_of(folder: Path) -> str | None:
    try:
        ledger = json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("ledger")
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(ledger, dict):
        return None
    return f"issue {ledger.get('issue')} of {ledger.get('area')} into {ledger.get('location')}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
