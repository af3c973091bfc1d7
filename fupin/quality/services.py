"""Data-quality writes: run the rule catalogue over a region and reconcile the findings; work the findings.

Reconciliation compares key sets as Polars frames (the engine's findings against the stored ones read with
one SELECT) and writes with bulk_create / bulk_update / update-by-id-lists: no query per finding.

    engine finds, nothing stored              → new finding, open
    stored open                               → last_seen_at updated (the value too if it changed)
    stored fixed or resolved, found again     → reopened (open; the note is kept)
    stored explained, found with the same value → stays explained (a person said the data is right)
    stored explained, found with another value  → reopened
    stored open or fixed, no longer found      → resolved (the data no longer triggers the rule)

Every change of a finding sets its `updated_at` — its version (`finding_version`), which the API's ETag and
the worklist's hidden fields carry — the bulk ones too (update() and bulk_update() bypass auto_now); a run
that finds it again unchanged only moves `last_seen_at`. Work
on findings may name the versions it was based on: the findings are read locked in the transaction that
writes them, and work based on an older version of any of them is refused with EditConflict (409).
"""

from __future__ import annotations

import time
from dataclasses import astuple
from datetime import datetime

import polars as pl
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from fupin.accounts import scope
from fupin.core import cluster, versions
from fupin.core.errors import Denied
from fupin.engine import integrity, partitioned, quality, regions
from fupin.quality import integrity as integrity_checks
from fupin.quality.errors import QualityInputError
from fupin.quality.models import EXPLAINED, FIXED, OPEN, RESOLVED, Finding, QualityRun
from fupin.quality.selectors import family_of, findings_for, stored_findings
from fupin.registry.selectors import registry_frames

KEY = ["rule_id", "household_id", "_member"]
CATALOGUE = quality.RULES + integrity.RULES
CHUNK = 5000  # ids per UPDATE … WHERE id IN (…): well under SQLite's and PostgreSQL's parameter limits
VALUE_LEN = Finding._meta.get_field("value").max_length


READ_ONLY = (
    "您的角色只能查看数据质量问题，不能处理",
    "your role may view data-quality findings but not act on them",
)


NOT_INTEGRITY = (
    "防数字脱贫疑点由县级审定、督导或审计人员处理",
    "the anti-paper-exit findings are worked by county approvers, supervisors and auditors",
)
# The permission that works each rule family's findings.
PERMISSION = {"quality": "writes_registry", "integrity": "works_integrity"}


def require_writer(user) -> None:
    """Running the rules is for roles that write the registry (None = the operator)."""
    if user is not None and not user.can("writes_registry"):
        raise Denied(*READ_ONLY)


def may_work(user, family: str | None = None) -> bool:
    """Whether the user may work findings of `family` (None: of some family)."""
    if user is None:
        return True
    families = [family] if family else list(PERMISSION)
    return any(user.can(PERMISSION[f]) for f in families)


def require_worker(user, ids: list[int]) -> set[str]:
    """The findings' rule families, each of which the user must be allowed to work (403 otherwise):
    the data-quality findings by roles that write the registry, the integrity ones (防数字脱贫) by
    roles that work them — not those who recorded the exits."""
    rule_ids = set(Finding.objects.filter(id__in=ids).values_list("rule_id", flat=True))
    families = {family_of(r) for r in rule_ids}
    if user is not None:
        if "quality" in families and not user.can("writes_registry"):
            raise Denied(*READ_ONLY)
        if "integrity" in families and not user.can("works_integrity"):
            raise Denied(*NOT_INTEGRITY)
    return families


def check_year(year) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = 0
    if not 1949 <= year <= 2100:
        raise QualityInputError(
            "year",
            "quality.year",
            "年度应为1949至2100之间的整数",
            "the year must be a whole number between 1949 and 2100",
        )
    return year


def _params_used(params: pl.DataFrame, year: int, prefix: str) -> list[dict]:
    """The parameter rows the rules read that apply to this year and region (stored with the run)."""
    names = [*quality.RULE_PARAMS, *integrity.PARAMS]
    ancestors = ["", *regions.ancestors(prefix)]
    rc = pl.col("region_code")
    used = params.filter(
        pl.col("name").is_in(names)
        & (pl.col("year_from") <= year)
        & (pl.col("year_to").is_null() | (pl.col("year_to") >= year))
        & (rc.is_in(ancestors) | rc.str.starts_with(prefix))
    )
    return used.sort("name", "region_code", "year_from").to_dicts()


def _engine_findings(prefix: str, year: int, params: pl.DataFrame, client=None) -> pl.DataFrame:
    """The findings of the whole catalogue: the data-quality rules over `year`, the integrity rules over
    `year` with the year before (for the rise of income); over the workers of the Dask `client`,
    partitioned by county, when one is given (the same findings)."""
    household_years, members = registry_frames(prefix, [year - 1, year])
    if client is None:
        parts = [
            quality.run(household_years.filter(pl.col("year") == year), members, params, year=year),
            integrity_checks.findings(prefix, year, household_years, members, params),
        ]
    else:
        reg = partitioned.scatter(
            client, household_years, members, by_household=integrity_checks.household_frames(prefix, year)
        )
        parts = [
            partitioned.quality_findings(reg, params, year=year),
            integrity_checks.partitioned_findings(prefix, year, reg, params),
        ]
    found = pl.concat(parts, how="vertical")
    return (
        found.filter(pl.col("household_id").is_not_null())
        .with_columns(
            pl.col("value").fill_null("").str.slice(0, VALUE_LEN),
            pl.col("member_id").fill_null(0).alias("_member"),
        )
        .unique(KEY, keep="first", maintain_order=True)
    )


