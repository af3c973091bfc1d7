"""Writes of the evaluations: create one (and draw its sample), record a verification visit (form, API or
workbook row: one validation path), import a workbook of visits, close an evaluation.

Every write checks the role (accounts/roles.py) and the region scope, validates everything before it saves
anything, records who and when, and runs in one transaction. A refused write raises EvaluationRejected with
every problem (field, row, code, message zh/en) and saves nothing. Edits of a visit and the closing of an
evaluation may name the version they were based on (ETag / the form's hidden field): a stale one is
refused with EditConflict (409).
"""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone

from fupin.accounts import scope
from fupin.core import versions
from fupin.core.errors import Denied, InputRejected, Problem, in_language
from fupin.core.tables import FileUnreadable, TableError, read_table
from fupin.engine import evaluation as engine
from fupin.engine import regions as engine_regions
from fupin.engine.schema import PARAMS
from fupin.evaluation import selectors
from fupin.evaluation.codes import GUARANTEE_LABELS, EvaluationKind
from fupin.evaluation.models import Evaluation, SampledHousehold, Visit
from fupin.policy.models import Parameter
from fupin.policy.services import params_frame
from fupin.regions.codes import COUNTY, RegionCodeError, level_of, normalise
from fupin.regions.models import Region

CREATE_DENIED = (
    "您的角色不能发起考核评估（须为县级及以上的审定或评估人员）",
    "your role may not set up an evaluation (county approvers and evaluators of a county or a larger region)",
)
CLOSE_DENIED = (
    "您的角色不能完成考核评估",
    "your role may not close an evaluation (county approvers and evaluators)",
)
VISIT_DENIED = ("您的角色不能录入入户核查", "your role may not record verification visits")
MAX_SEED = 2**62
INCOME_MAX = Decimal("10000000")


def _problem(field: str, code: str, zh: str, en: str, row: int | None = None) -> Problem:
    return Problem(field, code, zh, en, row=row)


class EvaluationRejected(InputRejected):
    """Input refused: every problem (field, code, zh, en and, for a workbook, its row). Nothing was saved."""

    def __init__(self, problems: list[Problem]):
        super().__init__(*problems)

    @classmethod
    def one(cls, field: str, zh: str, en: str, code: str = "evaluation.invalid") -> EvaluationRejected:
        return cls([_problem(field, code, zh, en)])

    def texts(self) -> list[tuple[str, str]]:
        """Each problem in Chinese and in English, led by its row when it has one."""
        return [
            (f"第{p.row}行：{p.zh}", f"row {p.row}: {p.en}") if p.row else (p.zh, p.en) for p in self.problems
        ]

    def messages(self) -> list[str]:
        """Each problem in the active language (a page's)."""
        return [in_language(zh, en) for zh, en in self.texts()]


def ensure_parameters() -> int:
    """Create the evaluation parameters' default rows that are missing (never touches rows users changed)."""
    have = set(
        Parameter.objects.filter(name__in=engine.PARAM_DEFINITIONS).values_list(
            "name", "region_code", "year_from"
        )
    )
    new = [
        Parameter(
            name=n, region_code=r, year_from=yf, year_to=yt, value=Decimal(str(v)), source=s, is_default=True
        )
        for n, r, yf, yt, v, s in engine.PARAM_DEFAULTS
        if (n, r, yf) not in have
    ]
    Parameter.objects.bulk_create(new)
    return len(new)


def evaluation_version(e: Evaluation) -> str:
    return versions.stamp(e)


def visit_version(v: Visit) -> str:
    return versions.stamp(v)


# --- create -----------------------------------------------------------------------------------------------


def can_create(user) -> bool:
    """County approvers and evaluators bound to a county or a larger region (or nationwide)."""
    if user is None:
        return True
    return user.can("creates_evaluations") and len(scope.prefix_for(user)) <= 6


def _parameters_for(county: str, year: int) -> list[dict]:
    """The rows of the sample sizes, the confidence level and the poverty line that can apply to the county."""
    names = [*engine.SIZE_PARAMS.values(), engine.CONFIDENCE_PARAM, "poverty_line"]
    ancestors = ["", *engine_regions.ancestors(county[:6]), county]
    df = params_frame().filter(
        pl.col("name").is_in(names)
        & pl.col("region_code").is_in(ancestors)
        & (pl.col("year_from") <= year)
        & (pl.col("year_to").is_null() | (pl.col("year_to") >= year))
    )
    return df.sort("name", "region_code", "year_from").to_dicts()


