"""Monitoring writes: the registry batch, department lists, self-reports and alert status — all scoped.

The engine (`fupin.engine.monitoring`) finds the signals over whole frames; this module stores them as
`Alert` rows keyed by `Alert.key`, so running the batch again or uploading the same list again updates the
evidence of the alerts already there and never adds a second one.

An alert's `updated_at` is its version (`alert_version`, the API's ETag and the page's hidden field): a status
change based on an older version is refused with EditConflict (409); the batch's refresh of the evidence
moves it on too, for the alerts whose evidence changed.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from fupin.accounts import scope
from fupin.core import cluster, versions
from fupin.core.errors import Denied, InputRejected, Problem
from fupin.core.exports import (
    BATCH_ROWS,
    ExportFile,
    SheetRows,
    batches,
    cell,
    parts_of,
    workbook,
    write_xlsx,
    write_xlsx_batches,
)
from fupin.core.tables import FileUnreadable, TableError, read_table
from fupin.engine import departments, partitioned
from fupin.engine import monitoring as engine
from fupin.monitoring import sources
from fupin.monitoring.codes import SELF_REPORT_KIND
from fupin.monitoring.models import Alert, AlertStatus, Channel, DepartmentImport
from fupin.monitoring.selectors import registry_members
from fupin.policy.models import Parameter
from fupin.policy.services import params_frame
from fupin.regions.codes import RegionCodeError, normalise
from fupin.regions.models import Region
from fupin.registry.selectors import registry_frames

DENIED = ("您无权执行此操作", "you may not do this")
PROBLEM_ROWS_KEPT = 500


class MonitoringError(InputRejected):
    def __init__(self, field: str | None, zh: str, en: str, code: str = "monitoring.invalid"):
        super().__init__(Problem(field, code, zh, en))


# ------------------------------------------------------------------------------------ permissions
def can_run_batch(user) -> bool:
    return user is None or user.can("writes_registry")


def can_import_department(user) -> bool:
    return user is None or user.can("imports_department_data")


def can_handle_alerts(user) -> bool:
    return user is not None and user.can("writes_registry")


def ensure_parameters() -> int:
    """Create the monitoring parameters' default rows that are missing (never touches rows users changed)."""
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


def _clean(value):
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return round(value, 2) if isinstance(value, float) else value


def _upsert(alerts: list[Alert]) -> tuple[int, int]:
    """Insert the alerts whose key is new; refresh the evidence of those already stored (only where it changed,
    so that an alert's version moves on only then). (new, existing)"""
    by_key = {a.key: a for a in alerts}
    keys = list(by_key)
    existing: dict[str, tuple[int, dict, int | None]] = {}
    for i in range(0, len(keys), 500):
        existing.update(
            (k, (pk, ev, imp))
            for k, pk, ev, imp in Alert.objects.filter(key__in=keys[i : i + 500]).values_list(
                "key", "id", "evidence", "department_import_id"
            )
        )
    new = [a for k, a in by_key.items() if k not in existing]
    update, now = [], timezone.now()
    for k, (pk, evidence, import_id) in existing.items():
        a = by_key[k]
        if a.evidence == evidence and (a.department_import_id is None or a.department_import_id == import_id):
            continue
        a.pk, a.updated_at = pk, now  # bulk_update bypasses auto_now
        update.append(a)
    with transaction.atomic():
        Alert.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
        fields = ["evidence", "updated_at"]
        if any(a.department_import_id for a in update):
            fields.append("department_import")
        Alert.objects.bulk_update(update, fields, batch_size=1000)
    return len(new), len(existing)


# ----------------------------------------------------------------------------------------- registry batch
@dataclass
class BatchReport:
    year: int
    prefix: str
    households: int = 0
    signals: int = 0
    new: int = 0
    existing: int = 0
    by_signal: dict[str, dict[str, int]] = field(default_factory=dict)

    def rows(self) -> list[dict]:
        return [
            {
                "signal_id": s,
                "label_zh": engine.signal_label(s, "zh"),
                "label_en": engine.signal_label(s, "en"),
                "households": v["households"],
                "new": v["new"],
            }
            for s, v in self.by_signal.items()
        ]


