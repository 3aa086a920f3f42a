"""Column mappings: an MHSDS extract (the ``mhsds`` preset, by ``--columns`` or the ruleset's
``inputs:`` block) prices exactly as the same data in localpay's own columns; every mapping
mistake is reported with its place (the ruleset's file, line and key; the data file, the column
looked for and the columns found); a declared encoding is honoured."""

import csv
import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from localpay.cli import cli
from localpay.errors import RulesetError
from localpay.ruleset.load import load_ruleset

RULESET = textwrap.dedent("""\
    format: localpay/1
    area: Testshire
    title: Test arrangement
    period: {from: 2025-04-01, to: 2026-03-31}
    status: live
    parties:
      commissioners: [{code: 00L, name: NHS Zero}, {code: 01W, name: NHS Testshire}]
      providers: [{code: RT2, name: Test Trust}]
    settings: {overdue_review: suspend}
    arrangements:
      - id: tariff
        option: cluster
        provider: RT2
        commissioner: 00L
        clause: Schedule 3A
        basis: per_day
        prices:
          2025-04-01: {3: 7.80, 4: 10.95, 11: 9.85}
    """)

# MHS803 as an extract gives it: one row per period and submission month (CC1 is in May's
# submission still open, and in June's with its end date), dates with their midnight, codes with
# their leading zeros; OrgIDComm is the referral's commissioner, RespComm a derived one
MHS803 = textwrap.dedent("""\
    UniqMonthID,UniqClustID,Person_ID,LocalPatientId,OrgIDProv,OrgIDComm,RespComm,AMHCareClustCodeFin,StartDateCareClust,EndDateCareClust
    1501,CC1,0012,L12,RT2,00L,00L,03,2025-06-01 00:00:00,
    1502,CC1,0012,L12,RT2,00L,00L,03,2025-06-01T00:00:00,2025-06-20 00:00:00
    1502,CC2,0013,L13,RT2,00L,00L,04,2025-06-05 00:00:00.000,
    1502,CC3,0014,L14,RT2,00L,00L,03,2024-09-01T00:00:00Z,
    1502,CC4,0015,L15,RT2,00L,00L,11,2025-06-10 14:30:00,
    """)
MHS801 = textwrap.dedent("""\
    UniqMonthID,Person_ID,LocalPatientId,OrgIDProv,AssToolCompDate,AMHCareClustCodeInit
    1500,0014,L14,RT2,2025-04-10T00:00:00,03
    """)
# the same data in localpay's own columns (the latest submission of each period)
OWN = textwrap.dedent("""\
    episode_id,patient_id,provider,commissioner,cluster,start_date,end_date
    CC1,0012,RT2,00L,03,2025-06-01,2025-06-20
    CC2,0013,RT2,00L,04,2025-06-05,
    CC3,0014,RT2,00L,03,2024-09-01,
    CC4,0015,RT2,00L,11,2025-06-10 14:30:00,
    """)
OWN_ASSESSMENTS = "patient_id,provider,assessment_date,tool,cluster,total\n0014,RT2,2025-04-10,MHCT,3,\n"


