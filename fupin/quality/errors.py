"""What data quality refuses: input it cannot take (422). A region outside the user's subtree is
accounts/scope.py's OutOfScope (404)."""

from __future__ import annotations

from fupin.core.errors import InputRejected, Problem


class QualityInputError(InputRejected):
    def __init__(self, field: str, code: str, zh: str, en: str):
        super().__init__(Problem(field, code, zh, en))
