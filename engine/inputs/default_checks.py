"""The built-in episode checks, registered through the public hook like any plugin's."""

from __future__ import annotations

from ..hookspecs import hookimpl
from ..rules.columns import column_checks
from .episodes import default_checks


@hookimpl
def localpay_episode_checks(ruleset):
    return default_checks(list(ruleset.providers), list(ruleset.commissioners)) + column_checks(ruleset.rulebook)
