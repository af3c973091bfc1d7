"""The demo evaluation is made through the services: a sample from the seed, visits for part of it."""

from datetime import date

from fupin.evaluation.demo import build_demo
from fupin.evaluation.models import Evaluation, Visit


def test_demo_evaluation_has_a_sample_and_some_visits(county):
    out = build_demo(county.county.code, 2020, seed=5, today=date(2021, 3, 1))
    e = Evaluation.objects.get(pk=out["evaluation"])
    assert e.kind == "third_party" and e.status == "open" and e.seed == 5
    assert out["sampled"] == e.sample.count() > 0
    assert 0 < out["visits"] <= out["sampled"] and out["visits"] == Visit.objects.count()
    assert all(v.visited_on <= date(2020, 12, 31) for v in Visit.objects.all())
