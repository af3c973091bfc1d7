"""Create or upgrade the store and load reference data (`fupin init`)."""

from __future__ import annotations

from django.core.management import call_command


def init_store(verbose: bool = False) -> None:
    call_command("migrate", interactive=False, verbosity=1 if verbose else 0)
    from fupin.regions.services import load_builtin_regions

    created = load_builtin_regions()
    from fupin.policy.services import load_defaults

    parameters = load_defaults()
    if verbose:
        print(f"行政区划 / regions loaded: {created}")
        print(f"政策参数 / default policy parameters loaded: {parameters}")
