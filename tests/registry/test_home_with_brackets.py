"""A data folder whose path holds brackets (`县[2024]`, as people name folders): every file fupin writes
there is read back as that file, never taken for a pattern of file names."""

from __future__ import annotations

import polars as pl
import pytest
from factories import id_number, region_tree

from fupin.registry import snapshot
from fupin.registry.importer import import_frames
from fupin.registry.models import Household
from fupin.registry.selectors import registry_frames
from fupin.reports import services

pytestmark = pytest.mark.django_db(transaction=True)  # the snapshot reads committed rows


@pytest.fixture
def home(settings, tmp_path):
    settings.FUPIN_HOME = tmp_path / "县[2024]" / "数据"
    settings.FUPIN_HOME.mkdir(parents=True)
    return settings.FUPIN_HOME


def frames(village: str, *, id_ok: bool = True) -> tuple[pl.DataFrame, pl.DataFrame]:
    idn = id_number("520526", seq=5)
    if not id_ok:
        idn = idn[:17] + ("0" if idn[17] != "0" else "1")
    households = pl.DataFrame(
        [{"household_no": f"{village}0001", "year": "2024", "region_code": village, "status": "未脱贫"}]
    )
    members = pl.DataFrame(
        [{"household_no": f"{village}0001", "name": "甲", "id_number": idn, "relation": "户主", "sex": "男"}]
    )
    row = (pl.int_range(pl.len(), dtype=pl.Int64) + 2).alias("_row")
    return households.with_columns(row), members.with_columns(row)


def test_import_snapshot_and_run_results_under_a_folder_with_brackets(home):
    tree = region_tree()
    village = tree.village_a.code
    rejected = import_frames(*frames(village, id_ok=False), errors_path=home / "错误[1].xlsx")
    assert rejected.status == "rejected"  # the errors workbook read the spilled rows back
    assert (home / "错误[1].xlsx").exists()
    batch = import_frames(*frames(village))
    assert batch.status == "done", batch.report
    assert Household.objects.count() == 1
    hy, members = registry_frames("520526", [2024])
    assert snapshot.folder().is_relative_to(home) and any(snapshot.folder().iterdir())
    assert (hy.height, members.height) == (1, 1)
    run = services.run_identification(None, 2024, "520526")
    assert run.status == "done" and run.path.startswith(str(home))
    assert services.result(run)["household_no"].to_list() == [f"{village}0001"]
