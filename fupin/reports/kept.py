"""Pages of large regions from their last computation, labelled with when it was computed.

A province's statistics page is an engine pass over millions of households, its monitoring dashboard a
dozen aggregations over millions of alerts and household-years: seconds, however fast; a county's take a
fraction of that. So for a region at `FUPIN_STATISTICS_CACHE_LEVEL` or above (default: prefecture) such a
page is kept in the cache (Django's, shared by every process) with the versions of everything it was
computed from: the registry (registry.RegistryVersion, whose token also names the store) and the other
tables it reads (reports.InputVersion, one version per table). The versions are moved by database triggers
on every write, so a kept page is known to be current or not:

- current: it is the page, at once;
- out of date: it is shown at once with when it was computed and a note that it is being brought up to
  date, and one background thread (per page, across processes) computes it again;
- none yet: it is computed in the background; the request waits FIRST_WAIT_SECONDS for it and shows
  it, or else a page saying that it is being computed, which reloads itself until it is there (a
  province's first statistics take a minute or more). A computation that failed in the background is
  done again in the next request, so that its error is seen.

What must be current whatever it costs (exports, the API, the CLI) calls `Kind.current` (a kept page only
if it is current) or the computation itself.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, connections
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language, override

from fupin.accounts import scope
from fupin.regions.codes import level_of
from fupin.registry import snapshot
from fupin.reports.models import INPUT_TABLES, InputVersion

log = logging.getLogger(__name__)
REFRESH_SECONDS = 3600  # a refresh that has not finished by then is taken to have died with its process
FIRST_WAIT_SECONDS = 5.0  # a first computation that takes longer goes on without the request
RELOAD_SECONDS = 5  # the page that says a first computation is under way reloads itself this often


@dataclass
class Kept:
    """A page as computed, what it was computed from, and when."""

    data: dict
    inputs: tuple
    computed_at: datetime


@dataclass
class Page:
    data: dict
    computed_at: datetime | None = None  # None: computed for this request
    refreshing: bool = False  # out of date: shown as computed at `computed_at`, being computed again
    computing: bool = False  # none kept yet and its first computation under way: no data


def computing_response(request, title) -> HttpResponse:
    """The page shown while a page's first computation runs in the background: it reloads itself."""
    response = render(request, "reports/computing.html", {"title": title})
    response["Refresh"] = str(RELOAD_SECONDS)
    return response


def inputs(tables: tuple[str, ...] = INPUT_TABLES) -> tuple:
    """The versions of the registry (its token first) and of `tables`."""
    token, version = snapshot.current()
    versions = dict(InputVersion.objects.filter(table__in=tables).values_list("table", "version"))
    for table in tables:
        if table not in versions:  # removed (a test database is flushed between tests): made again
            try:
                InputVersion.objects.create(table=table, version=0)
            except IntegrityError:
                pass  # made meanwhile by another request
            versions[table] = 0
    return (token, version, *(versions[t] for t in tables))


def kept_here(code: str) -> bool:
    """Whether the pages of region `code` ('' = the whole country) are kept: large regions only, and never
    inside a transaction, whose writes a page would see before they are committed, or rolled back."""
    if connection.in_atomic_block:
        return False
    return (level_of(code) if code else 0) <= settings.FUPIN_STATISTICS_CACHE_LEVEL


_threads: list[threading.Thread] = []


def _failed(key: str) -> bool:
    """Whether the last background computation of the page `key` failed, and none runs now."""
    return cache.get(f"{key}:failed") is not None and cache.get(f"{key}:refreshing") is None


