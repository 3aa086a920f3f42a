"""The national care cluster table (Monitor and NHS England, Mental health currencies and payment:
2014/15 guidance). Cluster 9 is blank and never used."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cluster:
    code: int
    name: str
    super_class: str
    review_days: int | None  # a maximum review period counted in days
    review_months: int | None  # ... or in calendar months

    @property
    def review_period(self) -> str:
        if self.review_days is not None:
            return f"{self.review_days // 7} weeks ({self.review_days} days)"
        return f"{self.review_months} months"

    @property
    def offset(self) -> str:
        """The review period as a Polars date offset ("84d", "6mo")."""
        return f"{self.review_days}d" if self.review_days is not None else f"{self.review_months}mo"


_TABLE = [
    (0, "Variance", "variance", None, 6),
    (1, "Common mental health problems (low severity)", "non-psychotic", 84, None),
    (2, "Common mental health problems (low severity with greater need)", "non-psychotic", 105, None),
    (3, "Non-psychotic (moderate severity)", "non-psychotic", None, 6),
    (4, "Non-psychotic (severe)", "non-psychotic", None, 6),
    (5, "Non-psychotic disorders (very severe)", "non-psychotic", None, 6),
    (6, "Non-psychotic disorder of over-valued ideas", "non-psychotic", None, 6),
    (7, "Enduring non-psychotic disorders (high disability)", "non-psychotic", None, 12),
    (8, "Non-psychotic chaotic and challenging disorders", "non-psychotic", None, 12),
    (10, "First episode in psychosis", "psychotic", None, 12),
    (11, "Ongoing recurrent psychosis (low symptoms)", "psychotic", None, 12),
    (12, "Ongoing or recurrent psychosis (high disability)", "psychotic", None, 12),
    (13, "Ongoing or recurrent psychosis (high symptom and disability)", "psychotic", None, 12),
    (14, "Psychotic crisis", "psychotic", 28, None),
    (15, "Severe psychotic depression", "psychotic", 28, None),
    (16, "Dual diagnosis (substance misuse and mental illness)", "psychotic", None, 6),
    (17, "Psychosis and affective disorder, difficult to engage", "psychotic", None, 6),
    (18, "Cognitive impairment (low need)", "organic", None, 12),
    (19, "Cognitive impairment or dementia (moderate need)", "organic", None, 6),
    (20, "Cognitive impairment or dementia (high need)", "organic", None, 6),
    (21, "Cognitive impairment or dementia (high physical or engagement need)", "organic", None, 6),
]

CLUSTERS: dict[int, Cluster] = {row[0]: Cluster(*row) for row in _TABLE}
UNUSED = 9
EXPECTED = "a care cluster code from 0 to 21 (9 is never used)"


def parse_cluster(value: object) -> int:
    """A cluster code as an int: 3, "3" and "03" all mean 3. Raises ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"expected {EXPECTED}, found {value!r}")
    text = str(value).strip()
    if not text.isdigit():
        raise ValueError(f"expected {EXPECTED}, found {value!r}")
    code = int(text)
    if code not in CLUSTERS:
        why = "cluster 9 is blank in the national table" if code == UNUSED else "there is no such cluster"
        raise ValueError(f"expected {EXPECTED}, found {value!r} ({why})")
    return code


def review_offsets() -> dict[int, str]:
    return {code: cluster.offset for code, cluster in CLUSTERS.items()}
