"""A small region tree (贵州 › 毕节 › 赫章县 › 两个乡 › 村) and users scoped to parts of it."""

import pytest

from fupin.accounts.models import User
from fupin.regions.models import Region


def make_region(code: str, name: str, parent: Region | None = None) -> Region:
    from fupin.regions import codes

    code12 = codes.normalise(code)
    return Region.objects.create(code=code12, name=name, level=codes.level_of(code12), parent=parent)


@pytest.fixture
def tree(db):
    gz = make_region("52", "贵州省")
    bj = make_region("5205", "毕节市", gz)
    hz = make_region("520527", "赫章县", bj)
    t1 = make_region("520527100", "白果街道", hz)
    t2 = make_region("520527101", "妈姑镇", hz)
    return {
        "province": gz,
        "prefecture": bj,
        "county": hz,
        "township_a": t1,
        "township_b": t2,
        "village_a": make_region("520527100001", "甲村", t1),
        "village_a2": make_region("520527100002", "乙村", t1),
        "village_b": make_region("520527101001", "丙村", t2),
        "other_province": make_region("53", "云南省"),
    }


@pytest.fixture
def make_user(db):
    def make(username: str, role: str, region: Region | None) -> User:
        return User.objects.create_user(username=username, password="x-Pass-12345", role=role, region=region)

    return make