def _clean_year(year: Any) -> int:
    try:
        value = int(year)
    except (TypeError, ValueError):
        raise EvaluationRejected.one("year", "年度应为整数", "the year must be a whole number") from None
    if not 1949 <= value <= 2100:
        raise EvaluationRejected.one(
            "year", "年度超出范围（1949–2100）", "the year is out of range (1949–2100)"
        )
    return value


def _clean_county(user, county: Any) -> str:
    try:
        code = normalise(str(county or ""))
    except RegionCodeError:
        raise EvaluationRejected.one(
            "county", f"行政区划代码格式错误：{county}", f"bad region code: {county}"
        ) from None
    scope.check(user, code)
    if level_of(code) != COUNTY or not Region.objects.filter(code=code).exists():
        raise EvaluationRejected.one("county", "请选择一个县级行政区", "choose a county", "evaluation.county")
    return code


def _clean_sizes(sizes: dict[str, Any] | None) -> tuple[dict[str, int | None], list[Problem]]:
    clean: dict[str, int | None] = {}
    problems = []
    for key, value in (sizes or {}).items():
        if key not in engine.SIZE_PARAMS:
            continue
        if value in (None, ""):
            continue
        try:
            n = int(value)
            if n < 1 or n > 1_000_000:
                raise ValueError
        except (TypeError, ValueError):
            problems.append(
                _problem(
                    f"size_{key}",
                    "evaluation.size",
                    "样本量应为 1 到 1,000,000 的整数",
                    "a sample size is a whole number from 1 to 1,000,000",
                )
            )
            continue
        clean[key] = n
    return clean, problems


def create_evaluation(
    user,
    *,
    county: Any,
    year: Any,
    kind: str,
    seed: Any = None,
    sizes: dict[str, Any] | None = None,
    note: str = "",
) -> Evaluation:
    """Set up an evaluation of `county` in `year` and draw its sample (engine.draw_sample) in one transaction.

    `seed`: the random seed (a new one is chosen and kept when None); `sizes`: sample sizes that replace
    those in force (villages, exited, poor, unregistered). A census (kind census) takes every household."""
    if not can_create(user):
        raise Denied(*CREATE_DENIED)
    problems = []
    if kind not in EvaluationKind.values:
        problems.append(
            _problem(
                "kind",
                "evaluation.kind",
                f"未知的考核评估类型：{kind}",
                f"unknown kind of evaluation: {kind}",
            )
        )
    if seed in (None, ""):
        seed_value = secrets.randbelow(2**31)
    else:
        try:
            seed_value = int(seed)
            if not 0 <= seed_value < MAX_SEED:
                raise ValueError
        except (TypeError, ValueError):
            seed_value = 0
            problems.append(
                _problem(
                    "seed",
                    "evaluation.seed",
                    "随机种子应为非负整数",
                    "the seed is a whole number, zero or more",
                )
            )
    chosen, size_problems = _clean_sizes(sizes)
    problems += size_problems
    year_value = _clean_year(year)
    code = _clean_county(user, county)
    if problems:
        raise EvaluationRejected(problems)
    ensure_parameters()
    parameters = _parameters_for(code, year_value)
    in_force = engine.sample_sizes(pl.DataFrame(parameters, schema=PARAMS), code, year_value)
    used = {**in_force, **chosen}
    households = selectors.county_households(code, year_value)
    census = kind == EvaluationKind.CENSUS
    villages, sample = engine.draw_sample(households, used, seed_value, census=census)
    if sample.is_empty():
        raise EvaluationRejected.one(
            "year",
            "该县该年度没有可抽样的户（请先导入该年度的建档立卡数据）",
            "the county has no households to sample in that year (import that year's registry first)",
            "evaluation.empty",
        )
    populations = engine.stratum_populations(households, villages)
    with transaction.atomic():
        evaluation = Evaluation.objects.create(
            county_id=code,
            year=year_value,
            kind=kind,
            seed=seed_value,
            sample_sizes={k: (None if census else used.get(k)) for k in engine.SIZE_PARAMS},
            parameters=parameters,
            villages=villages.filter("sampled")["village"].to_list(),
            populations={
                r["stratum"]: {"households": r["households"], "persons": r["persons"]}
                for r in populations.iter_rows(named=True)
            },
            note=(note or "")[:200],
            created_by=user,
        )
        SampledHousehold.objects.bulk_create(
            [
                SampledHousehold(
                    evaluation=evaluation,
                    household_id=r["household_id"],
                    stratum=r["stratum"],
                    rank=r["rank"],
                    village=r["village"],
                    status=r["status"],
                    size=r["size"] or 0,
                )
                for r in sample.iter_rows(named=True)
            ],
            batch_size=2000,
        )
    return evaluation


