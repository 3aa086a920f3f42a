"""How a run reads each input file: the ruleset's ``inputs:`` block, and the run's ``--columns``
preset for the files the ruleset maps no columns for."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .presets import preset
from .reading import TableOptions

if TYPE_CHECKING:
    from ..pipeline import Inputs
    from ..ruleset import Ruleset


def read_tables(ruleset: Ruleset, inputs: Inputs) -> tuple[tuple[str, TableOptions], ...]:
    """Each input table's ``TableOptions``: the ruleset's, with ``--columns`` applied to each
    table the ruleset gives no ``columns:`` for and the preset maps. None for files localpay
    wrote in its own columns (``Inputs.own_columns``). The episodes' options carry the columns the
    ruleset declares as dates (read as Excel serial dates where a workbook holds a number)."""
    dates = tuple(f.name for f in (ruleset.rulebook.declared.values() if ruleset.rulebook else ()) if f.type == "date")
    if inputs.own_columns:
        return (("episodes", TableOptions(dates=dates)),) if dates else ()
    tables = dict(ruleset.rulebook.tables) if ruleset.rulebook else {}
    if inputs.columns:
        names = ["episodes", "assessments", *inputs.tables]
        for name in names:
            given = tables.get(name, TableOptions())
            if given.columns is None:
                mapping = preset(inputs.columns, name, f"the {inputs.columns} preset (--columns {inputs.columns})")
                if mapping is not None:
                    tables[name] = TableOptions(given.encoding, given.sheet, mapping)
    if dates:
        tables["episodes"] = replace(tables.get("episodes", TableOptions()), dates=dates)
    return tuple(tables.items())
