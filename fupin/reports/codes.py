"""Code lists of the stored engine runs: what a run computes and where it stands."""

from __future__ import annotations

from fupin.codes import Code, CodeList

RUN_KIND = CodeList(
    "run_kind",
    "运行类型",
    "Run kind",
    [
        Code("identify", "识别认定", "Identification"),
        Code("exit_household", "贫困户退出", "Household exit"),
        Code("exit_village", "贫困村退出", "Village exit"),
        Code("exit_county", "贫困县退出", "County exit"),
    ],
)

RUN_STATUS = CodeList(
    "run_status",
    "运行状态",
    "Run status",
    [
        Code("running", "运行中", "Running"),
        Code("done", "已完成", "Done"),
        Code("failed", "失败", "Failed"),
    ],
)
