"""Cells as people type them, cleaned once per column (fupin/engine/cleaning.py)."""

import polars as pl

from fupin.engine.cleaning import prepare


def test_prepare_cleans_each_column_once_keeping_the_inner_spaces_of_free_text():
    df = pl.DataFrame({"name": [" 张　三 ", "ａｂ c", "  ", None], "amount": ["1 200元", "１２", "", "3"]})
    out = prepare(df, ["name", "amount"], text={"name"})
    assert out["_c_name"].to_list() == ["张 三", "ab c", None, None]  # NFKC: the ideographic space too
    assert out["_k_amount"].to_list() == ["1200元", "12", None, "3"]
    assert out.columns == ["name", "amount", "_c_name", "_k_amount"]  # the input is kept as it came


def test_prepare_without_free_text_compacts_every_column():
    out = prepare(pl.DataFrame({"name": [" 张 三 "]}), ["name"])
    assert out["_k_name"].to_list() == ["张三"]
