"""The Dask cluster of the registry-wide engine runs (engine/partitioned.py), when one is set: the commands'
`--dask SCHEDULER`, else FUPIN_DASK_SCHEDULER; neither = one process (the default)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings

from fupin.engine.partitioned import ClusterError, connect

__all__ = ["ClusterError", "client_for", "scheduler_for"]
CONNECT_TIMEOUT = 10  # seconds to wait for the scheduler before giving up


def scheduler_for(option: str | None) -> str:
    """The scheduler address to use: the option when given (even '' = one process), else the setting."""
    return (option if option is not None else settings.FUPIN_DASK_SCHEDULER).strip()


@contextmanager
def client_for(option: str | None) -> Iterator[Any]:
    """A connected `distributed.Client`, or None to run in this process. Raises ClusterError (zh/en)
    before anything runs when Dask is missing or the scheduler does not answer."""
    address = scheduler_for(option)
    if not address:
        yield None
        return
    with connect(address, timeout=CONNECT_TIMEOUT) as client:
        yield client
