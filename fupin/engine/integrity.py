"""Anti-"数字脱贫" checks (防数字脱贫): exits and payments that look made on paper, as data-quality rules.

A family of `quality_rules.Rule` records (ids DQ-K…, "K. Integrity" after §11's J) evaluated like every other rule,
in one pass over a frame, their findings in the quality FINDINGS shape so they land in the same worklist:

- DQ-K1 an exit whose per-capita net income lands just above the poverty line (`integrity_just_above_pct`);
- DQ-K2 an exit with no assistance measure in the plans of the exit year or the years before it
  (`integrity_measure_years` years in all);
- DQ-K3 per-capita income that jumped over the previous year (`integrity_jump_pct`, `integrity_jump_min`)
  while most of the rise (`integrity_jump_untraced_pct`) has no source in the registry: wages with nobody
  working, business income with no business costs (property and transfer income are traced to their
  programmes);
- DQ-K4 exits recorded in a batch at the year end: the village recorded at least `integrity_batch_min`
  exits in the last `integrity_year_end_days` days of the exit year;
- DQ-K5a a payment to a registered person after their death (more than `integrity_death_grace_days` days);
- DQ-K5b a payment to a registered person who, on the payment date, belonged to no household (their
  membership had ended: moved out, removed).

An exit in year Y: the household-year of Y is exited (脱贫) and either its exit year is Y or it was
registered poor in Y − 1 (the registry's yearly status change). Payees whose ID number is nowhere in the
registry have no household to be filed under: the funds anomaly check FA-1 reports them.

Inputs (besides the registry frames of years Y − 1 and Y and the parameters):
- measures: MEASURES, one row per plan measure (assistance plans);
- exits: EXIT_RECORDS, the day the registry recorded each household-year's exited status;
- payments: PAYMENTS, household payments of the funds library (payee by ID number).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from fupin.engine import identification as ident
from fupin.engine.params import Resolved
from fupin.engine.quality import FINDINGS, evaluate
from fupin.engine.quality_rules import ERROR, SUSPECT, Rule
from fupin.engine.schema import EXITED_STATUSES, REGISTERED_POOR_STATUSES

FAMILY = "integrity"
c = pl.col

MEASURES = {"household_id": pl.Int64, "year": pl.Int64, "status": pl.String}
EXIT_RECORDS = {"household_id": pl.Int64, "year": pl.Int64, "recorded_on": pl.Date}
PAYMENTS = {"payment_id": pl.Int64, "id_number": pl.String, "amount": pl.Float64, "paid_on": pl.Date}
# A measure in this state was never carried out: it is no assistance.
STOPPED_MEASURE = "stopped"

PARAMS = (
    "poverty_line",
    "integrity_just_above_pct",
    "integrity_measure_years",
    "integrity_jump_pct",
    "integrity_jump_min",
    "integrity_jump_untraced_pct",
    "integrity_year_end_days",
    "integrity_batch_min",
    "integrity_death_grace_days",
)

# What each parameter means (policy pages): Chinese label, English label, unit.
PARAM_DEFINITIONS: dict[str, tuple[str, str, str]] = {
    "integrity_just_above_pct": ("脱贫收入“刚过线”幅度", "Exit income 'just above the line': within", "%"),
    "integrity_measure_years": (
        "脱贫户须有帮扶措施的年数",
        "Years of plans an exit needs a measure in",
        "年",
    ),
    "integrity_jump_pct": ("收入大幅增长幅度下限", "Income jump: rise of at least", "%"),
    "integrity_jump_min": ("收入大幅增长金额下限", "Income jump: rise per person of at least", "元"),
    "integrity_jump_untraced_pct": (
        "增收来源不明部分比例下限",
        "Income jump: share of the rise with no source at least",
        "%",
    ),
    "integrity_year_end_days": ("年底集中脱贫天数", "Year end: the last days of the year", "天"),
    "integrity_batch_min": ("年底集中脱贫户数下限", "Year-end batch: exits in a village at least", "户"),
    "integrity_death_grace_days": ("死亡后付款宽限天数", "Payment after death: days allowed", "天"),
}


def _money(name: str) -> pl.Expr:
    return c(name).round(0).cast(pl.Int64).cast(pl.String)


_EXIT = c("_exit_now")
HOUSEHOLD_YEAR_RULES = [
    Rule(
        "DQ-K1",
        "household_year",
        SUSPECT,
        "脱贫户人均纯收入刚刚超过贫困线",
        "an exit whose per-capita net income is just above the poverty line",
        lambda R: (
            _EXIT
            & (c("net_income_pc") >= c("poverty_line"))
            & (c("net_income_pc") < c("poverty_line") * (1 + R["integrity_just_above_pct"] / 100))
        ),
        lambda: _money("net_income_pc") + " / " + _money("poverty_line"),
        ("poverty_line", "integrity_just_above_pct"),
    ),
    Rule(
        "DQ-K2",
        "household_year",
        SUSPECT,
        "脱贫户无任何帮扶措施",
        "an exit with no assistance measure",
        lambda R: _EXIT & (c("_measures") == 0),
        lambda: c("_measure_from").cast(pl.String) + "–" + c("year").cast(pl.String),
        ("integrity_measure_years",),
    ),
    Rule(
        "DQ-K3",
        "household_year",
        SUSPECT,
        "人均纯收入大幅增长但增收来源不明",
        "per-capita income jumped with no source for the rise",
        lambda R: (
            (c("_prev_pc") > 0)
            & (c("_rise_pc") >= R["integrity_jump_min"])
            & (c("_rise_pc") >= c("_prev_pc") * R["integrity_jump_pct"] / 100)
            & (c("_untraced") >= c("_rise") * R["integrity_jump_untraced_pct"] / 100)
        ),
        lambda: _money("_prev_pc") + " → " + _money("net_income_pc"),
        ("integrity_jump_pct", "integrity_jump_min", "integrity_jump_untraced_pct"),
    ),
    Rule(
        "DQ-K4",
        "household_year",
        SUSPECT,
        "年底集中批量脱贫",
        "one of a batch of exits recorded at the year end",
        lambda R: (
            _EXIT
            & (
                c("_recorded_on")
                > c("_year_end") - pl.duration(days=R["integrity_year_end_days"].cast(pl.Int64))
            )
            & (c("_recorded_on") <= c("_year_end"))
            & (c("_batch") >= R["integrity_batch_min"])
        ),
        lambda: c("_recorded_on").cast(pl.String) + " ×" + c("_batch").cast(pl.String),
        ("integrity_year_end_days", "integrity_batch_min"),
    ),
]

MEMBER_RULES = [
    Rule(
        "DQ-K5a",
        "member",
        ERROR,
        "向已死亡人员付款",
        "a payment to a person after their death",
        lambda R: (c("_last_paid") - c("death_date")).dt.total_days() > R["integrity_death_grace_days"],
        lambda: c("_last_paid").cast(pl.String) + " †" + c("death_date").cast(pl.String),
        ("integrity_death_grace_days",),
    ),
    Rule(
        "DQ-K5b",
        "member",
        ERROR,
        "向已不在户内的人员付款",
        "a payment to a person no longer registered in any household",
        lambda R: c("death_date").is_null() & (c("_unregistered_n") > 0),
        lambda: c("_unregistered_on").cast(pl.String) + " ×" + c("_unregistered_n").cast(pl.String),
    ),
]

RULES: list[Rule] = HOUSEHOLD_YEAR_RULES + MEMBER_RULES
RULE_IDS = frozenset(r.id for r in RULES)


def _rise_frame(hf: pl.DataFrame, year: int) -> pl.DataFrame:
    """The households of `year` with last year's income beside this year's and the part of the rise that
    has a source (wages with a worker, business with costs, property and transfers)."""
    income = ("wage_income", "business_income", "business_cost", "property_income", "transfer_income")
    prev = hf.filter(c("year") == year - 1).select(
        "household_id",
        c("status").alias("_prev_status"),
        c("net_income_pc").alias("_prev_pc"),
        *[c(k).fill_null(0).alias(f"_prev_{k}") for k in income],
    )
    cur = hf.filter(c("year") == year).join(prev, on="household_id", how="left", maintain_order="left")

    def delta(k: str) -> pl.Expr:
        return c(k).fill_null(0) - c(f"_prev_{k}")

    business = delta("business_income") - delta("business_cost")
    traced = (
        pl.when(c("_any_worker").fill_null(False)).then(delta("wage_income")).otherwise(0)
        + pl.when(c("business_cost").fill_null(0) > 0).then(business).otherwise(0)
        + delta("property_income")
        + delta("transfer_income")
    )
    rise = delta("wage_income") + business + delta("property_income") + delta("transfer_income")
    return cur.with_columns(
        (c("net_income_pc") - c("_prev_pc")).alias("_rise_pc"),
        rise.alias("_rise"),
        (rise - traced).alias("_untraced"),
        (
            c("status").is_in(EXITED_STATUSES)
            & ((c("exit_year") == c("year")) | c("_prev_status").is_in(REGISTERED_POOR_STATUSES))
        )
        .fill_null(False)
        .alias("_exit_now"),
    )


def household_frame(
    household_years: pl.DataFrame | pl.LazyFrame,
    members: pl.DataFrame | pl.LazyFrame,
    params: pl.DataFrame,
    measures: pl.DataFrame,
    exits: pl.DataFrame,
    year: int,
) -> tuple[pl.DataFrame, Resolved]:
    """One row per household with a record in `year`: its income then and in `year − 1`, whether it exited
    in `year`, its measures in the window and the day its exit was recorded with its village's batch."""
    hf, R = ident.household_frame(household_years, members, params, extra_params=PARAMS)
    hf = hf.with_columns(ident.identification_exprs(R, [])[0])
    cur = _rise_frame(hf, year).with_columns(
        (c("year") - R["integrity_measure_years"] + 1).cast(pl.Int64).alias("_measure_from"),
        pl.lit(date(year, 12, 31)).alias("_year_end"),
    )
    counted = (
        measures.cast(pl.Schema(MEASURES))
        .filter(c("status") != STOPPED_MEASURE)
        .join(cur.select("household_id", "_measure_from", c("year").alias("_y")), on="household_id")
        .filter((c("year") >= c("_measure_from")) & (c("year") <= c("_y")))
        .group_by("household_id")
        .agg(pl.len().cast(pl.Int64).alias("_measures"))
    )
    recorded = (
        exits.cast(pl.Schema(EXIT_RECORDS))
        .filter(c("year") == year)
        .group_by("household_id")
        .agg(c("recorded_on").min().alias("_recorded_on"))
    )
    cur = (
        cur.join(counted, on="household_id", how="left", maintain_order="left")
        .join(recorded, on="household_id", how="left", maintain_order="left")
        .with_columns(c("_measures").fill_null(0))
    )
    # the village's batch: its exits of the year recorded on the same year-end stretch as this one
    window = (c("_recorded_on") <= c("_year_end")) & (
        c("_recorded_on") > c("_year_end") - pl.duration(days=R["integrity_year_end_days"].cast(pl.Int64))
    )
    in_window = (_EXIT & window).fill_null(False)
    cur = cur.with_columns(in_window.cast(pl.Int64).sum().over("village").alias("_batch"))
    return cur, R


