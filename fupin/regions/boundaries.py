"""Region boundaries (行政区划边界): upload a GeoJSON FeatureCollection, read the outlines of a region's children.

One validation path for the page, the API and `fupin import boundaries FILE`: `import_boundaries` reads the
whole file, reports every rejected feature (its index, code and why, in Chinese and English) and saves all
or nothing — or, with `skip_invalid`, the valid features only. A problem with the file itself (not JSON,
not a FeatureCollection, too big, too many features) always rejects it. Re-uploading a region replaces its
outline. Coordinates are kept to 5 decimals (about a metre), which is plenty for a choropleth map and
keeps the pages light.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from django.db import transaction

from fupin.core.errors import InputRejected, Problem, in_language
from fupin.engine.regions import PREFIX_LENGTHS_EN, PREFIX_LENGTHS_ZH
from fupin.regions import codes
from fupin.regions.models import Region, RegionBoundary

MAX_BYTES = 50 * 1024 * 1024
MAX_FEATURES = 20_000
CODE_PROPERTIES = ("行政区划代码", "code", "adcode", "region_code")
GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
DIGITS = 5


def may_upload(user) -> bool:
    """Who loads boundaries: the roles that approve (the role table's `approves`); the CLI operator
    (no user) may too."""
    return user is None or user.can("approves")


@dataclass(frozen=True)
class BoundaryProblem:
    """One rejected feature (`index` from 0, None for the whole file)."""

    index: int | None
    code: str
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        if self.index is None:
            return f"文件：{self.message_zh} / file: {self.message_en}"
        return (
            f"第{self.index}个要素 代码“{self.code}”：{self.message_zh} / "
            f"feature {self.index} code '{self.code}': {self.message_en}"
        )

    def as_problem(self) -> Problem:
        field = "file" if self.index is None else f"features[{self.index}]"
        return Problem(field, "boundaries.rejected", self.message_zh, self.message_en, self.code, self.index)

    def as_item(self) -> dict:
        """The API's item of a feature skipped (or, through BoundariesRejected, refused)."""
        return self.as_problem().api_item(with_value=True)


@dataclass
class BoundaryReport:
    """What an upload did; when `problems` is not empty and nothing was skipped, why it saved nothing."""

    features: int = 0
    created: int = 0
    replaced: int = 0
    skipped: int = 0
    problems: list[BoundaryProblem] = field(default_factory=list)
    saved: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def summaries(self) -> tuple[str, str]:
        """What the upload did, in Chinese and in English."""
        if not self.saved:
            n = len(self.problems)
            return f"已拒绝，未保存任何边界：{n} 个问题", f"rejected, no boundary saved: {n} problem(s)"
        zh = f"{self.features} 个要素：新增 {self.created}，替换 {self.replaced}"
        en = f"{self.features} features: {self.created} created, {self.replaced} replaced"
        if self.skipped:
            zh, en = (
                f"{zh}；跳过 {self.skipped} 个无效要素",
                f"{en}; {self.skipped} invalid feature(s) skipped",
            )
        return zh, en

    def summary(self) -> str:
        """For the command line: both languages."""
        zh, en = self.summaries()
        return f"{zh} / {en}"

    def message(self) -> str:
        """For the page: the active language only."""
        return in_language(*self.summaries())


class BoundariesRejected(InputRejected):
    """The upload saved nothing: every problem, for the API's 422."""

    names_value = True

    def __init__(self, report: BoundaryReport) -> None:
        self.report = report
        super().__init__(*(p.as_problem() for p in report.problems), text=report.summary())


# --- validation -------------------------------------------------------------------------------------------


def _file_problem(zh: str, en: str) -> BoundaryReport:
    return BoundaryReport(problems=[BoundaryProblem(None, "", zh, en)])


def _code_of(properties) -> str:
    if not isinstance(properties, dict):
        return ""
    for key in CODE_PROPERTIES:
        value = properties.get(key)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def _position(p) -> list[float] | None:
    if not isinstance(p, list) or len(p) < 2:
        return None
    lon, lat = p[0], p[1]
    if (
        isinstance(lon, bool)
        or isinstance(lat, bool)
        or not isinstance(lon, int | float)
        or not isinstance(lat, int | float)
    ):
        return None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return [round(float(lon), DIGITS), round(float(lat), DIGITS)]


def _polygon(rings) -> list | None:
    """A polygon's rings with rounded positions, or None when it is not one (each ring ≥ 4 positions)."""
    if not isinstance(rings, list) or not rings:
        return None
    out = []
    for ring in rings:
        if not isinstance(ring, list) or len(ring) < 4:
            return None
        positions = [_position(p) for p in ring]
        if any(p is None for p in positions):
            return None
        out.append(positions)
    return out


def clean_geometry(geometry) -> tuple[dict | None, tuple[str, str] | None]:
    """(the geometry with rounded coordinates, None) or (None, (why zh, why en))."""
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        return None, (
            f"几何类型应为 Polygon 或 MultiPolygon（实为 {kind or '空'}）",
            f"geometry must be a Polygon or MultiPolygon (got {kind or 'none'})",
        )
    coords = geometry.get("coordinates")
    if geometry["type"] == "Polygon":
        cleaned = _polygon(coords)
    else:
        parts = [_polygon(p) for p in coords] if isinstance(coords, list) and coords else [None]
        cleaned = None if any(p is None for p in parts) else parts
    if cleaned is None:
        return None, (
            "坐标无效（每个环至少 4 个点，经度 −180…180，纬度 −90…90）",
            "invalid coordinates (each ring needs 4 or more positions, longitude −180…180, latitude −90…90)",
        )
    return {"type": geometry["type"], "coordinates": cleaned}, None


def _code12(raw: str) -> str | None:
    digits = raw.removesuffix(".0")
    if len(digits) == 6 and digits.isdigit():  # adcode: a county's 6-digit code
        return digits.ljust(12, "0")
    try:
        return codes.normalise(digits)
    except codes.RegionCodeError:
        return None


def too_large() -> BoundaryReport:
    """The report of a file over MAX_BYTES (checked on its size before it is read)."""
    mb = MAX_BYTES // (1024 * 1024)
    return _file_problem(f"文件过大（上限 {mb} MB）", f"file too large (limit {mb} MB)")


def validate(data: bytes, user=None) -> tuple[BoundaryReport, dict[str, dict]]:
    """Every problem of the file, and the valid outlines by 12-digit code."""
    if len(data) > MAX_BYTES:
        return too_large(), {}
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as e:
        return _file_problem(f"不是有效的 JSON（{e}）", f"not well-formed JSON ({e})"), {}
    if (
        not isinstance(doc, dict)
        or doc.get("type") != "FeatureCollection"
        or not isinstance(doc.get("features"), list)
    ):
        return _file_problem(
            "应为 GeoJSON FeatureCollection（含 features 列表）",
            "expected a GeoJSON FeatureCollection (with a features list)",
        ), {}
    features = doc["features"]
    if len(features) > MAX_FEATURES:
        return _file_problem(
            f"要素过多（{len(features)} 个，上限 {MAX_FEATURES}）",
            f"too many features ({len(features)}, limit {MAX_FEATURES})",
        ), {}
    report = BoundaryReport(features=len(features))
    if not features:
        report.problems.append(BoundaryProblem(None, "", "没有要素", "no features"))
        return report, {}
    found: dict[int, tuple[str, dict]] = {}
    seen: dict[str, int] = {}
    for i, feature in enumerate(features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            report.problems.append(BoundaryProblem(i, "", "不是 GeoJSON Feature", "not a GeoJSON Feature"))
            continue
        raw = _code_of(feature.get("properties"))
        if not raw:
            report.problems.append(
                BoundaryProblem(
                    i,
                    "",
                    f"缺少区划代码（属性 {'、'.join(CODE_PROPERTIES)} 之一）",
                    f"no region code (one of the properties {', '.join(CODE_PROPERTIES)})",
                )
            )
            continue
        code12 = _code12(raw)
        if code12 is None:
            report.problems.append(
                BoundaryProblem(
                    i,
                    raw,
                    f"区划代码格式错误（应为 {PREFIX_LENGTHS_ZH}）",
                    f"wrong region code format ({PREFIX_LENGTHS_EN} expected)",
                )
            )
            continue
        if code12 in seen:
            report.problems.append(
                BoundaryProblem(
                    i, raw, f"代码与第{seen[code12]}个要素重复", f"same code as feature {seen[code12]}"
                )
            )
            continue
        seen[code12] = i
        geometry, why = clean_geometry(feature.get("geometry"))
        if why:
            report.problems.append(BoundaryProblem(i, raw, *why))
            continue
        found[i] = (code12, geometry)
    wanted = {code for code, _g in found.values()}
    known = set(Region.objects.filter(code__in=wanted).values_list("code", flat=True))
    scope = user.scope_prefix if user is not None else ""
    valid: dict[str, dict] = {}
    for i, (code12, geometry) in found.items():
        raw = _code_of(features[i].get("properties"))
        if code12 not in known:
            report.problems.append(
                BoundaryProblem(
                    i, raw, "没有该行政区划（请先导入区划）", "no such region (import the regions first)"
                )
            )
        elif not code12.startswith(scope):
            report.problems.append(BoundaryProblem(i, raw, "不在您的管辖范围内", "outside your region"))
        else:
            valid[code12] = geometry
    report.problems.sort(key=lambda p: -1 if p.index is None else p.index)
    return report, valid


def import_boundaries(
    data: bytes, user=None, *, file_name: str = "", skip_invalid: bool = False
) -> BoundaryReport:
    """Validate and save the outlines of `data` (GeoJSON bytes) for `user` (None: the CLI operator, unscoped).

    All or nothing unless `skip_invalid`; a problem with the file itself always saves nothing."""
    report, valid = validate(data, user)
    file_level = any(p.index is None for p in report.problems)
    if file_level or (report.problems and not skip_invalid) or not valid:
        return report
    existing = set(
        RegionBoundary.objects.filter(region_id__in=list(valid)).values_list("region_id", flat=True)
    )
    uploaded_by = user if user is not None and user.pk else None
    with transaction.atomic():
        RegionBoundary.objects.filter(region_id__in=existing).delete()
        RegionBoundary.objects.bulk_create(
            [
                RegionBoundary(region_id=code, geometry=g, source=file_name[:255], uploaded_by=uploaded_by)
                for code, g in valid.items()
            ],
            batch_size=500,
        )
    report.created, report.replaced = len(valid) - len(existing), len(existing)
    report.skipped = len({p.index for p in report.problems})
    report.saved = True
    return report


# --- reads ------------------------------------------------------------------------------------------------


def child_boundaries(user, code: str | None):
    """The outlines of the children of `code` (default: the user's region, or the provinces) within the
    user's scope; Region.DoesNotExist when `code` is outside it."""
    from fupin.regions import selectors

    if code:
        region = selectors.get_region_for(user, code)
        prefix, level = region.prefix, region.level + 1
    elif user.region_id:
        prefix, level = user.region.prefix, user.region.level + 1
    else:
        prefix, level = "", codes.PROVINCE
    qs = RegionBoundary.objects.filter(region__level=level).select_related("region").order_by("region_id")
    prefix = max(prefix, user.scope_prefix, key=len)
    return qs.filter(region__code__startswith=prefix) if prefix else qs


def feature_collection(boundaries) -> dict:
    """GeoJSON for ECharts' registerMap: each feature named by its code (the map series' nameProperty)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": b.region_id, "name": b.region.name},
                "geometry": b.geometry,
            }
            for b in boundaries
        ],
    }
