"""Running the engine over the store: identification and exit evaluation, stored as reproducible runs.

A run loads the registry frames of one region subtree and year (one SELECT each), calls the engine (pure
Polars, vectorised over every household at once), writes the result table to FUPIN_HOME/runs/<id>-<random>.parquet
and keeps, on the Run row, the exact parameter rows it used and a summary. `reproduce(run)` runs the same
rules with those stored parameters over today's data.

Scope: a user runs and sees runs only inside their region subtree (`user.scope_prefix`).

A change or deletion of a county's evaluation figures may name the version it was based on
(`county_input_version`, the API's ETag and the form's hidden field): the row is read locked in the
transaction that writes it, and a change based on an older version is refused with EditConflict (409).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable

import polars as pl
from django.conf import settings
from django.db import IntegrityError, close_old_connections, connections, transaction
from django.utils import timezone

from fupin.accounts import scope
from fupin.core import cluster, versions
from fupin.core.api_types import MAX_INT
from fupin.core.errors import Denied, InputRejected, Problem
from fupin.engine import exits, identification, partitioned, regions, schema
from fupin.engine.schema import PARAMS, REGISTERED_POOR_STATUSES
from fupin.evaluation import selectors as evaluation_selectors
from fupin.evaluation.models import Evaluation
from fupin.policy.services import params_frame
from fupin.regions.codes import COUNTY, RegionCodeError, level_of, normalise, prefix_of
from fupin.regions.models import Region
from fupin.registry.models import Household
from fupin.registry.selectors import registry_frames
from fupin.reports import run_claims, selectors
from fupin.reports.models import CountyExitInput, Run

log = logging.getLogger(__name__)
LEVEL_KIND = {"household": "exit_household", "village": "exit_village", "county": "exit_county"}
Progress = Callable[[str], None]
STAGES = ("load", "compute", "save")


class ReportInputError(InputRejected):
    """A request the reports refuse (bad year, bad region code, county exit below county level …)."""

    def __init__(self, field: str, zh: str, en: str, code: str = "reports.invalid"):
        super().__init__(Problem(field, code, zh, en))


# --- scope ------------------------------------------------------------------------------------------


def code_prefix(code: str) -> str:
    return prefix_of(code) if code else ""


def runs_for(user):
    """The runs whose region lies inside the user's subtree."""
    qs = Run.objects.select_related("created_by")
    prefix = scope.prefix_for(user)
    return qs.filter(region_code__startswith=prefix) if prefix else qs


def get_run(user, pk: int) -> Run:
    """One run the user may see (Run.DoesNotExist otherwise: missing and out of scope alike)."""
    return runs_for(user).get(pk=pk)


def _check_year(year) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ReportInputError("year", "年度应为整数", "the year must be a whole number") from None
    if not 1949 <= year <= 2100:
        raise ReportInputError("year", "年度超出范围（1949–2100）", "the year is out of range (1949–2100)")
    return year


# --- parameters ---------------------------------------------------------------------------------------


def parameters_for(code: str, year: int) -> list[dict]:
    """The parameter rows that can apply to `code`'s subtree in `year` (national, ancestors, subtree)."""
    prefix = code_prefix(code)
    ancestors = ["", *regions.ancestors(prefix)]
    df = params_frame().filter(
        (pl.col("region_code").is_in(ancestors) | pl.col("region_code").str.starts_with(prefix))
        & (pl.col("year_from") <= year)
        & (pl.col("year_to").is_null() | (pl.col("year_to") >= year))
    )
    return df.sort("name", "region_code", "year_from").to_dicts()


def params_of(run: Run) -> pl.DataFrame:
    return pl.DataFrame(run.parameters, schema=PARAMS) if run.parameters else pl.DataFrame(schema=PARAMS)


# --- the engine runs ------------------------------------------------------------------------------------


def _noop(stage: str) -> None:
    pass


def identified_frame(
    prefix: str, year: int, params: pl.DataFrame, progress: Progress = _noop, client=None
) -> pl.DataFrame:
    """identify() over the subtree, with household number, head, status and village name joined on; over
    the workers of the Dask `client`, partitioned by county, when one is given (the same frame)."""
    progress("load")
    hy, members = registry_frames(prefix, [year])
    labels = selectors.household_labels(prefix)
    villages = selectors.region_names(prefix, 5).rename({"code": "village", "name": "village_name"})
    progress("compute")
    if client is None:
        out = identification.identify(hy, members, params)
    else:
        out = partitioned.identify(partitioned.scatter(client, hy, members), params)
    out = (
        out.with_columns(pl.col("reasons").cast(pl.List(pl.String)), hy["status"])
        .join(labels, on="household_id", how="left", maintain_order="left")
        .join(villages, on="village", how="left", maintain_order="left")
    )
    first = ["household_id", "household_no", "head_name", "village", "village_name", "year", "status"]
    return out.select(*first, *[c for c in out.columns if c not in first])


