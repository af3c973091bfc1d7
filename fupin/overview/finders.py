"""Serve one file of the npm package `echarts` (installed by scripts/setup into settings.FUPIN_NPM_DIR) as
/static/echarts/echarts.min.js.

A finder rather than a STATICFILES_DIRS entry: the package's dist folder holds ≈50 MB of other builds and
source maps that neither the pages nor collectstatic need.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PREFIX = "echarts"
FILE = "echarts.min.js"
STATIC_PATH = f"{PREFIX}/{FILE}"  # what templates pass to {% static %}


def dist_dir() -> Path:
    return Path(settings.FUPIN_NPM_DIR) / "node_modules" / "echarts" / "dist"


def echarts_available() -> bool:
    """Whether the chart library is installed (pages without it show their figures and tables only)."""
    return (dist_dir() / FILE).is_file()


class EchartsFinder(BaseFinder):
    def check(self, **kwargs):
        return []  # a missing package is not a configuration error: the pages say so themselves

    def find(self, path, find_all=False, **kwargs):
        if path == STATIC_PATH and echarts_available():
            found = str(dist_dir() / FILE)
            return [found] if find_all or kwargs.get("all") else found
        return [] if find_all or kwargs.get("all") else None

    def list(self, ignore_patterns):
        if echarts_available():
            storage = FileSystemStorage(location=str(dist_dir()))
            storage.prefix = PREFIX
            yield FILE, storage
