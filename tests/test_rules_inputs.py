"""Extra columns a ruleset declares for its rules: typed, checked, and required in the input."""

from decimal import Decimal

import polars as pl
import pytest

from conftest import CLUSTER_PER_DAY, ruleset_text
from localpay.errors import InputError

RULESET = ruleset_text(CLUSTER_PER_DAY) + """
inputs:
  episodes:
    age: number
    referred: date
rules:
  - {id: older, clause: c1, when: {age: {gte: 65.5}}, then: {uplift: 10%}}
  - {id: late-referral, clause: c2, when: {referred: {gte: 2025-06-01}}, then: {flag: late}}
"""
HEADER = "episode_id,patient_id,provider,commissioner,cluster,start_date,end_date,age,referred"


def test_declared_number_and_date_columns_are_typed_and_tested(price):
    case = price(RULESET, """
        E1,P1,RT2,01W,3,2025-06-01,2025-06-11,65.5,2025-06-01
        E2,P2,RT2,01W,3,2025-06-01,2025-06-11,65.49,31/05/2025
        E3,P3,RT2,01W,3,2025-06-01,2025-06-11,,
    """, "2025-06", header=HEADER)
    # E1 is 65.5 exactly (>= 65.5): 7.80 + 10% = 8.58 x 10 = 85.80; E2 is 65.49; E3 has no age
    assert case.lines.sort("episode_id")["amount"].to_list() == [8580, 7800, 7800]
    assert case.exceptions.filter(pl.col("reason_code") == "rule_flag")["episode_id"].to_list() == ["E1"]


def test_a_value_that_does_not_parse_excludes_the_row_with_the_reason(price):
    case = price(RULESET, """
        E1,P1,RT2,01W,3,2025-06-01,2025-06-11,sixty,2025-06-01
        E2,P2,RT2,01W,3,2025-06-01,2025-06-11,1.1234567,2025-06-31
        E3,P3,RT2,01W,3,2025-06-01,2025-06-11,40,2025-06-01
    """, "2025-06", header=HEADER)
    bad = case.exceptions.filter(pl.col("action") == "excluded").sort("row", "column")
    assert bad.select("row", "column", "value", "reason_code").rows() == [
        (1, "age", "sixty", "bad_number"), (2, "age", "1.1234567", "bad_number"), (2, "referred", "2025-06-31", "bad_date")]
    assert bad["reason"][0] == "expected a number with at most 6 decimal places, found 'sixty'"
    assert case.rows("E3")[0][4] == Decimal("78.00")


def test_a_declared_column_missing_from_the_input_stops_the_run(price):
    with pytest.raises(InputError, match="no column referred, which the ruleset declares under inputs.episodes"):
        price(RULESET, "E1,P1,RT2,01W,3,2025-06-01,2025-06-11,40", "2025-06",
              header="episode_id,patient_id,provider,commissioner,cluster,start_date,end_date,age")


def test_a_text_value_outside_the_declared_values_is_reported(price):
    ruleset = ruleset_text(CLUSTER_PER_DAY) + """
inputs:
  episodes:
    service: {type: text, values: [EIP, CMHT]}
rules:
  - {id: inpatient-eip, clause: c1, when: {setting: Inpatient, service: EIP}, then: {flag: check}}
"""
    case = price(ruleset, """
        E1,P1,RT2,01W,3,2025-06-01,2025-06-11,inpatient,EIP
        E2,P2,RT2,01W,3,2025-06-01,2025-06-11,community,EIPP
    """, "2025-06")
    bad = case.exceptions.filter(pl.col("action") == "excluded").row(0, named=True)
    assert (bad["row"], bad["reason_code"], bad["reason"]) == (
        2, "unknown_value", "'EIPP' is not one of the values the ruleset declares for service (expected one of: EIP, CMHT)")
    # a rule's setting is read in lower case, like the input's
    assert case.exceptions.filter(pl.col("action") == "flagged")["episode_id"].to_list() == ["E1"]
