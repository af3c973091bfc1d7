"""Scratch folders for long work (an import's spilled chunks, the writer's staging files).

They live in `FUPIN_HOME/tmp`, on the data disk: the system's /tmp may be a RAM disk, and these folders
hold about as much as the file being imported. Each user removes its own folder when done; a folder left
behind by a process that was killed is removed by the next one made, once it is a day old.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from django.conf import settings

STALE_SECONDS = 24 * 3600


def scratch_dir(prefix: str) -> Path:
    """A new, empty folder in FUPIN_HOME/tmp (older ones left behind are cleared away first)."""
    root = Path(settings.FUPIN_HOME) / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in root.iterdir():
        try:
            if old.is_dir() and now - old.stat().st_mtime > STALE_SECONDS:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:  # another process removed it meanwhile
            pass
    return Path(tempfile.mkdtemp(prefix=f"{prefix}-", dir=root))
