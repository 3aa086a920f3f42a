"""An output folder's ``manifest.json``: written last, listing every file with its SHA-256, and
checked (``verify``) before a folder is replaced and after a run is stopped."""

from __future__ import annotations

import json
from pathlib import Path

from . import __version__
from .fileio import atomic_write, file_sha256

MANIFEST = "manifest.json"


def seal(folder: Path, about: dict) -> dict:
    """Write ``manifest.json``: ``about`` and every file under ``folder`` with its SHA-256, but
    those in a subfolder with a manifest of its own (a unit written by another command), and under
    ``units`` each such subfolder, at any depth, with its manifest's SHA-256: only a unit listed
    there is taken for part of this folder."""
    outputs = {p.relative_to(folder).as_posix(): file_sha256(p) for p in sorted(folder.rglob("*"))
               if p.is_file() and p != folder / MANIFEST and unit_of(folder, p) is None}
    units = units_in(folder)
    manifest = {"engine": {"name": "localpay", "version": __version__}, **about, "outputs": outputs,
                **({"units": units} if units else {})}
    atomic_write(folder / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest


def units_in(folder: Path) -> dict[str, str]:
    """Each subfolder of ``folder`` (at any depth) with a manifest of its own, and its manifest's SHA-256."""
    return {p.parent.relative_to(folder).as_posix(): file_sha256(p) for p in sorted(folder.rglob(MANIFEST))
            if p != folder / MANIFEST and p.is_file() and not p.is_symlink()}


def verify(folder: Path, units: dict[str, str] | None = None) -> list[str]:
    """What is wrong with an output folder: a listed file missing or changed, a file not listed
    (unless it lies in a subfolder with a manifest of its own that verifies and that this
    folder's manifest, or ``units`` from the folder holding it, lists with that manifest's
    SHA-256). None: it verifies."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        found = sorted(p.name for p in folder.iterdir())[:3] if folder.is_dir() else []
        return [f"it has no readable {MANIFEST}" + (f" and holds {', '.join(found)}" if found else "")]
    outputs = manifest.get("outputs") if isinstance(manifest, dict) else None
    if not isinstance(outputs, dict) or (manifest.get("engine") or {}).get("name") != "localpay":
        return [f"its {MANIFEST} is not a localpay manifest"]
    listed = {**(units or {}), **(manifest.get("units") if isinstance(manifest.get("units"), dict) else {})}
    problems = []
    for name, digest in outputs.items():
        path = folder / name
        if not path.is_file() or path.is_symlink():
            problems.append(f"{name} is listed but missing")
        elif file_sha256(path) != digest:
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
            name = unit.as_posix()
            if name not in listed:
                nested[folder / unit] = [f"{name}/ holds an output folder this one's {MANIFEST} does not list"]
            elif file_sha256(folder / unit / MANIFEST) != listed[name]:
                nested[folder / unit] = [f"{name}/{MANIFEST} changed after localpay wrote it"]
            else:
                inner = {k[len(name) + 1:]: v for k, v in listed.items() if k.startswith(name + "/")}
                nested[folder / unit] = [f"{name}/{p}" for p in verify(folder / unit, inner)]
            problems += nested[folder / unit]
    return problems


def relist(folder: Path, name: str) -> None:
    """After the unit ``folder/name`` was written again on its own: if ``folder``'s manifest
    lists it, that listing is brought up to date, so ``folder`` still verifies."""
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    units = manifest.get("units") if isinstance(manifest, dict) else None
    if not isinstance(units, dict) or name not in units:
        return
    kept = {k: v for k, v in units.items() if k != name and not k.startswith(name + "/")}
    fresh = {f"{name}/{k}": v for k, v in units_in(folder / name).items()}
    manifest["units"] = dict(sorted({**kept, name: file_sha256(folder / name / MANIFEST), **fresh}.items()))
    atomic_write(path, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


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


