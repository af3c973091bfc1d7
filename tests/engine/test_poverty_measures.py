import numpy as np
import polars as pl
import pytest

from fupin.engine.poverty_measures import alkire_foster, fgt


def test_fgt_by_hand_per_household_and_per_person():
    df = pl.DataFrame({"y": [1000.0, 2000, 3000, 5000], "n": [1, 2, 3, 4], "g": ["a", "a", "b", "b"]})
    out = fgt(df, "y", 4000).to_dicts()[0]
    # gaps (z − y)/z: 0.75, 0.5, 0.25, 0
    assert out["P0"] == pytest.approx(3 / 4)
    assert out["P1"] == pytest.approx((0.75 + 0.5 + 0.25) / 4)
    assert out["P2"] == pytest.approx((0.5625 + 0.25 + 0.0625) / 4)
    persons = fgt(df, "y", 4000, weight="n").to_dicts()[0]
    assert (persons["population"], persons["poor"]) == (10, 6)
    assert persons["P0"] == pytest.approx(6 / 10)
    assert persons["P1"] == pytest.approx((0.75 * 1 + 0.5 * 2 + 0.25 * 3) / 10)
    assert persons["P2"] == pytest.approx((0.5625 * 1 + 0.25 * 2 + 0.0625 * 3) / 10)
    by = fgt(df, "y", 4000, by="g")
    assert by["g"].to_list() == ["a", "b"]
    assert by["P0"].to_list() == pytest.approx([1.0, 0.5])
    assert by["P1"].to_list() == pytest.approx([(0.75 + 0.5) / 2, 0.25 / 2])


def test_fgt_line_from_a_column_and_nulls_left_out():
    df = pl.DataFrame({"y": [3000.0, None, 5000], "z": [4000.0, 4000, 6000]})
    out = fgt(df, "y", "z").to_dicts()[0]
    assert out["population"] == 2
    assert out["P0"] == pytest.approx(1.0)
    assert out["P1"] == pytest.approx((0.25 + 1 / 6) / 2)


# Alkire & Foster (2011), "Counting and multidimensional poverty measurement", J. Public Econ. 95(7–8),
# section 2: four persons, four dimensions — income, years of schooling, a malnourishment (BMI-style)
# score and a caste/Hindu indicator — with cutoffs z = (500, 12, 3, 1). Written out from memory of the
# paper; the expected values below are also computed by hand here.
AF_EXAMPLE = pl.DataFrame(
    {
        "income": [700.0, 300, 400, 500],
        "schooling": [14.0, 13, 10, 10],
        "nutrition": [4.0, 3, 1, 3],
        "caste": [1.0, 0, 0, 1],
    }
)
AF_INDICATORS = {
    "income": ("income", 500),
    "schooling": ("schooling", 12),
    "nutrition": ("nutrition", 3),
    "caste": ("caste", 1),
}


def test_alkire_foster_worked_example_dual_cutoff_k2():
    # deprivation matrix g0: (0,0,0,0), (1,0,0,1), (1,1,1,1), (0,1,0,0) → counts c = (0, 2, 4, 1)
    out = alkire_foster(AF_EXAMPLE, AF_INDICATORS, k=2 / 4).to_dicts()[0]
    assert out["H"] == pytest.approx(1 / 2)  # persons 2 and 3
    assert out["A"] == pytest.approx(3 / 4)  # (2 + 4) / (2 · 4)
    assert out["M0"] == pytest.approx(6 / 16)
    # censored headcounts: person 4's schooling deprivation is censored away
    assert [out[f"censored_{j}"] for j in AF_INDICATORS] == pytest.approx([0.5, 0.25, 0.25, 0.5])
    assert [out[f"uncensored_{j}"] for j in AF_INDICATORS] == pytest.approx([0.5, 0.5, 0.25, 0.5])
    assert [out[f"contribution_{j}"] for j in AF_INDICATORS] == pytest.approx(
        [100 / 3, 100 / 6, 100 / 6, 100 / 3]
    )
    # normalised gaps of the poor: person 2 (0.4, 0, 0, 1), person 3 (0.2, 1/6, 2/3, 1)
    assert out["M1"] == pytest.approx((0.4 + 1 + 0.2 + 1 / 6 + 2 / 3 + 1) / 16)
    assert out["M2"] == pytest.approx((0.16 + 1 + 0.04 + 1 / 36 + 4 / 9 + 1) / 16)