def run_batch(user, year: int, region: str | None = None, *, dask: str | None = None) -> BatchReport:
    """Run the registry batch over the user's scope (narrowed by `region`) and store the alerts.
    `dask`: a Dask scheduler address (None: FUPIN_DASK_SCHEDULER; '' or unset: this process) to run the
    batch on, partitioned by county; when it cannot be reached ClusterError is raised, nothing written."""
    if not can_run_batch(user):
        raise Denied(*DENIED)
    prefix = scope.resolve(user, region).prefix
    with cluster.client_for(dask) as client:
        ensure_parameters()
        hy, members = registry_frames(prefix, [year - 1, year])
        report = BatchReport(year=year, prefix=prefix)
        if hy.filter(pl.col("year") == year).is_empty():
            return report
        if client is None:
            wide, R = engine.registry_frame(hy, members, params_frame(), year)
            signals, households = engine.signals_long(wide, R), wide.height
        else:
            parts = partitioned.scatter(client, hy, members)
            signals, households = partitioned.registry_batch(parts, params_frame(), year)
    report.households, report.signals = households, signals.height
    known = set(
        Alert.objects.filter(
            channel=Channel.REGISTRY, year=year, region__code__startswith=prefix
        ).values_list("key", flat=True)
    )
    alerts = []
    new_by_signal: dict[str, int] = {}
    for r in signals.iter_rows(named=True):
        key = Alert.make_key(Channel.REGISTRY, "registry", r["signal_id"], r["household_id"], None, year)
        if key not in known:
            new_by_signal[r["signal_id"]] = new_by_signal.get(r["signal_id"], 0) + 1
        alerts.append(
            Alert(
                key=key,
                household_id=r["household_id"],
                region_id=r["village"],
                year=year,
                channel=Channel.REGISTRY,
                source="registry",
                signal=r["signal_id"],
                evidence={"value": _clean(r["value"]), "threshold": _clean(r["threshold"])},
            )
        )
    report.new, report.existing = _upsert(alerts)
    counts = signals.group_by("signal_id").len().sort("signal_id")
    report.by_signal = {s: {"households": n, "new": new_by_signal.get(s, 0)} for s, n in counts.iter_rows()}
    return report


# -------------------------------------------------------------------------------------- department lists
UNMATCHED_SHEET = "未匹配 unmatched"
UNMATCHED_ID_HEADER = "证件号码 ID number"


