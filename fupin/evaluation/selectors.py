"""Reads of the evaluations, always inside the user's region subtree (accounts/scope.py).

An evaluation outside the subtree is not found, exactly like a missing one (404). The sampled households
(who was drawn) are shown only to those who record visits (`records_evaluation_visits`): everyone else in
the region reads the rates, so the households being checked cannot be prepared for the visit.
"""

from __future__ import annotations

import polars as pl
from django.db.models import QuerySet

from fupin.accounts import scope
from fupin.core.errors import Denied
from fupin.core.frames import read_sql, table
from fupin.engine import evaluation as engine
from fupin.engine.schema import PARAMS
from fupin.evaluation.models import Evaluation, SampledHousehold, Visit
from fupin.registry.models import Household, HouseholdYear

SAMPLE_DENIED = ("您的角色不能查看抽样户名单", "your role may not see which households were sampled")


def evaluations_for(user) -> QuerySet[Evaluation]:
    qs = Evaluation.objects.select_related("county", "created_by", "closed_by")
    prefix = scope.prefix_for(user)
    return qs.filter(county__code__startswith=prefix) if prefix else qs


def get_evaluation(user, pk: int) -> Evaluation:
    """One evaluation the user may see (Evaluation.DoesNotExist otherwise: missing and out of scope alike)."""
    return evaluations_for(user).get(pk=pk)


def can_see_sample(user) -> bool:
    return user is None or user.can("records_evaluation_visits")


def sample_for(user, evaluation: Evaluation) -> QuerySet[SampledHousehold]:
    """The evaluation's sampled households with their visits (PermissionDenied for roles that only read)."""
    if not can_see_sample(user):
        raise Denied(*SAMPLE_DENIED)
    return (
        SampledHousehold.objects.filter(evaluation=evaluation)
        .select_related("household", "visit", "visit__recorded_by")
        .order_by("stratum", "rank")
    )


def county_households(county: str, year: int) -> pl.DataFrame:
    """household_id, household_no, head_name, village, status and size of the county's households in `year`."""
    prefix = county[:6]
    return read_sql(
        f"SELECT y.household_id, h.household_no, h.head_name, h.village_id AS village, y.status, y.size "
        f"FROM {table(HouseholdYear)} y JOIN {table(Household)} h ON h.id = y.household_id "
        f"WHERE y.year = %s AND y.is_deleted = %s AND h.is_deleted = %s AND h.village_id LIKE %s",
        [year, False, False, prefix + "%"],
        schema={
            "household_id": pl.Int64,
            "household_no": pl.String,
            "head_name": pl.String,
            "village": pl.String,
            "status": pl.String,
            "size": pl.Int64,
        },
    )


VISIT_COLUMNS = ("income_pc", *engine.GUARANTEES, "approves")


def visits_frame(evaluation: Evaluation) -> pl.DataFrame:
    """One row per visited household of the evaluation: the frame `engine.judge` reads."""
    rows = Visit.objects.filter(sampled__evaluation=evaluation).values_list(
        "sampled_id", "sampled__stratum", "sampled__size", *VISIT_COLUMNS
    )
    schema = {
        "sampled_id": pl.Int64,
        "stratum": pl.String,
        "size": pl.Int64,
        "income_pc": pl.Float64,
        **{g: pl.Boolean for g in engine.GUARANTEES},
        "approves": pl.Boolean,
    }
    df = pl.DataFrame([(r[0], r[1], r[2], float(r[3]), *r[4:]) for r in rows], schema=schema, orient="row")
    return df.with_columns(
        pl.lit(evaluation.county_id).alias("county"), pl.lit(evaluation.year, pl.Int64).alias("year")
    )


def params_of(evaluation: Evaluation) -> pl.DataFrame:
    """The parameter rows the evaluation keeps (those in force when it was created)."""
    return pl.DataFrame(evaluation.parameters, schema=PARAMS)


def judged_visits(evaluation: Evaluation) -> pl.DataFrame:
    return engine.judge(visits_frame(evaluation), params_of(evaluation))


def populations_frame(evaluation: Evaluation) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"stratum": s, "households": p.get("households"), "persons": p.get("persons")}
            for s, p in evaluation.populations.items()
        ],
        schema={"stratum": pl.String, "households": pl.Int64, "persons": pl.Int64},
    )


def confidence_of(evaluation: Evaluation) -> float:
    value = engine.confidence(params_of(evaluation), evaluation.county_id, evaluation.year)
    return 95.0 if value is None else value


def rates(evaluation: Evaluation) -> pl.DataFrame:
    """错退率, 漏评率 and 群众认可度 of the evaluation's visits so far, with their intervals (engine.rates)."""
    return engine.rates(judged_visits(evaluation), populations_frame(evaluation), confidence_of(evaluation))


def progress(evaluation: Evaluation) -> pl.DataFrame:
    """Per stratum: households sampled and visited, and the stratum's population."""
    rows = list(
        SampledHousehold.objects.filter(evaluation=evaluation).values_list("stratum", "visit__id").order_by()
    )
    df = pl.DataFrame(rows, schema={"stratum": pl.String, "visit": pl.Int64}, orient="row")
    counts = df.group_by("stratum").agg(
        pl.len().cast(pl.Int64).alias("sampled"), pl.col("visit").count().cast(pl.Int64).alias("visited")
    )
    return (
        pl.DataFrame({"stratum": list(engine.STRATA)})
        .join(counts, on="stratum", how="left", maintain_order="left")
        .join(populations_frame(evaluation), on="stratum", how="left", maintain_order="left")
        .with_columns(pl.col("sampled").fill_null(0), pl.col("visited").fill_null(0))
    )


# --- what the county exit evaluation reads (reports/services.py) --------------------------------------

EXIT_FIELDS = (
    "exit_sample",
    "wrong_exit_found",
    "missed_sample_population",
    "missed_found",
    "survey_households",
    "survey_approving",
)


def exit_figures(counties: list[str], year: int) -> pl.DataFrame:
    """For each county with a closed evaluation of `year`: the latest closed one's id and its sample figures
    (schema.COUNTY_EXIT_INPUT's sample columns, counted from its visits)."""
    latest: dict[str, Evaluation] = {}
    for e in Evaluation.objects.filter(county_id__in=counties, year=year, status="closed").order_by(
        "closed_at", "id"
    ):
        latest[e.county_id] = e
    rows = [
        {"county": c, "evaluation_id": e.pk, **engine.exit_counts(judged_visits(e))}
        for c, e in sorted(latest.items())
    ]
    return pl.DataFrame(
        rows,
        schema={"county": pl.String, "evaluation_id": pl.Int64, **{f: pl.Int64 for f in EXIT_FIELDS}},
    )
