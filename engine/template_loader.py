"""Templates are read from their folders only: ``--templates DIR``, the area's ``templates/``,
then the built-in ones, the first folder holding the name winning.

A name is a path inside a folder (``parts/row.md.j2``): an absolute name or one going up a
folder (``..``) is refused, and so is a name that resolves, through a link anywhere on its way,
to a file outside its folder (a link in the folder to ``/etc/passwd``), or to something that is
not a file (a pipe would wait for ever). A template is UTF-8 text of a bounded size; bytes that
are not UTF-8 are an error naming the line and the byte.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from jinja2 import BaseLoader, Environment, TemplateError, TemplateNotFound


class TemplateRefused(TemplateError):
    """A template name or file that may not be used (outside its folder, not a file, not UTF-8,
    too large): an error, never a reason to look in the next folder."""


class FolderLoader(BaseLoader):
    def __init__(self, folders: list[Path], max_bytes: int):
        self.folders = [os.path.realpath(folder) for folder in folders]
        self.shown = [str(folder) for folder in folders]
        self.max_bytes = max_bytes

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        parts = _parts(template)
        for folder, shown in zip(self.folders, self.shown):
            candidate = os.path.join(folder, *parts)
            if not os.path.lexists(candidate):
                continue
            named = os.path.join(shown, *parts)
            real = os.path.realpath(candidate)
            if os.path.commonpath([real, folder]) != folder:
                raise TemplateRefused(f"template {named} leads to {real}, outside the templates folder {shown}: "
                                      "a template may not link out of its folder")
            return self._read(named, real)
        raise TemplateNotFound(template, f"no template {template!r} in {', '.join(self.shown)}")

    def _read(self, named: str, real: str) -> tuple[str, str, Callable[[], bool]]:
        try:
            fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        except OSError as error:
            raise TemplateRefused(f"template {named} cannot be read: {error.strerror}") from None
        with os.fdopen(fd, "rb") as file:
            status = os.fstat(file.fileno())
            if not stat.S_ISREG(status.st_mode):
                raise TemplateRefused(f"template {named} is not a file")
            data = file.read(self.max_bytes + 1)
        if len(data) > self.max_bytes:
            raise TemplateRefused(f"template {named} is larger than {self.max_bytes:,} bytes (LOCALPAY_TEMPLATE_MAX_SOURCE)")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data.count(b"\n", 0, error.start) + 1
            column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
            raise TemplateRefused(f"template {named}, line {line}: byte 0x{data[error.start]:02x} (column {column}) "
                                  "is not UTF-8; save the template as UTF-8") from None
        mtime = status.st_mtime_ns

        def uptodate() -> bool:
            try:
                return os.stat(real).st_mtime_ns == mtime
            except OSError:
                return False

        return text, named, uptodate


def _parts(template: str) -> list[str]:
    if not template or "\x00" in template:
        raise TemplateRefused(f"{template!r} is not a template name")
    if template.startswith("/") or os.path.isabs(template):
        raise TemplateRefused(f"template {template!r}: a template is named by its path inside the templates folder, "
                              "not an absolute path")
    parts = [part for part in template.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise TemplateRefused(f"template {template!r}: a template name may not go up a folder ('..')")
    if not parts:
        raise TemplateRefused(f"{template!r} is not a template name")
    return parts
