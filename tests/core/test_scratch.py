"""Scratch folders in FUPIN_HOME/tmp: made empty, locked by their process, and what a killed process left
is cleared (at once by the start-up sweep, a day later by any new folder)."""

import os
import subprocess
import sys
import time

from django.conf import settings

from fupin.core import scratch
from fupin.core.scratch import STALE_SECONDS, remove, scratch_dir, sweep


def as_if_killed(folder):
    """The folder's process ended without removing it: its lock is gone with it."""
    scratch.unlock(scratch._held.pop(str(folder)))


def test_scratch_folders_are_new_and_stale_ones_are_cleared():
    root = settings.FUPIN_HOME / "tmp"
    left_behind = scratch_dir("import")
    (left_behind / "000001.arrow").write_bytes(b"x")
    old = time.time() - STALE_SECONDS - 60
    os.utime(left_behind, (old, old))
    as_if_killed(left_behind)
    long_running = scratch_dir("import")
    os.utime(long_running, (old, old))
    recent = scratch_dir("stage")
    made = scratch_dir("import")
    assert made.parent == root and made.name.startswith("import-") and not list(made.iterdir())
    assert not left_behind.exists()  # a day old and nobody's: removed
    assert long_running.exists() and recent.exists()  # still held by their import: kept
    for d in (long_running, recent, made):
        remove(d)
        assert not d.exists() and not scratch.lock_path(d).exists()


def test_start_up_sweep_removes_every_unheld_folder_and_keeps_those_of_live_processes():
    killed = scratch_dir("import")
    (killed / "part-0.sqlite3").write_bytes(b"x" * 100)
    as_if_killed(killed)
    mine = scratch_dir("stage")
    other = scratch.root() / "import-other"
    other.mkdir()
    holder = subprocess.Popen(  # another process holding its folder's lock
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); "
            "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)",
            str(scratch.lock_path(other)),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        assert sweep() == [killed]
        assert not killed.exists() and mine.exists() and other.exists()
    finally:
        holder.kill()
        holder.wait()
    assert sweep() == [other]  # its process is gone
    remove(mine)