def _reason_counts(df: pl.DataFrame, column: str) -> dict[str, int]:
    if df.height == 0:
        return {}
    counts = df.select(pl.col(column).explode().drop_nulls().value_counts(sort=True)).unnest(column)
    return {r[column]: int(r["count"]) for r in counts.iter_rows(named=True)}


def identify_result(
    prefix: str, year: int, params: pl.DataFrame, progress: Progress = _noop, client=None
) -> tuple[pl.DataFrame, dict]:
    df = identified_frame(prefix, year, params, progress, client)
    summary = {
        "households": df.height,
        "poor": int(df["poor"].sum() or 0),
        "not_poor": int((~df["poor"]).sum() or 0),
        "unknown": int(df["poor"].null_count()),
        "poor_persons": int(df.filter(pl.col("poor"))["members"].sum() or 0),
        "reasons": _reason_counts(df, "reasons"),
    }
    return df, summary


def household_exit_result(
    prefix: str, year: int, params: pl.DataFrame, progress: Progress = _noop, client=None
) -> tuple[pl.DataFrame, dict]:
    """Exit eligibility of the registered poor households (未脱贫, 返贫, 拟退出) of the year."""
    df = identified_frame(prefix, year, params, progress, client)
    df = exits.household_exit(df.filter(pl.col("status").is_in(REGISTERED_POOR_STATUSES)))
    df = df.with_columns(pl.col("exit_reasons").cast(pl.List(pl.String)))
    summary = {
        "candidates": df.height,
        "eligible": int(df["exit_eligible"].sum() or 0),
        "not_eligible": int((~df["exit_eligible"]).sum() or 0),
        "reasons": _reason_counts(df, "exit_reasons"),
    }
    return df, summary


def village_exit_result(
    prefix: str, year: int, params: pl.DataFrame, progress: Progress = _noop
) -> tuple[pl.DataFrame, dict]:
    progress("load")
    hy = selectors.household_years(prefix, year)
    population = selectors.rural_population(prefix, year, 5)
    names = selectors.region_names(prefix, 5).rename({"code": "village", "name": "village_name"})
    progress("compute")
    df = exits.village_exit(hy, population, params, year=year)
    df = df.with_columns(pl.col("reasons").cast(pl.List(pl.String))).join(
        names, on="village", how="left", maintain_order="left"
    )
    df = df.select(
        "village", "village_name", *[c for c in df.columns if c not in ("village", "village_name")]
    )
    summary = {
        "villages": df.height,
        "passed": int(df["exit"].sum() or 0),
        "failed": int((~df["exit"]).sum() or 0),
        "no_denominator": int(df["rural_population"].null_count()),
    }
    return df, summary


def county_inputs_frame(prefix: str, year: int, counties: list[str]) -> pl.DataFrame:
    """schema.COUNTY_EXIT_INPUT for `counties`: the rural population from the loaded denominators and the
    evaluation samples from the county's latest closed evaluation of the year when there is one, else from
    CountyExitInput (null where neither exists); with `figures_source` (evaluation, county_input or null)
    and `evaluation_id`."""
    pop = selectors.rural_population(prefix, year, COUNTY).rename({"region_code": "county"})
    base = pl.DataFrame(
        {"county": counties, "year": [year] * len(counties)}, schema={"county": pl.String, "year": pl.Int64}
    ).join(pop.select("county", "rural_population"), on="county", how="left", maintain_order="left")
    inputs = exits.county_inputs_from_samples(population=base)
    fields = [
        "exit_sample",
        "wrong_exit_found",
        "missed_sample_population",
        "missed_found",
        "survey_households",
        "survey_approving",
    ]
    rows = list(
        CountyExitInput.objects.filter(county_id__in=counties, year=year).values("county_id", *fields)
    )
    typed = pl.DataFrame(
        [{"county": r.pop("county_id"), **r} for r in rows],
        schema={"county": pl.String, **{f: pl.Int64 for f in fields}},
    ).with_columns(pl.lit("county_input").alias("figures_source"))
    # A closed evaluation of the county and year (evaluation/) replaces the typed figures: its counts come
    # from its verification visits. `figures_source` says where each county's figures came from.
    measured = evaluation_selectors.exit_figures(counties, year).with_columns(
        pl.lit("evaluation").alias("figures_source")
    )
    samples = pl.concat(
        [
            measured,
            typed.filter(~pl.col("county").is_in(measured["county"].implode())).with_columns(
                pl.lit(None, pl.Int64).alias("evaluation_id")
            ),
        ],
        how="diagonal",
    )
    return (
        inputs.drop(fields)
        .join(samples, on="county", how="left", maintain_order="left")
        .select(*schema.COUNTY_EXIT_INPUT, "figures_source", "evaluation_id")
    )


