"""The contract schedule's sections, gathered through ``localpay_schedule_sections``.

The built-in implementation below answers with each option's own ``describe``, so a payment
option's terms and a plugin's additions reach the schedule the same way.
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import PluginError
from ..hookspecs import hookimpl
from ..plugin_values import ScheduleSection


@hookimpl
def localpay_schedule_sections(ruleset, arrangement):
    option = ruleset.option_of(arrangement)
    return [replace(option.describe(arrangement, ruleset), own=True)]


def schedule_sections(ruleset, plugins) -> list[tuple[str, ScheduleSection]]:
    """(arrangement id, section) in the ruleset's order; within an arrangement, the option's
    own section, then the rest by title."""
    sections = []
    for arrangement in ruleset.arrangements:
        found = plugins.manager.hook.localpay_schedule_sections(ruleset=ruleset, arrangement=arrangement)
        mine = [s for answer in found for s in (answer or ())]
        for section in mine:
            if not isinstance(section, ScheduleSection):
                raise PluginError(f"localpay_schedule_sections returned {section!r}, not a ScheduleSection")
        mine.sort(key=lambda s: (not s.own, s.title))
        sections += [(arrangement.id, s) for s in mine]
    return sections