def invoke(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


def priced(folder: Path, ruleset: str, episodes: str, assessments: str, *extra: str) -> Path:
    folder.mkdir()
    (folder / "r.yaml").write_text(ruleset)
    (folder / "e.csv").write_text(episodes)
    (folder / "a.csv").write_text(assessments)
    result = invoke("run", folder / "r.yaml", folder / "e.csv", "--assessments", folder / "a.csv", "--period", "2025-06",
                    "--out", folder / "out", *extra)
    assert result.exit_code == 0, result.output
    return folder / "out"


def rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def own(tmp_path):
    return priced(tmp_path / "own", RULESET, OWN, OWN_ASSESSMENTS)


def test_the_own_columns_price_as_computed_by_hand(own):
    lines = {(r["episode_id"], r["status"]): (r["patient_id"], r["commissioner"], r["cluster"], r["amount"])
             for r in rows(own / "lines.csv")}
    assert lines == {
        ("CC1", "payable"): ("0012", "00L", "3", "148.20"),  # 1 to 19 June (ends 20 June): 19 days x 7.80
        ("CC2", "payable"): ("0013", "00L", "4", "284.70"),  # 5 to 30 June: 26 days x 10.95
        ("CC3", "payable"): ("0014", "00L", "3", "234.00"),  # reviewed 10 April: 30 days x 7.80
    }


@pytest.mark.parametrize("how", ["--columns", "ruleset", "override"])
def test_an_mhsds_extract_prices_as_the_same_data_in_localpays_columns(tmp_path, own, how):
    ruleset, episodes, extra = RULESET, MHS803, ()
    if how == "--columns":
        extra = ("--columns", "mhsds")
    elif how == "ruleset":
        ruleset += "inputs:\n  episodes: {columns: mhsds}\n  assessments: {columns: mhsds}\n"
    else:  # the referral's commissioner is not a party; the derived responsible one is
        ruleset += "inputs:\n  episodes: {columns: {preset: mhsds, commissioner: RespComm}}\n  assessments: {columns: mhsds}\n"
        episodes = MHS803.replace(",00L,00L,", ",XXX,00L,")
    out = priced(tmp_path / "mhsds", ruleset, episodes, MHS801, *extra)
    assert (out / "lines.csv").read_bytes() == (own / "lines.csv").read_bytes()
    excepted = [(r["row"], r["episode_id"], r["column"], r["value"], r["reason_code"], r["action"], r["reason"])
                for r in rows(out / "exceptions.csv") if r["source"] == "episodes"]
    assert excepted == [
        ("1", "CC1", "UniqMonthID", "1501", "superseded_row", "superseded",
         "a later submission of episode_id 'CC1' is in the file: row 2 of UniqMonthID 1502 is used"),
        ("5", "CC4", "StartDateCareClust", "2025-06-10 14:30:00", "bad_date", "excluded",
         "expected a date written YYYY-MM-DD or DD/MM/YYYY (a four-digit year, from 1900 to 2100; a time, if any, "
         "must be midnight), found '2025-06-10 14:30:00'"),
    ]
    summary = json.loads((out / "manifest.json").read_text())["summary"]["episodes"]
    assert (summary["rows_read"], summary["rows_priced"], summary["rows_excepted"]) == (5, 3, 2)
    command = json.loads((out / "manifest.json").read_text())["command"]
    assert ("--columns" in command) == (how == "--columns")


def test_without_the_review_the_assessments_mapping_is_what_pays_cc3(tmp_path):
    out = priced(tmp_path / "unreviewed", RULESET, MHS803, "UniqMonthID,Person_ID,OrgIDProv,AssToolCompDate,"
                 "AMHCareClustCodeInit\n", "--columns", "mhsds")
    cc3 = [(r["status"], r["amount"]) for r in rows(out / "lines.csv") if r["episode_id"] == "CC3"]
    assert cc3 == [("suspended", "0.00")]  # due for review on 1 March, never reviewed


def test_the_latest_submission_wins_whatever_the_order_and_the_same_month_still_conflicts(tmp_path):
    header = MHS803.splitlines()[0]
    episodes = "\n".join([header, "1502,CC1,0012,L12,RT2,00L,00L,03,2025-06-01,2025-06-20",
                          "1500,CC1,0012,L12,RT2,00L,00L,04,2025-05-01,",
                          "1502,CC2,0013,L13,RT2,00L,00L,04,2025-06-05,",
                          "1502,CC2,0013,L13,RT2,00L,00L,03,2025-06-05,", ""])
    out = priced(tmp_path / "m", RULESET, episodes, MHS801, "--columns", "mhsds")
    excepted = [(r["row"], r["reason_code"], r["action"]) for r in rows(out / "exceptions.csv")
                if r["source"] == "episodes"]
    assert excepted == [("2", "superseded_row", "superseded"), ("3", "duplicate_episode_id", "excluded"),
                        ("4", "duplicate_episode_id", "excluded")]
    assert [(r["episode_id"], r["amount"]) for r in rows(out / "lines.csv")] == [("CC1", "148.20")]


def test_patient_id_is_the_first_present_of_person_id_and_localpatientid(tmp_path, own):
    episodes = "\n".join(",".join(v for i, v in enumerate(line.split(",")) if i != 2)
                         for line in MHS803.splitlines()).replace(",L1", ",001") + "\n"
    out = priced(tmp_path / "local", RULESET, episodes, MHS801, "--columns", "mhsds")
    assert {r["patient_id"] for r in rows(out / "lines.csv")} == {"0012", "0013", "0014"}


# each mistake in a mapping: (the inputs block, the line, the key, the message's key part)
MISTAKES = [
    ("  episode: {columns: mhsds}\n", 20, "inputs.episode", "unknown input table 'episode'; did you mean 'episodes'?"),
    ("  episodes: {columns: nhs}\n", 20, "inputs.episodes.columns", "unknown preset 'nhs' (the presets: mhsds)"),
    ("  episodes:\n    columns: {preset: mhsd}\n", 21, "inputs.episodes.columns.preset", "unknown preset 'mhsd'"),
    ("  budgets: {columns: mhsds}\n", 20, "inputs.budgets.columns", "the mhsds preset maps no budgets file "
                                                                    "(it maps: episodes, assessments)"),
    ("  episodes:\n    columns:\n      patient: PersonId\n", 22, "inputs.episodes.columns.patient",
     "'patient' is not a column of the episodes file; did you mean 'patient_id'?"),
    ("  episodes:\n    columns:\n      provider: ''\n", 22, "inputs.episodes.columns.provider",
     "expected a column header, a list of headers (the first present) or {value: TEXT}"),
    ("  episodes:\n    columns:\n      provider: 3\n", 22, "inputs.episodes.columns.provider", "found 3"),
    ("  episodes:\n    columns:\n      provider: []\n", 22, "inputs.episodes.columns.provider", "expected a column"),
    ("  episodes:\n    columns:\n      provider: {value: ''}\n", 22, "inputs.episodes.columns.provider.value",
     "expected the value as text that is not blank (quote it: value: '5'), found ''"),
    ("  episodes:\n    columns:\n      provider: {value: 5}\n", 22, "inputs.episodes.columns.provider.value",
     "expected the value as text that is not blank (quote it: value: '5'), found 5"),
    ("  episodes:\n    columns:\n      provider: OrgIDProv\n      commissioner: orgidprov\n", 23,
     "inputs.episodes.columns.commissioner", "the column orgidprov is mapped to both provider and commissioner"),
    ("  episodes:\n    encoding: klingon\n", 21, "inputs.episodes.encoding", "unknown encoding 'klingon'"),
    ("  episodes:\n    sheet: []\n", 21, "inputs.episodes.sheet", "expected the name of a sheet"),
    ("  episodes:\n    columns: [a]\n", 21, "inputs.episodes.columns", "expected the name of a preset (mhsds)"),
    ("  assessments:\n    columns: {latest: UniqMonthID}\n", 21, "inputs.assessments.columns.latest",
     "latest needs rows with an id; only the episodes file has one"),
    ("  budgets:\n    team: text\n", 21, "inputs.budgets.team",
     "unknown key 'team' (expected: columns, encoding, sheet; only episodes declares the columns rules read)"),
    ("  episodes:\n    encoding: text\n", 21, "inputs.episodes.encoding",
     "'encoding' is a reserved key of an input table's block (columns, encoding, sheet): a column of that name "
     "cannot be declared"),
    ("  episodes: [columns]\n", 20, "inputs.episodes", "expected a mapping (columns, encoding, sheet, and the "
                                                       "columns rules read)"),
]


@pytest.mark.parametrize("block, line, key, message", MISTAKES)
def test_each_mapping_mistake_is_a_ruleset_problem_at_its_line_and_key(tmp_path, plugins, block, line, key, message):
    path = tmp_path / "r.yaml"
    path.write_text(RULESET + "inputs:\n" + block)
    with pytest.raises(RulesetError) as raised:
        load_ruleset(path, plugins.options, plugins.vocabulary, plugins.input_columns)
    [problem] = raised.value.problems
    assert (problem.file, problem.line, problem.key) == (str(path), line, key)
    assert message in problem.message


def test_validate_reports_a_mapping_mistake_and_describes_a_good_mapping(tmp_path):
    (tmp_path / "bad.yaml").write_text(RULESET + "inputs:\n  episodes:\n    columns: {patient: PersonId}\n")
    result = invoke("validate", tmp_path / "bad.yaml")
    assert result.exit_code == 2
    assert "bad.yaml, line 21 [inputs.episodes.columns.patient]: 'patient' is not a column" in result.output
    (tmp_path / "good.yaml").write_text(RULESET + "inputs:\n  episodes:\n    columns: {preset: mhsds, commissioner: "
                                                  "RespComm}\n    encoding: cp1252\n")
    result = invoke("validate", tmp_path / "good.yaml")
    assert result.exit_code == 0, result.output
    assert (f"input file episodes: encoding cp1252; columns mapped (the mhsds preset, given at {tmp_path / 'good.yaml'}, "
            "line 21 [inputs.episodes.columns])\n  episode_id <- UniqClustID\n"
            "  patient_id <- Person_ID or LocalPatientId (the first present)\n  provider <- OrgIDProv\n"
            "  commissioner <- RespComm\n") in result.output


def test_a_mapped_column_the_file_lacks_names_the_file_the_column_and_the_mapping(tmp_path):
    (tmp_path / "r.yaml").write_text(RULESET + "inputs:\n  episodes:\n    columns: {provider: [OrgIDProv, Provider "
                                               "Code]}\n")
    (tmp_path / "e.csv").write_text(OWN.replace("provider,", "Prov,"))
    result = invoke("run", tmp_path / "r.yaml", tmp_path / "e.csv", "--period", "2025-06", "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert result.output == (
        f"localpay: error: episodes file '{tmp_path / 'e.csv'}' has no column OrgIDProv or Provider Code (the first "
        "present) for provider (found: episode_id, patient_id, Prov, commissioner, cluster, start_date, end_date); "
        f"the mapping is given at {tmp_path / 'r.yaml'}, line 21 [inputs.episodes.columns]\n")


def test_a_preset_column_the_file_lacks_names_the_preset(tmp_path):
    (tmp_path / "r.yaml").write_text(RULESET)
    (tmp_path / "e.csv").write_text(MHS803.replace("Person_ID,LocalPatientId", "PersonId,PatientId"))
    result = invoke("run", tmp_path / "r.yaml", tmp_path / "e.csv", "--period", "2025-06", "--out", tmp_path / "out",
                    "--columns", "mhsds")
    assert result.exit_code == 2
    assert "has no column Person_ID or LocalPatientId (the first present) for patient_id (found: UniqMonthID, " \
           "UniqClustID, PersonId, PatientId," in result.output
    assert result.output.endswith("the mapping is the mhsds preset (--columns mhsds)\n")


def test_a_mapped_column_beside_one_of_the_fields_own_name_is_ambiguous(tmp_path):
    (tmp_path / "r.yaml").write_text(RULESET)
    (tmp_path / "e.csv").write_text(MHS803.replace("RespComm", "provider"))
    result = invoke("run", tmp_path / "r.yaml", tmp_path / "e.csv", "--period", "2025-06", "--out", tmp_path / "out",
                    "--columns", "mhsds")
    assert result.exit_code == 2
    assert ("has both OrgIDProv, mapped to provider, and a column provider of that name: it is not clear which holds "
            "provider (the mhsds preset (--columns mhsds)); remove or rename one") in result.output


def test_an_unknown_preset_on_the_command_line_lists_the_presets(tmp_path):
    (tmp_path / "r.yaml").write_text(RULESET)
    (tmp_path / "e.csv").write_text(OWN)
    result = invoke("run", tmp_path / "r.yaml", tmp_path / "e.csv", "--period", "2025-06", "--out", tmp_path / "out",
                    "--columns", "nhs")
    assert result.exit_code == 2
    assert "Invalid value for '--columns': 'nhs' is not 'mhsds'" in result.output


def test_the_rulesets_mapping_wins_over_columns_for_its_table(tmp_path, own):
    ruleset = RULESET + "inputs:\n  assessments:\n    columns: {assessment_date: Done, tool: {value: MHCT}}\n"
    assessments = OWN_ASSESSMENTS.replace("assessment_date", "Done").replace(",tool,", ",").replace(",MHCT,", ",")
    out = priced(tmp_path / "both", ruleset, MHS803, assessments, "--columns", "mhsds")
    assert (out / "lines.csv").read_bytes() == (own / "lines.csv").read_bytes()


def test_a_declared_encoding_reads_the_file_in_it_and_wins_over_the_runs(tmp_path):
    ruleset = RULESET + "inputs:\n  episodes: {encoding: cp1252}\n"
    episodes = OWN.replace("0012", "P£é€").encode("cp1252")  # € is 0x80: a control character in latin-1
    (tmp_path / "r.yaml").write_text(ruleset)
    (tmp_path / "e.csv").write_bytes(episodes)
    (tmp_path / "a.csv").write_text(OWN_ASSESSMENTS)
    result = invoke("run", tmp_path / "r.yaml", tmp_path / "e.csv", "--assessments", tmp_path / "a.csv",
                    "--period", "2025-06", "--out", tmp_path / "out", "--encoding", "latin-1")
    assert result.exit_code == 0, result.output
    assert [r["patient_id"] for r in rows(tmp_path / "out" / "lines.csv") if r["episode_id"] == "CC1"] == ["P£é€"]


def test_an_undeclared_file_not_in_utf8_is_still_refused_naming_the_byte(tmp_path):
    (tmp_path / "r.yaml").write_text(RULESET)
    (tmp_path / "e.csv").write_bytes(OWN.replace("0012", "P£").encode("cp1252"))
    result = invoke("run", tmp_path / "r.yaml", tmp_path / "e.csv", "--period", "2025-06", "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "is not valid UTF-8: line 2, column 6 has the byte 0xA3" in result.output


def test_explain_reads_through_the_preset_and_shows_the_superseded_row(tmp_path):
    (tmp_path / "r.yaml").write_text(RULESET)
    (tmp_path / "e.csv").write_text(MHS803)
    result = invoke("explain", tmp_path / "r.yaml", tmp_path / "e.csv", "--episode", "CC1", "--period", "2025-06",
                    "--columns", "mhsds")
    assert result.exit_code == 0, result.output
    assert ("row 1 superseded: superseded_row (UniqMonthID): a later submission of episode_id 'CC1' is in the file: "
            "row 2 of UniqMonthID 1502 is used") in result.output
    assert "19 days x £7.80 (price from 2025-04-01) = £148.20, payable" in result.output


@pytest.mark.parametrize("value", ['"a\\0b"', "rot13", "''", "[cp1252]", "99999", "true"])
def test_an_encoding_that_is_no_text_codec_is_a_ruleset_problem(tmp_path, plugins, value):
    path = tmp_path / "r.yaml"
    path.write_text(RULESET + f"inputs:\n  episodes:\n    encoding: {value}\n")
    with pytest.raises(RulesetError) as raised:
        load_ruleset(path, plugins.options, plugins.vocabulary, plugins.input_columns)
    [problem] = raised.value.problems
    assert (problem.line, problem.key) == (21, "inputs.episodes.encoding")


def test_an_encoding_may_be_a_code_page_number_as_a_table_files_may(tmp_path, plugins):
    path = tmp_path / "r.yaml"
    path.write_text(RULESET + "inputs:\n  episodes:\n    encoding: 1252\n")
    loaded = load_ruleset(path, plugins.options, plugins.vocabulary, plugins.input_columns)
    assert dict(loaded.rulebook.tables)["episodes"].encoding == "1252"  # Python's name for cp1252


def test_a_budgets_file_in_its_own_columns_reads_through_the_rulesets_mapping(tmp_path, plugins):
    import datetime as dt

    from localpay.inputs.budgets import read_budgets
    from localpay.inputs.reading import ReadOptions, reading

    path = tmp_path / "r.yaml"
    path.write_text(RULESET + "inputs:\n  budgets:\n    columns: {patient_id: NHSNumber, agreed_annual_amount: Annual "
                              "Budget, type: {value: notional}}\n")
    ruleset = load_ruleset(path, plugins.options, plugins.vocabulary, plugins.input_columns)
    (tmp_path / "b.csv").write_text("NHSNumber,start_date,end_date,Annual Budget,spent_to_date,commissioner\n"
                                    "0012,2025-04-01 00:00:00,,1200.00,100.00,00L\n")
    with reading(ReadOptions(tables=ruleset.rulebook.tables)):
        frame = read_budgets(tmp_path / "b.csv")
    assert frame.select("row", "patient_id", "start_date", "type", "agreed_annual_amount", "commissioner").rows() == [
        (1, "0012", dt.date(2025, 4, 1), "notional", 120000, "00L")]  # £1,200.00 is 120,000 pence


def test_a_required_column_neither_mapped_nor_in_the_file_says_the_columns_were_mapped(tmp_path):
    (tmp_path / "r.yaml").write_text(RULESET + "inputs:\n  episodes:\n    columns: {provider: OrgIDProv}\n")
    (tmp_path / "e.csv").write_text(OWN.replace("provider,", "OrgIDProv,").replace("cluster,", "Cluster Code,"))
    result = invoke("run", tmp_path / "r.yaml", tmp_path / "e.csv", "--period", "2025-06", "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert result.output == (
        f"localpay: error: episodes file '{tmp_path / 'e.csv'}' lacks the required columns: cluster (found: episode_id, "
        "patient_id, provider, commissioner, cluster code, start_date, end_date; the columns named as mapped: given at "
        f"{tmp_path / 'r.yaml'}, line 21 [inputs.episodes.columns])\n")
