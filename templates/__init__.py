"""Jinja templates for statements and reports (package data). Override any by name with an
area folder's ``templates/`` or ``--templates DIR``."""
