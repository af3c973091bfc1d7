"""The statistics page of a large region from its last computation, labelled with when it was computed.

A province's statistics are an engine pass over millions of households (seconds, however fast); a county's
take a fraction of that. So for a region at `FUPIN_STATISTICS_CACHE_LEVEL` or above (default: prefecture)
the page is kept in the cache (Django's, shared by every process) with the versions of everything it was
computed from: the registry (registry.RegistryVersion, whose token also names the store) and the other
tables it reads (reports.InputVersion: regions, populations, monitoring cases, policy parameters). The
versions are moved by database triggers on every write, so a kept page is known to be current or not:

- current: it is the page, at once;
- out of date: it is shown at once with when it was computed and a note that it is being brought up to
  date, and one background thread (per page, across processes) computes it again;
- none yet: it is computed in the request, as below that level, and kept.

What must be current whatever it costs (the statistics export, the API, the CLI) calls `current` (a kept
page only if it is current) or `statistics.statistics` itself.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connections
from django.utils import timezone
from django.utils.translation import get_language, override

from fupin.accounts import scope
from fupin.regions.codes import level_of
from fupin.registry import snapshot
from fupin.reports import statistics as stats
from fupin.reports.models import InputVersion

log = logging.getLogger(__name__)
INPUT_TABLES = ("regions_region", "regions_regionpopulation", "monitoring_case", "policy_parameter")
REFRESH_SECONDS = 3600  # a refresh that has not finished by then is taken to have died with its process


@dataclass
class Kept:
    """A page as computed, what it was computed from, and when."""

    data: dict
    inputs: tuple
    computed_at: datetime


@dataclass
class Page:
    data: dict
    computed_at: datetime | None = None  # None: computed in this request
    refreshing: bool = False  # out of date: shown as computed at `computed_at`, being computed again


def inputs() -> tuple:
    """The versions of everything a statistics page is computed from (the registry's token first)."""
    token, version = snapshot.current()
    versions = dict(InputVersion.objects.values_list("table", "version"))
    for table in INPUT_TABLES:
        if table not in versions:  # removed (a test database is flushed between tests): made again
            try:
                InputVersion.objects.create(table=table, version=0)
            except IntegrityError:
                pass  # made meanwhile by another request
            versions[table] = 0
    return (token, version, *(versions[t] for t in INPUT_TABLES))


def kept_here(code: str) -> bool:
    """Whether the page of region `code` ('' = the whole country) is kept: large regions only."""
    return (level_of(code) if code else 0) <= settings.FUPIN_STATISTICS_CACHE_LEVEL


def _key(code: str, year: int, year_from: int | None, year_to: int | None) -> str:
    lang = get_language() or settings.LANGUAGE_CODE
    raw = f"{code}|{year}|{year_from}|{year_to}|{lang}"
    return "statistics:" + hashlib.sha256(raw.encode()).hexdigest()


def page(user, *, year: int, region: str | None = None, year_from=None, year_to=None) -> Page:
    """The statistics page for the user (scope checked first, as always), from the cache where it is kept."""
    code = scope.resolve(user, region).code  # OutOfScope / BadRegionCode before anything is read
    args = {"year": year, "region": code or None, "year_from": year_from, "year_to": year_to}
    if not kept_here(code):
        return Page(stats.statistics(user, **args))
    key = _key(code, year, year_from, year_to)
    now_inputs = inputs()
    kept: Kept | None = cache.get(key)
    if kept is None:
        return Page(_for_user(_compute_and_keep(key, user, args, now_inputs), user))
    if kept.inputs == now_inputs:
        return Page(_for_user(kept.data, user), kept.computed_at)
    _refresh_in_background(key, user, args)
    return Page(_for_user(kept.data, user), kept.computed_at, refreshing=True)


def current(user, *, year: int, region: str | None = None, year_from=None, year_to=None) -> dict:
    """The statistics, current: a kept page if it is, else computed now (and kept where pages are)."""
    code = scope.resolve(user, region).code
    args = {"year": year, "region": code or None, "year_from": year_from, "year_to": year_to}
    if not kept_here(code):
        return stats.statistics(user, **args)
    key = _key(code, year, year_from, year_to)
    now_inputs = inputs()
    kept: Kept | None = cache.get(key)
    if kept is not None and kept.inputs == now_inputs:
        return _for_user(kept.data, user)
    return _for_user(_compute_and_keep(key, user, args, now_inputs), user)


def _compute_and_keep(key: str, user, args: dict, before: tuple) -> dict:
    """Compute the page and keep it with the versions read before (it holds at least what they name): if
    something was written meanwhile, the versions differ from the current ones and the next reader refreshes
    it; if not, it is exactly the page of those versions."""
    computed_at = timezone.now()
    data = stats.statistics(user, **args)
    cache.set(key, Kept(data, before, computed_at), timeout=None)
    return data


def _for_user(data: dict, user) -> dict:
    """The kept page with what depends on who reads it: the way down from where their scope starts."""
    return {**data, "crumbs": stats.crumbs(user, data["region"])}


_threads: list[threading.Thread] = []


def _refresh_in_background(key: str, user, args: dict) -> None:
    if not cache.add(f"{key}:refreshing", 1, timeout=REFRESH_SECONDS):
        return  # another request (of any process) is computing it
    lang = get_language() or settings.LANGUAGE_CODE

    def refresh() -> None:
        try:
            with override(lang):
                _compute_and_keep(key, user, args, inputs())
        except Exception:  # the page goes on showing the kept one, saying it is being updated
            log.exception("statistics page not refreshed")
        finally:
            cache.delete(f"{key}:refreshing")
            connections.close_all()

    thread = threading.Thread(target=refresh, name="statistics-refresh", daemon=True)
    _threads.append(thread)
    thread.start()


def wait_for_refreshes(timeout: float = 120) -> None:
    """Wait for the background refreshes this process started (tests, and `fupin` commands that end)."""
    while _threads:
        _threads.pop().join(timeout)
