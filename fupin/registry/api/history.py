"""A household's history (/api/registry/households/{household_no}/history): every change, newest first."""

from __future__ import annotations

from ninja import Router

from fupin.core.api_types import Page
from fupin.core.privacy import masked_record
from fupin.registry import schemas as s
from fupin.registry import selectors
from fupin.registry.api.common import auth_user, choice_label, page_range
from fupin.registry.codes import CHANGE_ACTION

router = Router()


@router.get(
    "/households/{household_no}/history",
    response={200: s.ChangePage, **s.ERRORS},
    summary="Every change to a household, newest first",
    operation_id="fupin_registry_api_history",
)
def history(request, household_no: str, page: Page = 1, page_size: int = 100):
    user = auth_user(request)
    start, end = page_range(page, page_size)
    household = selectors.get_household_for(user, household_no, include_deleted=True)
    qs = selectors.changes_for(user, household)
    items = [
        {
            "id": c.id,
            "at": c.at,
            "user": c.user.username if c.user else None,
            "action": c.action,
            "action_label": choice_label(CHANGE_ACTION, c.action),
            "entity": c.entity,
            "entity_id": c.entity_id,
            "before": masked_record(user, c.before),
            "after": masked_record(user, c.after),
            "reason": c.reason,
            "batch_id": c.batch_id,
        }
        for c in qs[start:end]
    ]
    return {"items": items, "count": qs.count(), "page": page, "page_size": page_size}
