"""Limits on what an uploaded zip container (xlsx, xlsb, ods, a zip of CSVs) may inflate to.

A few megabytes of zip can hold gigabytes of XML ("zip bomb"): a 4 MB workbook whose shared-string table
inflates to 1.5 GB would take the server's memory. So every container is checked twice:
- up front, from the zip's directory: the declared size of each member and of all of them, and how much
  each member claims to grow (`check_directory`);
- while inflating, on the bytes actually produced (`Budget.open`), because declared sizes can lie.

The limits are settings (`FUPIN_IMPORT_MAX_*`, see settings.py and the README); `Limits.current()` reads
them. A file over a limit raises `TooLarge`: a refusal of the input, in Chinese and English.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings

from fupin.core.errors import InputRejected, Problem

# The compression ratio is judged only past this many inflated bytes of a member: small parts (styles,
# relationships, an empty sheet) legitimately compress far better than data does (Apache POI does the same).
RATIO_GRACE_BYTES = 1 << 20


def size_text(n: int) -> str:
    """1073741824 → '1 GiB', 268435456 → '256 MiB'."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} B"


class TooLarge(InputRejected):
    """The file would inflate beyond a limit: refused before (or while) it is read, nothing saved."""

    code = "file.too_large"

    def __init__(self, message_zh: str, message_en: str):
        self.message_zh, self.message_en = message_zh, message_en
        super().__init__(Problem("file", self.code, message_zh, message_en))


@dataclass(frozen=True)
class Limits:
    member_bytes: int  # one member, inflated
    total_bytes: int  # all members of the container, inflated
    ratio: int  # inflated / compressed, per member
    shared_strings_bytes: int  # text of an xlsx shared-string table (held in memory whole)
    shared_strings: int  # items of that table

    @classmethod
    def current(cls) -> Limits:
        return cls(
            member_bytes=settings.FUPIN_IMPORT_MAX_MEMBER_BYTES,
            total_bytes=settings.FUPIN_IMPORT_MAX_UNCOMPRESSED_BYTES,
            ratio=settings.FUPIN_IMPORT_MAX_COMPRESSION_RATIO,
            shared_strings_bytes=settings.FUPIN_IMPORT_MAX_SHARED_STRINGS_BYTES,
            shared_strings=settings.FUPIN_IMPORT_MAX_SHARED_STRINGS,
        )

    # --- the refusals ------------------------------------------------------------------------------

    def member_too_large(self, name: str, member: str, limit: int | None = None) -> TooLarge:
        """`limit`: a smaller one than FUPIN_IMPORT_MAX_MEMBER_BYTES that this member must keep to."""
        text = size_text(limit or self.member_bytes)
        setting = "" if limit else " (FUPIN_IMPORT_MAX_MEMBER_BYTES)"
        return TooLarge(
            f"{name} 中的 {member} 解压后超过 {text}，文件不予导入",
            f"{member} in {name} inflates to more than {text}{setting}; the file is refused",
        )

    def total_too_large(self, name: str) -> TooLarge:
        limit = size_text(self.total_bytes)
        return TooLarge(
            f"{name} 解压后总计超过 {limit}，文件不予导入",
            f"{name} inflates to more than {limit} in all (FUPIN_IMPORT_MAX_UNCOMPRESSED_BYTES); "
            "the file is refused",
        )

    def ratio_too_high(self, name: str, member: str) -> TooLarge:
        return TooLarge(
            f"{name} 中的 {member} 压缩比超过 {self.ratio}:1（疑似“压缩炸弹”），文件不予导入",
            f"{member} in {name} is compressed more than {self.ratio}:1, which no real workbook "
            "is (a zip bomb?) (FUPIN_IMPORT_MAX_COMPRESSION_RATIO); the file is refused",
        )

    def strings_too_large(self, name: str) -> TooLarge:
        limit, count = size_text(self.shared_strings_bytes), f"{self.shared_strings:,}"
        return TooLarge(
            f"{name} 的共享字符串表超过 {limit} 或 {count} 项，文件不予导入",
            f"the shared-string table of {name} holds more than {limit} or {count} items "
            "(FUPIN_IMPORT_MAX_SHARED_STRINGS_BYTES, FUPIN_IMPORT_MAX_SHARED_STRINGS); "
            "the file is refused",
        )

    # --- the checks --------------------------------------------------------------------------------

    def check_member(self, name: str, member: str, inflated: int, compressed: int) -> None:
        """Raise TooLarge if a member of `compressed` bytes inflating to `inflated` breaks a limit."""
        if inflated > self.member_bytes:
            raise self.member_too_large(name, member)
        if inflated > RATIO_GRACE_BYTES and inflated > self.ratio * max(compressed, 1):
            raise self.ratio_too_high(name, member)


def check_directory(z: zipfile.ZipFile, name: str, limits: Limits | None = None) -> None:
    """Refuse a container whose directory declares members beyond the limits (nothing inflated yet)."""
    limits = limits or Limits.current()
    total = 0
    for info in z.infolist():
        limits.check_member(name, info.filename, info.file_size, info.compress_size)
        total += info.file_size
        if total > limits.total_bytes:
            raise limits.total_too_large(name)


class Budget:
    """The inflated bytes of one container, counted as they are produced, against the limits."""

    def __init__(self, z: zipfile.ZipFile, name: str, limits: Limits | None = None):
        self.zip, self.name, self.limits = z, name, limits or Limits.current()
        self.total = 0

    def open(self, info: zipfile.ZipInfo | str) -> _Counted:
        """The member opened for reading; a read past a limit raises TooLarge."""
        info = info if isinstance(info, zipfile.ZipInfo) else self.zip.getinfo(info)
        return _Counted(self, info, self.zip.open(info))

    def read(self, info: zipfile.ZipInfo | str, block: int = 1 << 20) -> bytes:
        """The whole member (for the small parts read at once), within the limits."""
        with self.open(info) as f:
            return b"".join(iter(lambda: f.read(block), b""))

    def count(self, info: zipfile.ZipInfo, inflated: int, n: int) -> None:
        self.total += n
        self.limits.check_member(self.name, info.filename, inflated, info.compress_size)
        if self.total > self.limits.total_bytes:
            raise self.limits.total_too_large(self.name)


class _Counted:
    """A member being inflated, its bytes counted (a file-like object: read, close, context manager)."""

    def __init__(self, budget: Budget, info: zipfile.ZipInfo, f: IO[bytes]):
        self.budget, self.info, self.f, self.inflated = budget, info, f, 0

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:  # read in steps, so that a limit stops the inflating early
            return b"".join(iter(lambda: self.read(1 << 20), b""))
        data = self.f.read(n)
        self.inflated += len(data)
        self.budget.count(self.info, self.inflated, len(data))
        return data

    def close(self) -> None:
        self.f.close()

    def __enter__(self) -> _Counted:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
