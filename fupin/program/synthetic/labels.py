"""Code indices drawn by the generator → the Chinese labels a person would type."""

from __future__ import annotations

import numpy as np
import polars as pl

from fupin import codes


def zh(codelist: codes.CodeList, code: str) -> str:
    return codelist.get(code).zh


def label(labels: list[str], idx: np.ndarray) -> pl.Series:
    """Code indices → their typed labels, as a string column."""
    return pl.Series(labels, dtype=pl.String).gather(pl.Series(np.asarray(idx, dtype=np.int64)))
