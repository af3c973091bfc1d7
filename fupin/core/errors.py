"""Errors shared by the apps."""


class InputRejected(Exception):
    """Input refused by a rule: nothing was saved. The API answers `status` (422 unless a subclass says
    otherwise) with `api_items()`; pages show the messages next to the fields."""

    status = 422

    def api_items(self) -> list[dict]:
        raise NotImplementedError


class EditConflict(InputRejected):
    """The record changed after the editor read it (optimistic concurrency): nothing was saved (409).

    Every edit path carries the version the editor saw (a form's hidden field, the API's If-Match header);
    saving over a newer version would silently undo someone else's change."""

    status = 409
    code = "edit.conflict"
    zh = "该记录在您打开之后已被他人修改，本次修改未保存。请重新打开，查看最新内容后再修改"
    en = (
        "this record was changed by someone else after you opened it; nothing was saved. Open it again, "
        "check the latest version and make your change again"
    )

    def __init__(self, expected: int | str | None = None, current: int | str | None = None) -> None:
        self.expected, self.current = expected, current
        super().__init__(f"{self.en} (version {expected} → {current})")

    def api_items(self) -> list[dict]:
        return [
            {
                "field": "version",
                "code": self.code,
                "message": {"zh": self.zh, "en": self.en},
                "row": None,
                "sheet": None,
                "value": None if self.current is None else str(self.current),
            }
        ]
