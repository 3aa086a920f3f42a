"""The assessments file read, parsed and checked in one pass that keeps only typed columns: the
bad rows read again for the text their exceptions quote, every row accounted for, and HoNOS
items read only when something asks for them."""

import polars as pl

from localpay.inputs.assessments import read_assessments

HEADER = "patient_id,provider,assessment_date,tool,cluster,total,item_1,item_2,item_13,notes\n"


def _write(tmp_path, rows: str):
    path = tmp_path / "assessments.csv"
    path.write_text(HEADER + rows)
    return path


def test_bad_rows_quote_their_text_and_every_row_is_accounted_for(tmp_path):
    path = _write(tmp_path, "".join([
        "P1,RT2,2025-06-10,MHCT,3,,,,,\n",             # 1 good
        'P2,RT2,"2025-06-31",MHCT,3,,,,,"a, b"\n',     # 2 a date that does not exist
        "P3,RT2,01/06/2025,honos,,12,2,4,9,\n",        # 3 good (UK date, lower-case tool)
        "P4,RZZ,2025-06-10,MHCT,03,,,,,\n",            # 4 not a party
        "P5,RT2,2025-06-10,HoNOS,,49,,,,\n",           # 5 a HoNOS total above 48
        " P6 ,RT2, 2025-06-11 ,MHCT,21,,,,,\n",        # 6 good once trimmed
        "P7,RT2,2025-06-12,HoNOS,,12,x,1,,\n",         # 7 item 1 not a score (when items are read)
    ]))
    read = read_assessments(path, ["RT2"], items=(1, 2))
    assert read.rows_read == 7
    # good + bad = read, and the usable rows keep the file's order
    assert read.usable["row"].to_list() == [1, 3, 6]
    assert read.usable.height + read.exceptions["row"].n_unique() == read.rows_read
    found = read.exceptions.sort("row").select("row", "column", "value", "reason_code").rows()
    assert found == [(2, "assessment_date", "2025-06-31", "bad_date"), (4, "provider", "RZZ", "unknown_provider"),
                     (5, "total", "49", "bad_total"), (7, "item_1", "x", "bad_item")]
    assert read.exceptions.filter(pl.col("row") == 2)["reason"].item() == (
        "expected a date written YYYY-MM-DD or DD/MM/YYYY (a four-digit year, from 1900 to 2100; a time, if any, must "
        "be midnight), found '2025-06-31'")
    usable = read.usable
    assert usable.columns == ["row", "patient_id", "provider", "assessment_date", "tool", "cluster", "total",
                              "item_1", "item_2"]
    assert usable.schema["item_1"] == pl.Int8 and usable.schema["cluster"] == pl.Int8
    assert usable.rows()[1] == (3, "P3", "RT2", __import__("datetime").date(2025, 6, 1), "HoNOS", None, 12, 2, 4)
    assert usable["patient_id"].to_list() == ["P1", "P3", "P6"]


def test_items_nobody_reads_are_neither_kept_nor_checked(tmp_path):
    path = _write(tmp_path, "P7,RT2,2025-06-12,HoNOS,,12,x,1,,\n")
    read = read_assessments(path, ["RT2"])
    assert read.exceptions.is_empty()
    assert read.usable.columns == ["row", "patient_id", "provider", "assessment_date", "tool", "cluster", "total"]


def test_an_item_the_file_lacks_is_not_invented(tmp_path):
    path = _write(tmp_path, "P3,RT2,2025-06-01,HoNOS,,12,2,4,9,\n")
    read = read_assessments(path, ["RT2"], items=(1, 5))
    assert read.usable.columns[-1] == "item_1" and "item_5" not in read.usable.columns