@dataclass(frozen=True)
class Kind:
    """A kind of page: `compute(user, code, **args)` gives its data for the region `code` (the user's scope
    checked already), from the registry and `tables`; `for_user(data, user)` adds what depends on who reads
    it. The data must not depend on anything else but `args` (today's date, if it counts, is one of them)."""

    name: str
    tables: tuple[str, ...]
    compute: Callable[..., dict]
    for_user: Callable[[dict, object], dict] = lambda data, user: data

    def page(self, user, region: str | None = None, **args) -> Page:
        """The page for the user (scope checked first, as always), from the cache where it is kept."""
        code = scope.resolve(user, region).code  # OutOfScope / BadRegionCode before anything is read
        if not kept_here(code):
            return Page(self.for_user(self.compute(user, code, **args), user))
        key = self._key(code, args)
        now_inputs = inputs(self.tables)
        kept: Kept | None = cache.get(key)
        if kept is None:
            return self._first(key, user, code, args)
        if kept.inputs == now_inputs:
            return Page(self.for_user(kept.data, user), kept.computed_at)
        self._refresh_in_background(key, user, code, args)
        return Page(self.for_user(kept.data, user), kept.computed_at, refreshing=True)

    def current(self, user, region: str | None = None, **args) -> dict:
        """The page's data, current: a kept page if it is, else computed now (and kept where pages are)."""
        code = scope.resolve(user, region).code
        if not kept_here(code):
            return self.for_user(self.compute(user, code, **args), user)
        key = self._key(code, args)
        now_inputs = inputs(self.tables)
        kept: Kept | None = cache.get(key)
        if kept is not None and kept.inputs == now_inputs:
            return self.for_user(kept.data, user)
        return self.for_user(self._compute_and_keep(key, user, code, args, now_inputs), user)

    def _first(self, key: str, user, code: str, args: dict) -> Page:
        """None kept yet: computed in the background, waited for a moment (see the module doc)."""
        if not _failed(key):
            thread = self._refresh_in_background(key, user, code, args)
            if thread is not None:
                thread.join(FIRST_WAIT_SECONDS)
            kept: Kept | None = cache.get(key)
            if kept is not None:
                return Page(self.for_user(kept.data, user))
            if not _failed(key):
                return Page({}, computing=True)
        cache.delete(f"{key}:failed")  # computed here: if it fails again, the error is this request's
        return Page(self.for_user(self._compute_and_keep(key, user, code, args, inputs(self.tables)), user))

    def _key(self, code: str, args: dict) -> str:
        lang = get_language() or settings.LANGUAGE_CODE
        raw = f"{self.name}|{code}|{lang}|{sorted(args.items())}"
        return "kept:" + hashlib.sha256(raw.encode()).hexdigest()

    def _compute_and_keep(self, key: str, user, code: str, args: dict, before: tuple) -> dict:
        """Compute the page and keep it with the versions read before (it holds at least what they name):
        if something was written meanwhile, they differ from the current ones and the next reader refreshes
        it; if not, it is exactly the page of those versions."""
        computed_at = timezone.now()
        data = self.compute(user, code, **args)
        cache.set(key, Kept(data, before, computed_at), timeout=None)
        return data

    def _refresh_in_background(self, key: str, user, code: str, args: dict) -> threading.Thread | None:
        if not cache.add(f"{key}:refreshing", 1, timeout=REFRESH_SECONDS):
            return None  # another request (of any process) is computing it
        lang = get_language() or settings.LANGUAGE_CODE

        def refresh() -> None:
            try:
                with override(lang):
                    self._compute_and_keep(key, user, code, args, inputs(self.tables))
            except Exception:  # the page goes on showing the kept one, saying it is being updated
                log.exception("%s page not refreshed", self.name)
                cache.set(f"{key}:failed", 1, timeout=REFRESH_SECONDS)
            finally:
                cache.delete(f"{key}:refreshing")
                connections.close_all()

        thread = threading.Thread(target=refresh, name=f"{self.name}-refresh", daemon=True)
        _threads.append(thread)
        thread.start()
        return thread


def wait_for_refreshes(timeout: float = 120) -> None:
    """Wait for the background refreshes this process started (tests and benchmarks)."""
    while _threads:
        _threads.pop().join(timeout)
