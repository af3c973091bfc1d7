"""A logging filter that masks ID numbers in every log line.

Request paths, query strings and error messages reach the logs (Django logs every 4xx and 5xx with its
path); an ID number typed into a search box or a script's URL must not be kept there in full.
"""

from __future__ import annotations

import logging
import re

from fupin.core.privacy import mask_id

# An 18-character ID (17 digits and a check digit) or an old 15-digit one, standing alone in the text
# (not part of a longer run of digits, which is some other number).
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


def mask_ids_in(text: str) -> str:
    return ID_NUMBER.sub(lambda m: mask_id(m.group(0)), text)


class MaskIdNumbers(logging.Filter):
    """Rewrites the record's message (and its traceback text) with every ID number masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_ids_in(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_ids_in(record.exc_text)
        return True