PERIODS = {
    "member_id": pl.Int64,
    "household_id": pl.Int64,
    "id_number": pl.String,
    "death_date": pl.Date,
    "start_date": pl.Date,
    "end_date": pl.Date,
}


def payee_periods(members: pl.DataFrame, id_numbers: pl.Series | None = None) -> pl.DataFrame:
    """The membership periods (PERIODS) the payees are looked up in: every member row, or those of the
    ID numbers `id_numbers` (the payees of the year; a run over parts of the registry gathers them)."""
    names = members.collect_schema().names()
    rows = members if id_numbers is None else members.filter(c("id_number").is_in(id_numbers.implode()))
    return rows.select(
        "member_id",
        "household_id",
        "id_number",
        "death_date",
        c("start_date") if "start_date" in names else pl.lit(None, pl.Date).alias("start_date"),
        c("end_date") if "end_date" in names else pl.lit(None, pl.Date).alias("end_date"),
    ).cast(pl.Schema(PERIODS))


def payees(payments: pl.DataFrame, periods: pl.DataFrame, year: int) -> pl.DataFrame:
    """One row per registered payee paid in `year`: the household they are filed under (the one they
    belonged to on the payment date, else the last they left), the last payment, the date of death and
    the payments made while they belonged to no household. It looks across households (a person's periods
    may lie in several counties), so a run over parts of the registry computes it once over all periods."""
    pay = payments.cast(pl.Schema(PAYMENTS)).filter(c("paid_on").dt.year() == year)
    joined = pay.join(periods, on="id_number", how="inner").with_columns(
        (
            (c("start_date").is_null() | (c("start_date") <= c("paid_on")))
            & (c("end_date").is_null() | (c("end_date") >= c("paid_on")))
        ).alias("_covers")
    )
    # per payment: the period that covers it, else the one that ended last; between equals (one ID number
    # held by two people) the higher member id, so that the choice does not hang on the rows' order
    per_payment = (
        joined.sort("payment_id", "_covers", "end_date", "member_id", "start_date", nulls_last=False)
        .group_by("payment_id", maintain_order=True)
        .agg(pl.all().last())
    )
    return (
        per_payment.sort("paid_on")
        .group_by("member_id", maintain_order=True)
        .agg(
            c("household_id").last(),
            c("death_date").first(),
            c("paid_on").max().alias("_last_paid"),
            (~c("_covers")).sum().cast(pl.Int64).alias("_unregistered_n"),
            c("paid_on").filter(~c("_covers")).max().alias("_unregistered_on"),
        )
        .with_columns(pl.lit(year, pl.Int64).alias("year"))
    )