# --- visits: the one validation path ---------------------------------------------------------------------

YES = {"是", "有", "认可", "满意", "y", "yes", "true", "1", "√", "✓"}
NO = {"否", "无", "没有", "不认可", "不满意", "n", "no", "false", "0", "×", "✗"}
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "visited_on": ("走访日期", "date of the visit"),
    "income_pc": ("人均纯收入", "per-capita net income"),
    **GUARANTEE_LABELS,
    "approves": ("认可", "approves"),
    "note": ("备注", "note"),
}


def _yes_no(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in YES:
        return True
    if text in NO:
        return False
    return None


def validate_visit(values: dict[str, Any], *, row: int | None = None, today: date | None = None):
    """A visit's values (typed or text, from a form, the API or a workbook row) → (clean values, problems).
    Every problem is returned, not the first."""
    today = today or date.today()
    clean: dict[str, Any] = {}
    problems: list[Problem] = []
    raw_date = values.get("visited_on")
    if isinstance(raw_date, date):
        clean["visited_on"] = raw_date
    else:
        try:
            clean["visited_on"] = date.fromisoformat(str(raw_date or "").strip()[:10])
        except ValueError:
            problems.append(
                _problem(
                    "visited_on",
                    "evaluation.date",
                    "走访日期应为日期（例如 2020-11-05）",
                    "the date of the visit is a date (e.g. 2020-11-05)",
                    row,
                )
            )
    if "visited_on" in clean and clean["visited_on"] > today:
        problems.append(
            _problem(
                "visited_on",
                "evaluation.future",
                "走访日期不能晚于今天",
                "the visit cannot be in the future",
                row,
            )
        )
    raw_income = values.get("income_pc")
    try:
        income = Decimal(str(raw_income).replace(",", "").strip())
        if not income.is_finite() or income < 0 or income > INCOME_MAX:
            raise InvalidOperation
        clean["income_pc"] = income.quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        problems.append(
            _problem(
                "income_pc",
                "evaluation.income",
                "人均纯收入应为 0 到 10,000,000 之间的金额（元）",
                "the per-capita net income is an amount from 0 to 10,000,000 yuan",
                row,
            )
        )
    for field in (*engine.GUARANTEES, "approves"):
        answer = _yes_no(values.get(field, ""))
        if answer is None:
            zh, en = FIELD_LABELS[field]
            problems.append(
                _problem(field, "evaluation.yes_no", f"{zh}：请填“是”或“否”", f"{en}: answer yes or no", row)
            )
        else:
            clean[field] = answer
    note = str(values.get("note") or "").strip()
    if len(note) > 500:
        problems.append(
            _problem("note", "evaluation.note", "备注最多 500 字", "the note has at most 500 characters", row)
        )
    clean["note"] = note[:500]
    return clean, problems


def can_record(user, evaluation: Evaluation) -> bool:
    return (user is None or user.can("records_evaluation_visits")) and scope.contains(
        user, evaluation.county_id
    )


def _check_open(evaluation: Evaluation) -> None:
    if evaluation.status != "open":
        raise EvaluationRejected.one(
            "status",
            "该考核评估已完成，不能再录入或修改核查",
            "this evaluation is closed: visits can no longer be recorded or changed",
            "evaluation.closed",
        )


def _save_visit(user, sampled: SampledHousehold, clean: dict[str, Any]) -> Visit:
    visit = getattr(sampled, "visit", None) if sampled.pk else None
    if visit is None:
        visit = Visit(sampled=sampled)
    for k, v in clean.items():
        setattr(visit, k, v)
    visit.recorded_by = user
    visit.save()
    return visit


def record_visit(
    user, evaluation_pk: int, sampled_pk: int, values: dict[str, Any], *, version: str | None = None
) -> Visit:
    """Record (or correct) the verification visit of one sampled household. `version`: the visit's version
    the correction is based on (None: not checked)."""
    evaluation = selectors.get_evaluation(user, evaluation_pk)
    if not can_record(user, evaluation):
        raise Denied(*VISIT_DENIED)
    clean, problems = validate_visit(values)
    if problems:
        raise EvaluationRejected(problems)
    with transaction.atomic():
        evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        _check_open(evaluation)
        sampled = SampledHousehold.objects.select_related("visit").get(evaluation=evaluation, pk=sampled_pk)
        existing = getattr(sampled, "visit", None)
        if existing is not None:
            existing = Visit.objects.select_for_update().get(pk=existing.pk)
            versions.check(visit_version(existing), version)
        return _save_visit(user, sampled, clean)


IMPORT_COLUMNS = {
    "户编号": "household_no",
    "household number": "household_no",
    "走访日期": "visited_on",
    "核查日期": "visited_on",
    "date of the visit": "visited_on",
    "人均纯收入": "income_pc",
    "核实人均纯收入": "income_pc",
    "per-capita net income": "income_pc",
    **{zh: k for k, (zh, _en) in FIELD_LABELS.items() if k in engine.GUARANTEES},
    **{en: k for k, (_zh, en) in FIELD_LABELS.items() if k in engine.GUARANTEES},
    "认可": "approves",
    "是否认可": "approves",
    "approves": "approves",
    "备注": "note",
    "note": "note",
}
REQUIRED_COLUMNS = frozenset({"household_no", "visited_on", "income_pc", *engine.GUARANTEES, "approves"})


def import_visits(user, evaluation_pk: int, path: Path | str) -> int:
    """Record the visits of a workbook (or csv): one row per visited household, by 户编号. Every row is
    checked first; any problem refuses the whole file (EvaluationRejected with each row's problems) and
    nothing is saved. A row of a household already visited corrects its visit. Returns the rows saved."""
    evaluation = selectors.get_evaluation(user, evaluation_pk)
    if not can_record(user, evaluation):
        raise Denied(*VISIT_DENIED)
    _check_open(evaluation)
    try:
        rows = read_table(Path(path), columns=IMPORT_COLUMNS, required=REQUIRED_COLUMNS)
    except FileUnreadable:
        raise
    except TableError as e:
        raise EvaluationRejected.one("file", e.message_zh, e.message_en, "evaluation.file") from None
    sampled = {
        s.household.household_no: s
        for s in SampledHousehold.objects.filter(evaluation=evaluation).select_related("household", "visit")
    }
    problems: list[Problem] = []
    cleaned: list[tuple[SampledHousehold, dict[str, Any]]] = []
    seen: set[str] = set()
    for r in rows.iter_rows(named=True):
        row = r["_row"]
        number = (r.get("household_no") or "").strip()
        clean, row_problems = validate_visit(r, row=row)
        problems += row_problems
        if number not in sampled:
            problems.append(
                _problem(
                    "household_no",
                    "evaluation.not_sampled",
                    f"户编号 {number} 不在本次抽样中",
                    f"household {number} is not in this evaluation's sample",
                    row,
                )
            )
            continue
        if number in seen:
            problems.append(
                _problem(
                    "household_no",
                    "evaluation.duplicate",
                    f"户编号 {number} 重复出现",
                    f"household {number} appears twice",
                    row,
                )
            )
            continue
        seen.add(number)
        if not row_problems:
            cleaned.append((sampled[number], clean))
    if not rows.height:
        problems.append(
            _problem("file", "evaluation.empty_file", "文件中没有核查记录", "the file holds no visits")
        )
    if problems:
        raise EvaluationRejected(problems)
    with transaction.atomic():
        locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        _check_open(locked)
        for s, clean in cleaned:
            _save_visit(user, s, clean)
        Evaluation.objects.filter(pk=evaluation.pk).update(updated_at=timezone.now())
    return len(cleaned)


# --- close ----------------------------------------------------------------------------------------------------


def close_evaluation(user, evaluation_pk: int, *, version: str | None = None) -> Evaluation:
    """Close an evaluation: its visits are final and its figures feed the county exit evaluation of its year.
    `version`: the evaluation's version the closing is based on (None: not checked)."""
    evaluation = selectors.get_evaluation(user, evaluation_pk)
    if not can_create(user):
        raise Denied(*CLOSE_DENIED)
    with transaction.atomic():
        evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        versions.check(evaluation_version(evaluation), version)
        _check_open(evaluation)
        if not Visit.objects.filter(sampled__evaluation=evaluation).exists():
            raise EvaluationRejected.one(
                "status",
                "尚无入户核查记录，不能完成",
                "no visits recorded yet: the evaluation cannot be closed",
                "evaluation.no_visits",
            )
        evaluation.status, evaluation.closed_by, evaluation.closed_at = "closed", user, timezone.now()
        evaluation.save(update_fields=["status", "closed_by", "closed_at", "updated_at"])
    return evaluation