def _update_ids(ids: list[int], **values) -> None:
    for i in range(0, len(ids), CHUNK):
        Finding.objects.filter(id__in=ids[i : i + CHUNK]).update(**values)


def reconcile(found: pl.DataFrame, stored: pl.DataFrame, *, year: int, now: datetime) -> dict[str, int]:
    """Bring the stored findings of one scope and year in line with the engine's (see the module note)."""
    matched = found.join(
        stored.select("id", *KEY, pl.col("status"), pl.col("value").alias("_old")), on=KEY, how="inner"
    )
    new = found.join(stored.select(KEY), on=KEY, how="anti")
    gone = stored.join(found.select(KEY), on=KEY, how="anti")

    status, changed_value = pl.col("status"), pl.col("value") != pl.col("_old")
    reopen = status.is_in([FIXED, RESOLVED]) | ((status == EXPLAINED) & changed_value)
    rewrite = matched.filter(reopen | ((status == OPEN) & changed_value))
    n_reopened = matched.filter(reopen).height

    Finding.objects.bulk_create(
        [
            Finding(
                rule_id=r["rule_id"],
                scope=r["scope"],
                household_id=r["household_id"],
                member_id=r["member_id"],
                year=year,
                severity=r["severity"],
                message_zh=r["message_zh"],
                message_en=r["message_en"],
                value=r["value"],
                status=OPEN,
                first_seen_at=now,
                last_seen_at=now,
            )
            for r in new.iter_rows(named=True)
        ],
        batch_size=2000,
    )
    Finding.objects.bulk_update(
        [
            Finding(id=r["id"], value=r["value"], status=OPEN, closed_at=None, closed_by=None, updated_at=now)
            for r in rewrite.select("id", "value").iter_rows(named=True)
        ],
        ["value", "status", "closed_at", "closed_by", "updated_at"],
        batch_size=2000,
    )
    # Found again as it was: not a new version (a worklist opened before the run stays current).
    _update_ids(matched["id"].to_list(), last_seen_at=now)
    gone_open = gone.filter(status == OPEN)["id"].to_list()
    gone_fixed = gone.filter(status == FIXED)["id"].to_list()  # a fix the data now confirms
    _update_ids(gone_open, status=RESOLVED, closed_at=now, closed_by=None, updated_at=now)
    _update_ids(gone_fixed, status=RESOLVED, updated_at=now)
    return {"created": new.height, "reopened": n_reopened, "resolved": len(gone_open) + len(gone_fixed)}


def run_quality(user, year, region: str | None = None, *, dask: str | None = None) -> QualityRun:
    """Run every rule for `year` over `region` (default: the user's region) and reconcile the findings.
    `dask`: a Dask scheduler address (None: FUPIN_DASK_SCHEDULER; '' or unset: this process); when it cannot
    be reached ClusterError is raised before anything is written."""
    from fupin.policy.services import params_frame

    require_writer(user)
    year = check_year(year)
    code, prefix = astuple(scope.resolve(user, region))
    started = time.perf_counter()
    params = params_frame()
    with cluster.client_for(dask) as client:
        found = _engine_findings(prefix, year, params, client)
    counts = quality.summary(found, CATALOGUE).filter(pl.col("count") > 0)
    with transaction.atomic():
        outcome = reconcile(found, stored_findings(prefix, year), year=year, now=timezone.now())
        return QualityRun.objects.create(
            user=user,
            year=year,
            region_code=code,
            region_prefix=prefix,
            params=_params_used(params, year, prefix),
            counts=dict(zip(counts["rule_id"], counts["count"], strict=True)),
            findings=found.height,
            seconds=round(time.perf_counter() - started, 3),
            **outcome,
        )


# ---- working the findings -------------------------------------------------------------------------


def _scoped(user, ids) -> list[int]:
    """The ids, all of them in the user's scope (else 404, identical to a missing finding)."""

    try:
        ids = sorted({int(i) for i in ids})
    except (TypeError, ValueError):
        raise QualityInputError(
            "ids", "quality.ids", "所选记录无效", "the selected rows are not valid"
        ) from None
    if not ids:
        raise QualityInputError("ids", "quality.none_selected", "请先选择记录", "select at least one finding")
    found = list(findings_for(user).filter(id__in=ids).values_list("id", flat=True))
    if len(found) != len(ids):
        raise Http404("finding")
    return ids


