"""Masking of ID and phone numbers: every length, one rule for strings and frames."""

import subprocess
import sys
import textwrap
from pathlib import Path

import polars as pl
import pytest

from fupin.core.privacy import mask_id, mask_id_expr, mask_phone, mask_phone_expr

SAMPLES = (
    [
        "",
        "1",
        "12",
        "123",
        "未知",
        "不详-待核",
        "a\nb",
        " ",
        "\t",
        "110101199001011234",
        "5205261980010100X",
        "13800138000",
        "+86 138 0013 8000",
        "ID:无",
    ]
    + ["9" * n for n in range(0, 41)]
    + ["证" * n for n in range(1, 25)]
)


def _frame(values, mask_expr):
    return pl.DataFrame({"v": values}, schema={"v": pl.String}).select(mask_expr("v")).to_series().to_list()


def test_short_values_mask_in_a_memory_limited_process():
    """Short and empty values once made the star count wrap round and allocate gigabytes; a process capped
    at 3 GB of address space must mask them and exit normally."""
    code = textwrap.dedent("""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
        import polars as pl
        from fupin.core.privacy import mask_id_expr, mask_phone_expr
        df = pl.DataFrame({"id_number": ["", "1", "123456789", "1234567890"], "phone": ["", "12", "1234567", "x"]})
        print(df.select(mask_id_expr("id_number"), mask_phone_expr("phone")).rows())
    """)
    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == str([("", ""), ("*", "**"), ("*********", "*******"), ("**********", "*")])


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, ""),
        ("", ""),
        ("1", "*"),
        ("123456789", "*********"),
        ("1234567890", "**********"),
        ("12345678901", "123456*8901"),
        ("520526198001010012", "520526********0012"),
        ("未知", "**"),
    ],
)
def test_mask_id_text(value, shown):
    assert mask_id(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, ""),
        ("", ""),
        ("12", "**"),
        ("1234567", "*******"),
        ("12345678", "123*5678"),
        ("13800138000", "138****8000"),
        ("无", "*"),
    ],
)
def test_mask_phone_text(value, shown):
    assert mask_phone(value) == shown


def test_expression_keeps_null_and_masks_like_the_text_function():
    assert _frame([None, "", "123"], mask_id_expr) == [None, "", "***"]
    assert _frame(SAMPLES, mask_id_expr) == [mask_id(v) for v in SAMPLES]
    assert _frame(SAMPLES, mask_phone_expr) == [mask_phone(v) for v in SAMPLES]


def test_masked_value_never_shows_more_than_head_and_tail():
    for v in SAMPLES:
        shown = mask_id(v)
        assert len(shown) == len(v)
        assert sum(a == b for a, b in zip(shown, v, strict=True) if a != "*") <= 10
        if len(v) <= 10:
            assert set(shown) <= {"*"}