@pytest.mark.parametrize(("k", "h", "a"), [(1 / 4, 3 / 4, 7 / 12), (4 / 4, 1 / 4, 1.0)])
def test_alkire_foster_worked_example_union_and_intersection(k, h, a):
    out = alkire_foster(AF_EXAMPLE, AF_INDICATORS, k=k).to_dicts()[0]
    assert (out["H"], out["A"], out["M0"]) == pytest.approx((h, a, h * a))


def test_alkire_foster_weights_boolean_indicators_and_groups():
    df = pl.DataFrame(
        {"g": ["x", "x", "y"], "edu": [True, False, True], "med": [True, True, False], "n": [2, 1, 1]}
    )
    out = alkire_foster(
        df,
        {"edu": pl.col("edu"), "med": pl.col("med")},
        k=0.6,
        weights={"edu": 2, "med": 1},
        weight="n",
        by="g",
    )
    # scores: 1, 1/3, 2/3 → poor at k = 0.6: rows 1 (x) and 3 (y)
    x, y = out.to_dicts()
    assert (x["g"], x["population"], x["poor"], x["H"], x["A"], x["M0"]) == pytest.approx(
        ("x", 3, 2, 2 / 3, 1.0, 2 / 3)
    )
    assert (y["H"], y["A"], y["M0"]) == pytest.approx((1.0, 2 / 3, 2 / 3))
    assert x["M1"] is None  # boolean indicators have no gaps
    assert x["contribution_edu"] + x["contribution_med"] == pytest.approx(100)


def _naive_fgt(y, z, w):
    out = []
    for alpha in (0, 1, 2):
        num = 0.0
        for yi, wi in zip(y, w, strict=True):
            if yi < z:
                num += wi * ((z - yi) / z) ** alpha
        out.append(num / sum(w))
    return out


def _naive_af(x, cutoffs, weights, k, w):
    n, d = x.shape
    wsum = sum(weights)
    wn = [v / wsum for v in weights]
    total = sum(w)
    poor_w = m0 = 0.0
    cens = [0.0] * d
    for i in range(n):
        g = [1.0 if x[i, j] < cutoffs[j] else 0.0 for j in range(d)]
        c = sum(g[j] * wn[j] for j in range(d))
        if c >= k - 1e-9:
            poor_w += w[i]
            m0 += w[i] * c
            for j in range(d):
                cens[j] += w[i] * g[j]
    return poor_w / total, (m0 / poor_w if poor_w else None), m0 / total, [v / total for v in cens]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fgt_and_alkire_foster_match_a_naive_implementation_on_random_data(seed):
    rng = np.random.default_rng(seed)
    n = 500
    x = np.column_stack([rng.gamma(2, 2000, n), rng.integers(0, 16, n), rng.random(n), rng.integers(0, 2, n)])
    w = rng.integers(1, 7, n)
    groups = rng.choice(["a", "b", "c"], n)
    df = pl.DataFrame({"inc": x[:, 0], "sch": x[:, 1], "nut": x[:, 2], "cas": x[:, 3], "w": w, "g": groups})
    cut = [4000, 9, 0.3, 1]
    weights = [0.4, 0.2, 0.2, 0.2]
    k = 0.35
    got = fgt(df, "inc", 4000, weight="w", by="g")
    got_af = alkire_foster(
        df,
        {"inc": ("inc", 4000), "sch": ("sch", 9), "nut": ("nut", 0.3), "cas": ("cas", 1)},
        k=k,
        weights=dict(zip(["inc", "sch", "nut", "cas"], weights, strict=True)),
        weight="w",
        by="g",
    )
    for gname in ["a", "b", "c"]:
        sel = groups == gname
        row = got.filter(pl.col("g") == gname).to_dicts()[0]
        assert [row["P0"], row["P1"], row["P2"]] == pytest.approx(_naive_fgt(x[sel, 0], 4000, w[sel]))
        h, a, m0, cens = _naive_af(x[sel], cut, weights, k, w[sel])
        r = got_af.filter(pl.col("g") == gname).to_dicts()[0]
        assert (r["H"], r["A"], r["M0"]) == pytest.approx((h, a, m0))
        assert [r[f"censored_{j}"] for j in ["inc", "sch", "nut", "cas"]] == pytest.approx(cens)