def county_exit_result(
    prefix: str, year: int, params: pl.DataFrame, progress: Progress = _noop
) -> tuple[pl.DataFrame, dict]:
    progress("load")
    hy = selectors.household_years(prefix, year)
    names = selectors.region_names(prefix, COUNTY).rename({"code": "county", "name": "county_name"})
    with_inputs = set(
        CountyExitInput.objects.filter(year=year, county__code__startswith=prefix).values_list(
            "county_id", flat=True
        )
    ) | set(
        Evaluation.objects.filter(year=year, status="closed", county__code__startswith=prefix).values_list(
            "county_id", flat=True
        )
    )
    with_households = set(hy["village"].str.slice(0, 6).str.pad_end(12, "0").unique().to_list())
    counties = sorted((with_households | with_inputs) & set(names["county"].to_list()))
    inputs = county_inputs_frame(prefix, year, counties)
    progress("compute")
    df = exits.county_exit(inputs.select(list(schema.COUNTY_EXIT_INPUT)), params, households=hy)
    reasons = (
        df.select("county", "reasons")
        .explode("reasons")
        .drop_nulls("reasons")
        .select(
            "county",
            pl.col("reasons").struct.field("indicator").alias("indicator"),
            pl.col("reasons").struct.field("reason").cast(pl.String).alias("reason"),
        )
    )
    for i in exits.INDICATORS:
        part = reasons.filter(pl.col("indicator") == i).select(
            "county", pl.col("reason").alias(f"{i}_reason")
        )
        df = df.join(part, on="county", how="left", maintain_order="left")
    df = (
        df.drop("reasons")
        .join(inputs.drop("year"), on="county", how="left", maintain_order="left")
        .join(names, on="county", how="left", maintain_order="left")
    )
    df = df.select("county", "county_name", *[c for c in df.columns if c not in ("county", "county_name")])
    summary = {
        "counties": df.height,
        "passed": int(df["exit"].sum() or 0),
        "failed": int((~df["exit"]).sum() or 0),
    }
    return df, summary


ENGINES = {
    "identify": identify_result,
    "exit_household": household_exit_result,
    "exit_village": village_exit_result,
    "exit_county": county_exit_result,
}
# the kinds whose registry-wide part runs on a Dask cluster when one is set (the others read small tables)
PARTITIONED = ("identify", "exit_household")


# --- runs -------------------------------------------------------------------------------------------------


def runs_dir():
    d = settings.FUPIN_HOME / "runs"
    d.mkdir(parents=True, exist_ok=True)
    return d


def execute(run: Run, progress: Progress = _noop, client=None) -> Run:
    """Compute one created run and store its result (status done), or mark it failed and re-raise; on the
    Dask `client`'s workers when one is given and the kind is PARTITIONED."""

    def stage(name: str) -> None:
        Run.objects.filter(pk=run.pk).update(stage=name)
        progress(name)

    try:
        on_cluster = {"client": client} if client is not None and run.kind in PARTITIONED else {}
        df, summary = ENGINES[run.kind](
            code_prefix(run.region_code), run.year, params_of(run), stage, **on_cluster
        )
        stage("save")
        # a random name: two stores sharing one FUPIN_HOME (or parallel test runs) never overwrite each other
        path = runs_dir() / f"{run.pk}-{uuid.uuid4().hex}.parquet"
        df.write_parquet(path)
        run.path, run.rows, run.summary, run.status = str(path), df.height, summary, "done"
        run.finished_at = timezone.now()
        run.save(update_fields=["path", "rows", "summary", "status", "finished_at", "stage"])
        progress("done")
        return run
    except Exception as exc:
        log.exception("run %s failed", run.pk)
        Run.objects.filter(pk=run.pk).update(
            status="failed", error=str(exc)[:2000], finished_at=timezone.now()
        )
        run.status = "failed"
        raise
    finally:
        run_claims.release(run.pk)


