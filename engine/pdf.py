"""PDF output: WeasyPrint lays out a document's HTML for print (A4, the page size and margins in
the document's own stylesheet).

WeasyPrint needs system libraries (GLib, Pango and pangoft2, HarfBuzz and its subsetter,
fontconfig) and at least one font. A command that will write a PDF calls ``check`` before it
computes any money or writes any file, so a missing one is a clear ``localpay: error:`` naming
the Debian package that brings it, never a traceback (nor, for a missing font, a crash) from the
middle of writing. The check runs once in a process."""

from __future__ import annotations

import contextlib
import functools
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from .errors import LocalpayError
from .fileio import atomic_write


class PdfUnavailable(LocalpayError):
    """The PDF output cannot be made on this machine: a system library or a font is missing."""


@dataclass(frozen=True)
class Library:
    name: str  # as WeasyPrint names it in its error (``cannot load library 'libpango-1.0-0'``)
    package: str  # the Debian package that brings it
    names: tuple[str, ...]  # the names it is loaded by (Linux, macOS, and as WeasyPrint tries them)


def _library(name: str, stem: str, so: str, package: str) -> Library:
    return Library(name, package, (name, f"{stem}-{so}", stem, f"lib{stem}.so.{so}", f"lib{stem}.{so}.dylib",
                                   f"lib{stem}.dylib"))


# in the order WeasyPrint loads them
LIBRARIES = (
    _library("libgobject-2.0-0", "gobject-2.0", "0", "libglib2.0-0"),
    _library("libpango-1.0-0", "pango-1.0", "0", "libpango-1.0-0"),
    _library("libharfbuzz-0", "harfbuzz", "0", "libharfbuzz0b"),
    _library("libharfbuzz-subset-0", "harfbuzz-subset", "0", "libharfbuzz-subset0"),
    _library("libfontconfig-1", "fontconfig", "1", "libfontconfig1"),
    _library("libpangoft2-1.0-0", "pangoft2-1.0", "0", "libpangoft2-1.0-0"),
)
FONT_PACKAGE = "fonts-dejavu-core"  # the statements' and the schedule's font, DejaVu Sans
WAY_ROUND = "install it, or run again with --no-pdf"


def check() -> None:
    """Raise ``PdfUnavailable`` unless WeasyPrint imports and lays out a line of text here."""
    problem = _problem()
    if problem:
        raise PdfUnavailable(problem)


@functools.cache
def _problem() -> str | None:
    try:
        import cffi
    except ImportError as error:
        return _python_package(error)
    missing = [library for library in LIBRARIES if not _loads(cffi.FFI(), library)]
    if missing:
        return _needs(missing)
    try:
        # WeasyPrint prints its own advice on stdout when a library fails to load, and warns
        # (rather than fails) when fontconfig finds no font: it would crash laying out text
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            from weasyprint import HTML
    except ImportError as error:
        return _python_package(error)
    except OSError as error:
        return _from_error(error)
    if any("fonts" in str(w.message).lower() and "fontconfig" in str(w.message).lower() for w in said):
        return f"the PDF output needs a font (Debian package {FONT_PACKAGE}: apt-get install {FONT_PACKAGE}); {WAY_ROUND}"
    try:
        HTML(string="<p>localpay £1.00</p>", url_fetcher=_fetcher()).write_pdf()
    except (OSError, ImportError) as error:
        return _from_error(error)
    return None


def _loads(ffi, library: Library) -> bool:
    for name in library.names:
        try:
            ffi.dlopen(name)
            return True
        except OSError:
            continue
    return False


def _needs(missing: list[Library]) -> str:
    names = " and ".join(library.name for library in missing)
    packages = " and ".join(library.package for library in missing)
    plural = "ies" if len(missing) > 1 else "y"
    return (f"the PDF output needs the system librar{plural} {names} (Debian package{'s' if len(missing) > 1 else ''} "
            f"{packages}: apt-get install {' '.join(library.package for library in missing)}); "
            f"install {'them' if len(missing) > 1 else 'it'}, or run again with --no-pdf")


def _from_error(error: BaseException) -> str:
    """A library WeasyPrint could not load, from its error; another failure, in its own words."""
    text = str(error)
    for library in LIBRARIES:
        if any(f"'{name}'" in text for name in library.names):
            return _needs([library])
    return f"the PDF output cannot be made here: {text}; {WAY_ROUND}"


def _python_package(error: ImportError) -> str:
    return (f"the PDF output needs the Python package weasyprint, which does not import ({error}): "
            "pip install weasyprint; or run again with --no-pdf")


def _fetcher():
    """A document's resources are all inside it (styles, charts as inline SVG): a link to
    anything else is not fetched, so making a PDF never reaches the network or reads a file."""
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # WeasyPrint before 66 takes a function
        return _data_only
    return URLFetcher(allowed_protocols={"data"})


def _data_only(url: str, *args, **kwargs) -> dict:
    if url.startswith("data:"):
        from weasyprint.urls import default_url_fetcher

        return default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"not fetched: {url[:80]}")


def write_pdf(html: str, path: Path) -> str:
    """``html`` laid out as a PDF at ``path`` (written atomically); the SHA-256 of the file. The
    same HTML gives the same bytes: WeasyPrint writes no date unless the document states one."""
    check()
    from weasyprint import HTML

    return atomic_write(path, HTML(string=html, base_url=None, url_fetcher=_fetcher()).write_pdf())
