"""Saving an import's first parts while its members are still being checked (PostgreSQL, large imports).

The server takes the rows of a large import in more slowly than the client checks them, and without this it
sat idle for the whole check of the members sheet (≈ 4 s of 18 for 100,000 households). A member sheet is
almost always in the order of the 户 sheet, so once the members of part k+1 have begun, part k is whole:
`SaveAhead` hands it to a thread that saves it (`bulk.save_parts`, the same save as afterwards) on a
connection of its own, in one transaction, while the checks go on. The transaction is committed only if the
checks end with no error and no member came after its part had been handed over; otherwise it is rolled
back before anything else is written, and the import goes on as it would have: rejected, or its accepted
parts saved. Nothing of it is visible until the commit, and the checks still read the store as it was.

The importer's connection holds the registry's write lock for the whole import; this thread writes under
it without taking it. Inside a caller's transaction (or on SQLite) nothing is saved ahead: the rows must
go in that transaction, on that connection.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable, Iterator

import polars as pl
from django.db import connection

from fupin.registry import bulk
from fupin.registry.columns import HOUSEHOLD_SHEET, MEMBER_SHEET

_FINISH = object()  # every part has been handed over: commit
_ABANDON = object()  # roll back


class _Abandoned(Exception):
    """Raised inside the save to roll its transaction back."""


def possible(n_parts: int) -> bool:
    """Whether an import of `n_parts` parts may save ahead on this connection."""
    return (
        n_parts >= 2
        and connection.vendor == "postgresql"
        and connection.get_autocommit()
        and not connection.in_atomic_block
    )


class SaveAhead:
    """One import's save, running ahead of its checks (see the module doc)."""

    def __init__(self, spill, *, user, batch, reason: str) -> None:
        self.spill = spill
        self.handed = 0  # parts 0 … handed-1 are with the saving thread
        self.done = 0  # rows written (progress)
        self.counts: dict[str, int] | None = None
        self.error: BaseException | None = None
        self._queue: queue.Queue = queue.Queue()
        # seen before each part, so that the parts queued before the word are not saved
        self._abandoned = threading.Event()
        self._told = False  # the importer's last word (finish or abandon) has been read
        self._thread = threading.Thread(
            target=self._run, args=(user, batch, reason), name="fupin-save-ahead", daemon=True
        )
        self._thread.start()

    def hand_over(self, upto: int) -> None:
        """Parts below `upto` are whole: save them."""
        for part in range(self.handed, upto):
            self._queue.put(part)
        self.handed = max(self.handed, upto)

    def finish(self, n_parts: int, report: Callable[[str, int, int], None], rows: int) -> dict[str, int]:
        """Hand over the remaining parts, wait for the commit (reporting progress) and return the counts;
        the save's error, if it failed, is raised here."""
        self.hand_over(n_parts)
        self._queue.put(_FINISH)
        while self._thread.is_alive():
            report("save", min(self.done, rows), rows)
            self._thread.join(0.25)
        if self.error is not None:
            raise self.error
        assert self.counts is not None
        return self.counts

    def abandon(self) -> None:
        """Roll back whatever was saved ahead; returns when the transaction is gone."""
        self._abandoned.set()
        self._queue.put(_ABANDON)
        self._thread.join()

    def _parts(self) -> Iterator[tuple[pl.DataFrame | None, pl.DataFrame | None]]:
        while True:
            item = self._queue.get()
            self._told = item is _FINISH or item is _ABANDON
            if item is _ABANDON or self._abandoned.is_set():
                raise _Abandoned
            if item is _FINISH:
                return
            hh, mm = self.spill.part(item, HOUSEHOLD_SHEET), self.spill.part(item, MEMBER_SHEET)
            if (hh is not None and hh.height) or (mm is not None and mm.height):
                yield hh, mm

    def _step(self, stage: str, done: int, total: int) -> None:
        if stage == "save":
            self.done = done

    def _run(self, user, batch, reason: str) -> None:
        try:
            self.counts = bulk.save_parts(
                self._parts(),
                rows=sys.maxsize,  # not known yet, and large: the pipelined writer, a transaction of its own
                user=user,
                batch=batch,
                reason=reason,
                progress=self._step,
            )
        except _Abandoned:
            pass
        except BaseException as exc:  # handed to the importer by finish()
            self.error = exc
            while not self._told:  # the importer's last word ends the thread (its joins wait for it)
                self._told = self._queue.get() in (_FINISH, _ABANDON)
        finally:
            connection.close()  # this thread's own connection