def _thread_main(run_id: int, dask: str | None = None) -> None:
    close_old_connections()
    try:
        with cluster.client_for(dask) as client:
            execute(Run.objects.get(pk=run_id), client=client)
    except cluster.ClusterError as e:  # nothing ran: the row says why
        Run.objects.filter(pk=run_id).update(status="failed", error=str(e), finished_at=timezone.now())
    except Exception:  # recorded on the row; the page shows it
        pass
    finally:
        connections.close_all()


def households_in(code: str) -> int:
    return Household.objects.filter(is_deleted=False, village__code__startswith=code_prefix(code)).count()


def should_run_in_background(code: str) -> bool:
    return households_in(code) > getattr(settings, "FUPIN_SYNC_RUN_HOUSEHOLDS", 50_000)


def start_run(
    user,
    kind: str,
    year,
    region: str | None = None,
    *,
    background: bool = False,
    parameters: list[dict] | None = None,
    reproduces: Run | None = None,
    progress: Progress = _noop,
    dask: str | None = None,
) -> Run:
    """Create a run of `kind` for the user's scope (or `region` inside it) and compute it — in this thread,
    or in a background thread when `background` (the row's status and stage show progress).

    `dask`: a Dask scheduler address for the registry-wide part (None: FUPIN_DASK_SCHEDULER, '' or unset:
    this process). In this thread the scheduler is reached before the run is created: when it cannot be,
    ClusterError is raised and nothing is written."""
    if user is not None and not user.can("runs_evaluations"):
        raise Denied("您的角色不能发起识别或退出评估", "your role may not start identification or exit runs")
    if kind not in ENGINES:
        raise ReportInputError("kind", f"未知的运行类型：{kind}", f"unknown run kind: {kind}")
    year = _check_year(year)
    code = scope.resolve(user, region).code
    if kind == "exit_county" and code and level_of(code) > COUNTY:
        raise ReportInputError(
            "region",
            "县级退出评估须在县或以上地区运行",
            "county exit runs over a county or a larger region",
            code="reports.county_level",
        )
    if background:
        return _create_run(user, kind, year, code, parameters, reproduces, background=True, dask=dask)
    with cluster.client_for(dask if kind in PARTITIONED else "") as client:
        run = _create_run(user, kind, year, code, parameters, reproduces)
        return execute(run, progress, client)


def _create_run(
    user,
    kind: str,
    year: int,
    code: str,
    parameters: list[dict] | None,
    reproduces: Run | None,
    *,
    background: bool = False,
    dask: str | None = None,
) -> Run:
    run = Run.objects.create(
        kind=kind,
        year=year,
        region_code=code,
        created_by=user,
        parameters=parameters if parameters is not None else parameters_for(code, year),
        reproduces=reproduces,
        stage="load",
    )
    run_claims.claim(run.pk)  # released when `execute` ends: a server starting meanwhile leaves it alone
    if background:
        transaction.on_commit(
            lambda: threading.Thread(
                target=_thread_main,
                args=(run.pk, dask if kind in PARTITIONED else ""),
                daemon=True,
                name=f"run-{run.pk}",
            ).start()
        )
    return run


def run_identification(user, year, region: str | None = None, **kw) -> Run:
    return start_run(user, "identify", year, region, **kw)


def run_exits(user, year, region: str | None = None, level: str = "household", **kw) -> Run:
    if level not in LEVEL_KIND:
        raise ReportInputError("level", f"未知的退出层级：{level}", f"unknown exit level: {level}")
    return start_run(user, LEVEL_KIND[level], year, region, **kw)


def reproduce(run: Run, user=None, **kw) -> Run:
    """A new run of the same kind, year and region with the parameters `run` used, over today's data."""
    scope.check(user, run.region_code)
    return start_run(
        user, run.kind, run.year, run.region_code or None, parameters=run.parameters, reproduces=run, **kw
    )


def result(run: Run) -> pl.DataFrame:
    """The stored result table of a finished run."""
    return pl.read_parquet(run.path, glob=False)  # a file, even under a FUPIN_HOME named 县[2024]


# --- county exit inputs -------------------------------------------------------------------------------------

