"""Poverty measures over any frame: Foster–Greer–Thorbecke (FGT) and Alkire–Foster (AF), by group.

- FGT (Foster, Greer & Thorbecke 1984): P_α = Σ w_i · ((z − y_i)/z)^α · [y_i < z] / Σ w_i for α = 0, 1, 2
  (headcount, poverty gap, squared gap). `weight` = None counts rows (households); pass a size column
  (e.g. `members`) to count persons. Rows with a null income or weight are left out.
- AF (Alkire & Foster 2011, "Counting and multidimensional poverty measurement", J. Public Econ. 95):
  deprivation g_ij ∈ {0,1} per indicator j; weights w_j normalised to sum 1; deprivation score
  c_i = Σ_j w_j g_ij; poor if c_i ≥ k (k a share in (0, 1]; with d equal weights, k = count/d).
  H = q/n, A = mean c_i over the poor, M0 = H·A; censored headcount h_j = share of people poor and deprived
  in j; contribution_j = w_j h_j / M0 (×100). For indicators given as (column, cutoff) the normalised
  gaps (z_j − y_ij)/z_j also give M1 and M2. Rows with any null indicator are left out (complete cases).
"""

from __future__ import annotations

import polars as pl

_EPS = 1e-9


def _as_expr(x: float | str | pl.Expr) -> pl.Expr:
    if isinstance(x, pl.Expr):
        return x
    if isinstance(x, str):
        return pl.col(x)
    return pl.lit(float(x), pl.Float64)


def fgt(
    df: pl.DataFrame | pl.LazyFrame,
    income: str | pl.Expr,
    line: float | str | pl.Expr,
    *,
    weight: str | pl.Expr | None = None,
    by: str | list[str] | None = None,
) -> pl.DataFrame:
    """P0, P1, P2 (shares, 0–1) with `population` (Σ weight) and `poor` (Σ weight of the poor), per group."""
    y, z = _as_expr(income).cast(pl.Float64), _as_expr(line).cast(pl.Float64)
    w = _as_expr(weight).cast(pl.Float64) if weight is not None else pl.lit(1.0)
    lf = df.lazy().with_columns(y.alias("_y"), z.alias("_z"), w.alias("_w"))
    lf = lf.filter(pl.col("_y").is_not_null() & pl.col("_w").is_not_null() & pl.col("_z").is_not_null())
    gap = (
        pl.when(pl.col("_y") < pl.col("_z")).then((pl.col("_z") - pl.col("_y")) / pl.col("_z")).otherwise(0.0)
    )
    lf = lf.with_columns(gap.alias("_g"), (pl.col("_y") < pl.col("_z")).cast(pl.Float64).alias("_p"))
    aggs = [
        pl.col("_w").sum().alias("population"),
        (pl.col("_w") * pl.col("_p")).sum().alias("poor"),
        ((pl.col("_w") * pl.col("_p")).sum() / pl.col("_w").sum()).alias("P0"),
        ((pl.col("_w") * pl.col("_g")).sum() / pl.col("_w").sum()).alias("P1"),
        ((pl.col("_w") * pl.col("_g") ** 2).sum() / pl.col("_w").sum()).alias("P2"),
    ]
    if by is None:
        return lf.select(aggs).collect()
    by = [by] if isinstance(by, str) else list(by)
    return lf.group_by(by).agg(aggs).sort(by).collect()


def deprivation(column: str, cutoff: float | str | pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Deprived when `column` < cutoff, and the normalised gap (z − y)/z (0 when not deprived)."""
    y, z = pl.col(column).cast(pl.Float64), _as_expr(cutoff).cast(pl.Float64)
    deprived = y < z
    return deprived, pl.when(deprived).then((z - y) / z).otherwise(0.0)


def alkire_foster(
    df: pl.DataFrame | pl.LazyFrame,
    indicators: dict[str, pl.Expr | tuple[str, float | str | pl.Expr]],
    k: float,
    *,
    weights: dict[str, float] | None = None,
    weight: str | pl.Expr | None = None,
    by: str | list[str] | None = None,
) -> pl.DataFrame:
    """The AF measures per group.

    `indicators`: name → a boolean expression (true = deprived), or (column, cutoff) meaning deprived when
    column < cutoff (this form also yields gaps for M1/M2). `weights`: name → weight (default equal);
    normalised to sum 1. `k`: poverty cutoff as a share of the weighted indicators (e.g. 1/3).
    `weight`: a person weight column (e.g. household size), default 1 per row.

    Output per group: population, poor, H, A, M0, M1, M2 (null unless every indicator has a cutoff), and
    per indicator j: `uncensored_<j>` (share deprived), `censored_<j>` (share poor and deprived) and
    `contribution_<j>` (% of M0).
    """
    names = list(indicators)
    weights = weights or {n: 1.0 for n in names}
    total = sum(weights[n] for n in names)
    wn = {n: weights[n] / total for n in names}
    dep, gaps = {}, {}
    for n, spec in indicators.items():
        if isinstance(spec, tuple):
            dep[n], gaps[n] = deprivation(*spec)
        else:
            dep[n] = spec
    have_gaps = len(gaps) == len(names)
    w = _as_expr(weight).cast(pl.Float64) if weight is not None else pl.lit(1.0)
    lf = df.lazy().with_columns(
        w.alias("_w"),
        *[dep[n].cast(pl.Float64).alias(f"_d_{n}") for n in names],
        *[gaps[n].alias(f"_gap_{n}") for n in gaps],
    )
    lf = lf.filter(
        pl.all_horizontal([pl.col(f"_d_{n}").is_not_null() for n in names]) & pl.col("_w").is_not_null()
    )
    score = pl.sum_horizontal([pl.col(f"_d_{n}") * wn[n] for n in names])
    lf = lf.with_columns(score.alias("_c")).with_columns(
        (pl.col("_c") >= k - _EPS).cast(pl.Float64).alias("_poor")
    )
    W, P = pl.col("_w"), pl.col("_poor")
    N = W.sum()
    aggs = [
        N.alias("population"),
        (W * P).sum().alias("poor"),
        ((W * P).sum() / N).alias("H"),
        ((W * P * pl.col("_c")).sum() / (W * P).sum()).alias("A"),
        ((W * P * pl.col("_c")).sum() / N).alias("M0"),
    ]
    if have_gaps:
        g1 = pl.sum_horizontal([pl.col(f"_gap_{n}") * wn[n] for n in names])
        g2 = pl.sum_horizontal([pl.col(f"_gap_{n}") ** 2 * wn[n] for n in names])
        aggs += [((W * P * g1).sum() / N).alias("M1"), ((W * P * g2).sum() / N).alias("M2")]
    else:
        aggs += [pl.lit(None, pl.Float64).alias("M1"), pl.lit(None, pl.Float64).alias("M2")]
    for n in names:
        d = pl.col(f"_d_{n}")
        aggs += [((W * d).sum() / N).alias(f"uncensored_{n}"), ((W * P * d).sum() / N).alias(f"censored_{n}")]
    if by is None:
        out = lf.select(aggs).collect()
        by_cols: list[str] = []
    else:
        by_cols = [by] if isinstance(by, str) else list(by)
        out = lf.group_by(by_cols).agg(aggs).sort(by_cols).collect()
    return out.with_columns(
        [
            pl.when(pl.col("M0") > 0)
            .then(wn[n] * pl.col(f"censored_{n}") / pl.col("M0") * 100)
            .alias(f"contribution_{n}")
            for n in names
        ]
    )
