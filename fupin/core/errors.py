"""Errors shared by the apps."""


class InputRejected(Exception):
    """Input refused by a rule: nothing was saved. The API answers 422 with `api_items()`; pages show the
    messages next to the fields."""

    def api_items(self) -> list[dict]:
        raise NotImplementedError