INPUT_FIELDS = (
    "exit_sample",
    "wrong_exit_found",
    "missed_sample_population",
    "missed_found",
    "survey_households",
    "survey_approving",
)
_PAIRS = (
    (
        "wrong_exit_found",
        "exit_sample",
        "错退人数不能多于抽样脱贫人数",
        "wrong exits found cannot exceed the sampled exits",
    ),
    (
        "missed_found",
        "missed_sample_population",
        "漏评人数不能多于抽查的未建档立卡人口",
        "missed poor found cannot exceed the surveyed unregistered population",
    ),
    (
        "survey_approving",
        "survey_households",
        "认可户数不能多于调查户数",
        "approving households cannot exceed the surveyed households",
    ),
)


def can_edit_inputs(user, county_code: str) -> bool:
    """Approvers of the county (or of a region containing it) enter its evaluation samples."""
    return user is not None and user.can("approves") and scope.contains(user, county_code)


def county_inputs_for(user):
    qs = CountyExitInput.objects.select_related("county", "updated_by")
    prefix = scope.prefix_for(user)
    return qs.filter(county__code__startswith=prefix) if prefix else qs


def county_input_version(obj: CountyExitInput) -> str:
    """The version of a county's evaluation figures: changes with every save of them."""
    return versions.stamp(obj)


def save_county_input(
    user,
    *,
    county: str,
    year,
    values: dict,
    note: str = "",
    pk: int | None = None,
    version: str | None = None,
) -> CountyExitInput:
    """Create or change the sample figures of one county and year (approvers of that county only).
    `version`: the version of the row `pk` the change is based on (None: not checked)."""
    year = _check_year(year)
    try:
        code = normalise(county)
    except RegionCodeError:
        raise ReportInputError(
            "county", f"行政区划代码格式错误：{county}", f"bad region code: {county}"
        ) from None
    scope.check(user, code)
    if not can_edit_inputs(user, code):
        raise Denied(
            "只有本县的审定人员可以录入评估数据",
            "only approvers of this county may enter the evaluation figures",
        )
    if level_of(code) != COUNTY or not Region.objects.filter(code=code).exists():
        raise ReportInputError(
            "county", "请选择一个县级行政区", "choose a county", code="reports.county_level"
        )
    clean: dict[str, int | None] = {}
    for f in INPUT_FIELDS:
        v = values.get(f)
        if v in (None, ""):
            clean[f] = None
            continue
        try:
            v = int(v)
        except (TypeError, ValueError):
            raise ReportInputError(f, "应为非负整数", "must be a whole number, zero or more") from None
        if v < 0:
            raise ReportInputError(f, "应为非负整数", "must be a whole number, zero or more")
        if v > MAX_INT:  # the column's limit: PostgreSQL refused more with a 500, SQLite kept it
            raise ReportInputError(
                f, f"应为 0 至 {MAX_INT} 之间的整数", f"must be a whole number from 0 to {MAX_INT}"
            )
        clean[f] = v
    for found, total, zh, en in _PAIRS:
        n_found, n_total = clean[found], clean[total]
        if n_found is not None and n_total is not None and n_found > n_total:
            raise ReportInputError(found, zh, en)
    try:
        with transaction.atomic():
            if pk is not None:
                obj = county_inputs_for(user).select_for_update(of=("self",)).get(pk=pk)
                versions.check(county_input_version(obj), version)
                if (obj.county_id != code or obj.year != year) and CountyExitInput.objects.filter(
                    county_id=code, year=year
                ).exclude(pk=pk).exists():
                    raise _duplicate_input()
            elif CountyExitInput.objects.filter(county_id=code, year=year).exists():
                # New figures never overwrite stored ones: that would undo a change the person never saw.
                raise _duplicate_input()
            else:
                obj = CountyExitInput()
            obj.county_id, obj.year, obj.note, obj.updated_by = code, year, note or "", user
            for f, v in clean.items():
                setattr(obj, f, v)
            obj.save()
    except IntegrityError:  # the same county and year entered at the same moment by someone else
        raise _duplicate_input() from None
    return obj


def _duplicate_input() -> ReportInputError:
    return ReportInputError(
        "year",
        "该县该年度已有评估数据，请修改已有的数据",
        "this county already has figures for that year: change those instead",
        code="reports.duplicate",
    )


@transaction.atomic
def delete_county_input(user, pk: int, *, version: str | None = None) -> None:
    """Delete a county's figures. `version`: the row's version the deletion is based on (None: not checked)."""
    obj = county_inputs_for(user).select_for_update(of=("self",)).get(pk=pk)
    if not can_edit_inputs(user, obj.county_id):
        raise Denied(
            "只有本县的审定人员可以删除评估数据",
            "only approvers of this county may delete the evaluation figures",
        )
    versions.check(county_input_version(obj), version)
    obj.delete()