def assignable_users(
    user, families: set[str] | frozenset[str] = frozenset({"quality"}), *, any_family: bool = False
):
    """Who may be given findings of these rule families: active accounts of roles that may work each of
    them (`any_family`: one of them) — the registry's writers, for integrity findings those who work
    them — in the user's subtree."""
    from fupin.accounts.models import User
    from fupin.accounts.roles import roles_that

    working = [set(roles_that(PERMISSION[f])) for f in families]
    if not working:
        roles: set[str] = set()
    else:
        roles = set.union(*working) if any_family else set.intersection(*working)
    qs = User.objects.filter(is_active=True, role__in=sorted(roles)).select_related("region")
    prefix = scope.prefix_for(user)
    return qs.filter(region__code__startswith=prefix) if prefix else qs


def finding_version(finding: Finding) -> str:
    """The version of a finding: changes with every write to it (a person's work, a run of the rules)."""
    return versions.stamp(finding)


def _check_versions(ids: list[int], expected: dict[int, str] | None) -> None:
    """Lock the findings' rows until the transaction ends; EditConflict if one of those named in `expected`
    (id → version the work is based on) is no longer at that version. The caller holds a transaction."""
    locked = Finding.objects.select_for_update().filter(id__in=ids).order_by("id").only("id", "updated_at")
    current = {f.pk: finding_version(f) for f in locked}
    for pk in ids:
        versions.check(current[pk], (expected or {}).get(pk))


@transaction.atomic
def assign(user, ids, assignee_id, *, versions_seen: dict[int, str] | None = None) -> int:
    """Give the findings to a person (None or '' = nobody). The assignee must see every one of them.
    `versions_seen`: finding id → the version the work is based on (findings left out are not checked)."""
    if not may_work(user):
        raise Denied(*READ_ONLY)
    ids = _scoped(user, ids)
    families = require_worker(user, ids)
    _check_versions(ids, versions_seen)
    if assignee_id in (None, ""):
        return Finding.objects.filter(id__in=ids).update(assignee=None, updated_at=timezone.now())
    candidates = assignable_users(user, families)
    assignee = candidates.filter(pk=assignee_id).first() if str(assignee_id).isdigit() else None
    if assignee is None and "integrity" in families:
        raise QualityInputError(
            "assignee",
            "quality.assignee_integrity",
            "防数字脱贫疑点只能分派给本辖区内的县级审定、督导或审计人员",
            "anti-paper-exit findings can only be assigned to a county approver, supervisor or auditor of "
            "your region",
        )
    if assignee is None:
        raise QualityInputError(
            "assignee",
            "quality.assignee",
            "只能分派给本辖区内可录入数据的用户",
            "findings can only be assigned to a user of your region who writes the registry",
        )
    outside = Finding.objects.filter(id__in=ids).exclude(
        household__village__code__startswith=assignee.scope_prefix
    )
    if assignee.scope_prefix and outside.exists():
        raise QualityInputError(
            "assignee",
            "quality.assignee_scope",
            "所选问题有不在该用户管辖范围内的记录",
            "some selected findings are outside that user's region",
        )
    return Finding.objects.filter(id__in=ids).update(assignee=assignee, updated_at=timezone.now())


@transaction.atomic
def set_status(user, ids, status: str, note: str = "", *, versions_seen: dict[int, str] | None = None) -> int:
    """Mark findings fixed or explained (a note is required: why the data is right), or reopen them.
    `versions_seen`: finding id → the version the work is based on (findings left out are not checked)."""
    if not may_work(user):
        raise Denied(*READ_ONLY)
    note = (note or "").strip()
    if status not in (OPEN, FIXED, EXPLAINED):
        raise QualityInputError(
            "status",
            "quality.status",
            "状态只能改为待处理、已修正或已说明",
            "the status can only be set to open, fixed or explained",
        )
    if status == EXPLAINED and not note:
        raise QualityInputError(
            "note",
            "quality.note_required",
            "标记为已说明时必须填写说明",
            "a note is required to mark a finding explained",
        )
    ids = _scoped(user, ids)
    require_worker(user, ids)
    _check_versions(ids, versions_seen)
    now = timezone.now()
    values: dict = {"status": status, "updated_at": now}
    if status == OPEN:
        values |= {"closed_at": None, "closed_by": None}
    else:
        values |= {"closed_at": now, "closed_by": user}
    if note:
        values["note"] = note
    return Finding.objects.filter(id__in=ids).update(**values)


def update_finding(
    user,
    pk: int,
    *,
    status: str | None = None,
    assignee: int | str | None = "",
    note: str | None = None,
    version: str | None = None,
) -> Finding:
    """One finding's status, assignee and note (the API's PATCH); assignee '' = unchanged, None = nobody.
    `version`: the finding's version the change is based on (None: not checked)."""
    if not may_work(user):
        raise Denied(*READ_ONLY)
    _scoped(user, [pk])
    require_worker(user, [pk])
    with transaction.atomic():
        _check_versions([pk], {pk: version} if version is not None else None)
        if assignee != "":
            assign(user, [pk], assignee)
        if status is not None:
            set_status(user, [pk], status, note or "")
        elif note is not None:
            Finding.objects.filter(id=pk).update(note=note.strip(), updated_at=timezone.now())
    return Finding.objects.get(pk=pk)
