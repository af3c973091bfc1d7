"""Create or upgrade the store and load reference data (`fupin init`): region codes, default policy
parameters (monitoring, evaluation and supervision ones included), the assistance-measure catalogue. Each loader is idempotent and never overwrites user edits."""

from __future__ import annotations

from django.core.management import call_command


def init_store(verbose: bool = False) -> None:
    from fupin.assistance.services import load_catalogue
    from fupin.evaluation.services import ensure_parameters as ensure_evaluation_parameters
    from fupin.monitoring.services import ensure_parameters
    from fupin.policy.services import load_defaults
    from fupin.regions.services import load_builtin_regions
    from fupin.supervision.services import ensure_parameters as ensure_supervision_parameters

    call_command("migrate", interactive=False, verbosity=1 if verbose else 0)
    regions = load_builtin_regions()
    parameters = load_defaults()
    load_catalogue()
    ensure_parameters()
    ensure_evaluation_parameters()
    ensure_supervision_parameters()
    if verbose:
        print(f"行政区划 / regions loaded: {regions}")
        print(f"政策参数 / default policy parameters loaded: {parameters}")