def run(
    household_years: pl.DataFrame | pl.LazyFrame,
    members: pl.DataFrame | pl.LazyFrame,
    params: pl.DataFrame,
    *,
    year: int,
    measures: pl.DataFrame,
    exits: pl.DataFrame,
    payments: pl.DataFrame,
    rules: list[Rule] = RULES,
    payee_rows: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Every finding of the integrity rules for `year` (quality FINDINGS schema). `household_years` holds
    the records of `year` and `year − 1` (the one before is only read for the rise of income).
    `payee_rows`: `payees()` computed over the whole registry, for a run over part of it (then `payments`
    is not read)."""
    members = members.collect() if isinstance(members, pl.LazyFrame) else members
    hf, R = household_frame(household_years, members, params, measures, exits, year)
    if hf.is_empty():
        return pl.DataFrame(schema=FINDINGS)
    out = []
    hh_rules = [r for r in rules if r.scope == "household_year"]
    if hh_rules:
        keys = {"household_id": c("household_id"), "member_id": pl.lit(None, pl.Int64), "year": c("year")}
        out.append(evaluate(hf, hh_rules, R, keys))
    m_rules = [r for r in rules if r.scope == "member"]
    if m_rules:
        if payee_rows is None:
            payee_rows = payees(payments, payee_periods(members), year)
        filed = payee_rows.join(hf.select("household_id", "village"), on="household_id", how="inner")
        keys = {"household_id": c("household_id"), "member_id": c("member_id"), "year": c("year")}
        out.append(evaluate(R.attach(filed), m_rules, R, keys))
    return pl.concat(out, how="vertical") if out else pl.DataFrame(schema=FINDINGS)
