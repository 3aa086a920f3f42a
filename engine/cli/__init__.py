"""The ``localpay`` command: a thin shell over ``localpay.api``."""

from .app import cli, main

__all__ = ["cli", "main"]
