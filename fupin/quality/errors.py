"""What data quality refuses: input it cannot take (422). A region outside the user's subtree is
accounts/scope.py's OutOfScope (404)."""

from __future__ import annotations

from fupin.core.errors import InputRejected


class QualityInputError(InputRejected):
    def __init__(self, field: str, code: str, zh: str, en: str):
        self.field, self.code, self.message_zh, self.message_en = field, code, zh, en
        super().__init__(f"{zh} / {en}")

    def api_items(self) -> list[dict]:
        return [
            {
                "field": self.field,
                "code": self.code,
                "message": {"zh": self.message_zh, "en": self.message_en},
                "row": None,
                "sheet": None,
            }
        ]
