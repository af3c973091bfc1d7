"""ID-number rules (GB 11643-1999), with the values written out."""

from datetime import date

import polars as pl

from fupin.engine import idnumber
from fupin.engine.cleaning import prepare

VALID = "11010519491231002X"  # Beijing 东城, born 1949-12-31, 17th digit 2: female, check X
VALID_DIGIT = "440524188001010014"  # born 1880-01-01, 17th digit 1: male, check 4
WRONG_CHECK = "110105194912310021"


def test_check_char_of_the_first_17_digits():
    assert idnumber.check_char("11010519491231002") == "X"
    assert idnumber.check_char("44052418800101001") == "4"


def test_valid_and_invalid_numbers():
    assert idnumber.is_valid(VALID) and idnumber.is_valid(VALID_DIGIT)
    assert not idnumber.is_valid(WRONG_CHECK)
    assert not idnumber.is_valid(VALID[:-1] + "x")  # the check X is upper case once cleaned
    assert not idnumber.is_valid(VALID[:17])
    assert not idnumber.is_valid(VALID + "1")
    assert not idnumber.is_valid("+1010519491231002X")
    assert not idnumber.is_valid("1101051949123100²X")  # a digit to str.isdigit(), not to the rule
    assert not idnumber.is_valid("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X")  # Arabic-Indic digits


def test_clean_turns_typed_input_into_the_stored_spelling():
    assert idnumber.clean(" １１０１０５ １９４９１２３１００２ｘ\u3000") == VALID
    assert idnumber.clean("11010519491231002x") == VALID


def test_polars_expressions_read_check_birth_date_and_sex():
    first17 = pl.col("id").str.slice(0, 17)
    df = pl.DataFrame({"id": [VALID, VALID_DIGIT, "1101051949133100", "1101051949123100a"]}).select(
        idnumber.check_char_expr(first17).alias("check"),
        idnumber.birth_date_expr(first17).alias("birth"),
        idnumber.sex_expr(first17).alias("sex"),
    )
    assert df["check"].to_list() == ["X", "4", None, None]  # too short; a letter among the 17
    assert df["birth"].to_list() == [date(1949, 12, 31), date(1880, 1, 1), None, date(1949, 12, 31)]
    assert df["sex"].to_list()[:2] == ["2", "1"]


def test_whole_column_parse_agrees_with_the_scalar_rule():
    ids = [VALID, VALID_DIGIT, WRONG_CHECK, "11010519491231002x", "11010519491231002", "+1010519491231002X"]
    parsed = idnumber.parse_id_numbers(pl.Series(ids))
    assert parsed["_id_len"].to_list() == [18, 18, 18, 18, 17, 18]
    assert parsed["_id_ok"].to_list() == [True, True, True, False, False, False]
    assert parsed["_id_last"].to_list()[:3] == [10, 4, 1]
    assert parsed["_id_check"].to_list()[:3] == [10, 4, 10]
    assert parsed["_id_birth"].to_list()[:2] == [19491231, 18800101]
    assert parsed["_id_male"].to_list()[:2] == [False, True]
    assert parsed["_id_birth_days"][0] == (date(1949, 12, 31) - date(1970, 1, 1)).days
    for v, ok, check in zip(ids, parsed["_id_ok"], parsed["_id_check"], strict=True):
        if ok:
            assert idnumber.check_char(v[:17]) == ("X" if check == 10 else str(check))


def test_frame_parse_upgrades_15_digits_and_names_each_problem():
    raw = [
        VALID,
        "110105491231002",
        WRONG_CHECK,
        "11010519491231002X81",
        "1.10105E+17",
        "110105204912310023",
        None,
    ]
    df = idnumber.parse_ids(prepare(pl.DataFrame({"id": raw}), ["id"]), "id", date(2024, 1, 1))
    assert df["_id18"].to_list()[:3] == [VALID, VALID, WRONG_CHECK]
    assert df["_id_problem"].to_list() == [
        None,
        None,
        "id.checksum",
        "id.disability_suffix",  # grade 1 of category 8: no such category
        "id.as_number",
        "id.future",
        None,  # blank: no number, no problem (being required is the caller's rule)
    ]
    assert df["_id_expected"][2] == "X" and df["_id_sex"][0] == "2"
    assert df["_id_birth"][0] == date(1949, 12, 31)
    assert set(df["_id_problem"].drop_nulls()) <= set(idnumber.ID_MESSAGES)
