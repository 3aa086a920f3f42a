"""Column mappings shipped with localpay, by name (``columns: mhsds``, ``--columns mhsds``).

``mhsds``: a Mental Health Services Data Set extract as analysts get it. Episodes are the care
cluster table (MHS803), one row per cluster period and submission month; the commissioner is the
referral's (``OrgIDComm``, MHS101, which an extract joins), which a ruleset may replace with a
derived responsible commissioner (``columns: {preset: mhsds, commissioner: <column>}``).
Assessments are the cluster tool table (MHS801): every row is a clustering tool assessment, and
its cluster is the one recorded at the assessment (``AMHCareClustCodeInit``). HoNOS item scores
(MHS802, one row per item) are not read by the preset.
"""

from __future__ import annotations

from .columns import ColumnMap, Source

PERSON = Source(("Person_ID", "LocalPatientId"))

PRESETS: dict[str, dict[str, ColumnMap]] = {
    "mhsds": {
        "episodes": ColumnMap((
            ("episode_id", Source(("UniqClustID",))),
            ("patient_id", PERSON),
            ("provider", Source(("OrgIDProv",))),
            ("commissioner", Source(("OrgIDComm",))),
            ("cluster", Source(("AMHCareClustCodeFin",))),
            ("start_date", Source(("StartDateCareClust",))),
            ("end_date", Source(("EndDateCareClust",))),
        ), latest="UniqMonthID"),
        "assessments": ColumnMap((
            ("patient_id", PERSON),
            ("provider", Source(("OrgIDProv",))),
            ("assessment_date", Source(("AssToolCompDate",))),
            ("tool", Source(value="MHCT")),
            ("cluster", Source(("AMHCareClustCodeInit",))),
        )),
    },
}


def preset(name: str, table: str, origin: str) -> ColumnMap | None:
    """The preset's mapping of ``table`` (None when the preset maps no such table), quoting
    ``origin`` in its errors."""
    found = PRESETS[name].get(table)
    return found.with_origin(origin) if found else None