def _unmatched_workbook(problems: pl.DataFrame, path: Path) -> None:
    headers = [
        ("行号 Row", "_row"),
        (UNMATCHED_ID_HEADER, "id_number_raw"),
        ("姓名 Name", "name_raw"),
        ("金额 Amount", "amount"),
        ("状态 Status", "status"),
        ("说明", "message_zh"),
        ("Explanation", "message_en"),
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = workbook(path, constant_memory=True)
    text = wb.add_format({"num_format": "@"})
    bold = wb.add_format({"bold": True})

    def start(ws) -> int:
        for j, (h, _) in enumerate(headers):
            ws.write_string(0, j, h, bold)
        ws.set_column(1, 1, 22)
        ws.set_column(5, 6, 40)
        return 1

    sheets = SheetRows(wb, UNMATCHED_SHEET, start)
    for row in problems.select([k for _, k in headers]).iter_rows():
        ws, i = sheets.next()
        for j, v in enumerate(row):
            if cell(v) is None:  # null, NaN and inf: an empty cell
                continue
            if isinstance(v, (int, float)):
                ws.write_number(i, j, v)
            else:
                ws.write_string(i, j, str(v), text)
    wb.close()


def import_department(
    user,
    path: Path,
    *,
    source: str,
    year: int | None = None,
    file_name: str | None = None,
    today: date | None = None,
) -> DepartmentImport:
    """Match a department's list to the registry in the user's scope; store alerts for the rows that meet
    the source's threshold; keep every other row in the report and the unmatched-rows workbook."""
    if not can_import_department(user):
        raise Denied(*DENIED)
    if source not in sources.SOURCES:
        raise MonitoringError("source", f"未知的数据来源：{source}", f"unknown source: {source}")
    today = today or date.today()
    year = year or today.year
    prefix = scope.prefix_for(user)
    ensure_parameters()
    try:
        rows = read_table(
            Path(path), columns=sources.columns_for(source), required=sources.required_for(source)
        )
    except FileUnreadable:
        raise
    except TableError as e:
        raise MonitoringError("file", e.message_zh, e.message_en, code="monitoring.file") from None
    result = departments.match_department(
        rows, registry_members(prefix, year), params_frame(), source=source, year=year, today=today
    )
    extra = [k for k in ("event", "date", "detail") if k in rows.columns]
    result = pl.concat([result, rows.select(extra)], how="horizontal") if extra else result
    counts = dict(result.group_by("status").len().sort("status").iter_rows())
    problems = result.filter(~pl.col("status").is_in(["signal", "below_threshold"]))
    batch = DepartmentImport.objects.create(
        source=source,
        year=year,
        file_name=file_name or Path(path).name,
        scope=prefix,
        user=user,
        rows=result.height,
        counts=counts,
        problem_rows=[
            {k: _clean(v) for k, v in r.items()}
            for r in problems.head(PROBLEM_ROWS_KEPT)
            .select("_row", "id_number_raw", "name_raw", "amount", "status", "message_zh", "message_en")
            .iter_rows(named=True)
        ],
    )
    if problems.height:
        out = Path(settings.FUPIN_HOME) / "monitoring" / f"department-{batch.pk}-unmatched.xlsx"
        _unmatched_workbook(problems, out)
        batch.unmatched_file = str(out)
    alerts = []
    for r in result.filter(pl.col("status") == "signal").iter_rows(named=True):
        evidence: dict[str, object] = {
            "row": r["_row"],
            "name": r["name_raw"],
            "amount": _clean(r["amount"]),
            "threshold": _clean(r["threshold"]),
            "file": batch.file_name,
            **{k: r[k] for k in extra if r.get(k) is not None},
        }
        signal = f"DEPT-{source}"
        alerts.append(
            Alert(
                key=Alert.make_key(
                    Channel.DEPARTMENT, source, signal, r["household_id"], r["member_id"], year
                ),
                household_id=r["household_id"],
                member_id=r["member_id"],
                region_id=r["village"],
                year=year,
                channel=Channel.DEPARTMENT,
                source=source,
                signal=signal,
                evidence=evidence,
                department_import=batch,
            )
        )
    batch.alerts_new, batch.alerts_existing = _upsert(alerts)
    batch.save()
    return batch


# -------------------------------------------------------------------------------------------- self-report
SELF_REPORT_KINDS = tuple(SELF_REPORT_KIND.values)


def self_report(
    *,
    name: str,
    id_number: str,
    phone: str,
    kind: str,
    description: str,
    county: str | None = None,
    today: date | None = None,
) -> Alert:
    """A person's own report (农户自主申报): lands in the household's village inbox, or — when the person is
    not in the registry — in the unmatched inbox of the county (given, or read from the ID number)."""
    from fupin.registry.models import Member

    today = today or date.today()
    member = (
        Member.objects.filter(id_number=id_number, is_deleted=False, household__is_deleted=False)
        .select_related("household")
        .first()
    )
    evidence = {
        "name": name,
        "id_number": id_number,
        "phone": phone,
        "kind": kind,
        "description": description,
        "name_matches": bool(member and member.name.replace(" ", "") == name.replace(" ", "")),
    }
    region_id: str | None  # (an unknown county and ID prefix: no region)
    if member and member.household:  # (the query joins the household: a member found has one)
        region_id, household = member.household.village_id, member.household
    else:
        region_id, household = _county_inbox(county, id_number), None
    n = Alert.objects.filter(
        channel=Channel.SELF_REPORT,
        key__startswith=f"self_report:self_report:{kind}:"
        f"{household.pk if household else ''}:{member.pk if member else id_number}:",
    ).count()
    key = Alert.make_key(
        Channel.SELF_REPORT,
        "self_report",
        kind,
        household.pk if household else "",
        member.pk if member else id_number,
        f"{today.isoformat()}#{n + 1}",
    )
    return Alert.objects.create(
        key=key,
        household=household,
        member=member,
        region_id=region_id,
        year=today.year,
        channel=Channel.SELF_REPORT,
        source="self_report",
        signal=f"SELF-{kind}",
        evidence=evidence,
    )


def alert_from_visit(visit, risk: str) -> Alert:
    """A cadre's visit that found a risk (基层干部排查): one alert in the household's village inbox, carrying
    the visit as its evidence."""
    from fupin.codes import RISK

    if risk not in RISK:
        raise ValueError(risk)
    household = visit.household
    key = Alert.make_key(Channel.VISIT, "cadre", risk, household.pk, "", f"{visit.date.year}#visit{visit.pk}")
    return Alert.objects.create(
        key=key,
        household=household,
        region_id=household.village_id,
        year=visit.date.year,
        channel=Channel.VISIT,
        source="cadre",
        signal=f"VISIT-{risk}",
        evidence={
            "visit": visit.pk,
            "visitor": visit.visitor,
            "date": visit.date.isoformat(),
            "risk": risk,
            "risk_zh": RISK.label(risk, "zh"),
            "risk_en": RISK.label(risk, "en"),
            "found": visit.found,
            "follow_up": visit.follow_up,
        },
    )


def _county_inbox(county: str | None, id_number: str) -> str | None:
    candidates = []
    if county:
        try:
            candidates.append(normalise(county)[:6].ljust(12, "0"))
        except RegionCodeError:
            pass
    candidates += [id_number[:6].ljust(12, "0"), id_number[:4].ljust(12, "0"), id_number[:2].ljust(12, "0")]
    found = set(Region.objects.filter(code__in=candidates).values_list("code", flat=True))
    return next((c for c in candidates if c in found), None)


# ------------------------------------------------------------------------------------------ alert status
def alert_version(alert: Alert) -> str:
    """The version of an alert: changes with every save of it (status, note, the batch's evidence)."""
    return versions.stamp(alert)


def set_status(user, alert: Alert, status: str, note: str = "", *, version: str | None = None) -> Alert:
    """Set the alert's status and add the note to its notes. `version`: the alert's version the change is
    based on (None: not checked). `alert` is read again, locked, and updated in place."""
    if not can_handle_alerts(user) or not scope.contains(user, alert.region_id):
        raise Denied(*DENIED)
    if status not in AlertStatus.values:
        raise MonitoringError("status", f"未知状态：{status}", f"unknown status: {status}")
    with transaction.atomic():
        alert.refresh_from_db(from_queryset=Alert.objects.select_for_update())
        versions.check(alert_version(alert), version)
        alert.status, alert.updated_by = status, user
        if note.strip():
            alert.note = (alert.note + "\n" if alert.note else "") + note.strip()
        alert.save(update_fields=["status", "note", "updated_by", "updated_at"])
    return alert


ALERT_SHEET = "预警 alerts"
ALERT_SCHEMA = {
    "编号 id": pl.Int64,
    "年度 year": pl.Int64,
    "区划 region": pl.String,
    "户编号 household": pl.String,
    "渠道 channel": pl.String,
    "来源 source": pl.String,
    "信号 signal": pl.String,
    "状态 status": pl.String,
    "时间 created": pl.Datetime,
}


def alert_frames(alerts, lang: str) -> Iterator[pl.DataFrame]:
    """The alerts as the export's rows, a batch at a time through a cursor, with the signal's label."""
    from fupin.monitoring.selectors import signal_label

    rows = alerts.values_list(
        "id",
        "year",
        "region_id",
        "household__household_no",
        "channel",
        "source",
        "signal",
        "status",
        "created_at",
    ).iterator(chunk_size=BATCH_ROWS)
    labels: dict[str, str] = {}
    for df in batches(rows, ALERT_SCHEMA):
        for s in df["信号 signal"].unique().drop_nulls():
            if s not in labels:
                labels[s] = signal_label(s, lang)
        yield df.with_columns(
            pl.col("信号 signal")
            .replace_strict(labels, default=None, return_dtype=pl.String)
            .alias("说明 label")
        )


def export_alerts(alerts, lang: str) -> tuple[ExportFile, int]:
    """The alerts workbook, written in constant memory into an export file; `(file, rows)`."""
    out = ExportFile(".xlsx")
    try:
        n = write_xlsx_batches(out.path, [(ALERT_SHEET, alert_frames(alerts, lang), {"autofit": False})])
    except BaseException:
        out.discard()
        raise
    return out, n[ALERT_SHEET]


def unmatched_download(user, batch: DepartmentImport) -> bytes:
    """The unmatched-rows workbook of a department import, its ID numbers masked for roles without them."""
    from fupin.core.privacy import masked_frame

    if user.can("sees_id_numbers"):
        return Path(batch.unmatched_file).read_bytes()
    sheets = pl.read_excel(batch.unmatched_file, sheet_id=0, infer_schema_length=0)  # {name: rows}
    df = pl.concat([sheets[name] for name in parts_of(UNMATCHED_SHEET, sheets)])
    df = masked_frame(df, user, id_cols=(UNMATCHED_ID_HEADER,), phone_cols=())
    buf = io.BytesIO()
    write_xlsx(buf, df, UNMATCHED_SHEET, table_style=None, autofit=True)
    return buf.getvalue()
