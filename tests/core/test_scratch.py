"""Scratch folders in FUPIN_HOME/tmp: made empty, and what a killed process left is cleared a day later."""

import os
import time

from django.conf import settings

from fupin.core.scratch import STALE_SECONDS, scratch_dir


def test_scratch_folders_are_new_and_stale_ones_are_cleared():
    root = settings.FUPIN_HOME / "tmp"
    left_behind = scratch_dir("import")
    (left_behind / "000001.arrow").write_bytes(b"x")
    old = time.time() - STALE_SECONDS - 60
    os.utime(left_behind, (old, old))
    recent = scratch_dir("stage")
    made = scratch_dir("import")
    assert made.parent == root and made.name.startswith("import-") and not list(made.iterdir())
    assert not left_behind.exists()  # a day old: removed
    assert recent.exists()  # maybe still in use by another import: kept
    for d in (recent, made):
        d.rmdir()
