"""Monitoring pages: dashboard, alert inbox, cases, department lists, and the public self-report page.

One module per page group: dashboard (figures, drill-down, workbook), alerts (batch run, inbox, export),
cases (worklist, case steps, elimination worklist), departments (list upload and report) and public (the
self-report page, no sign-in). The URLs are in monitoring/urls.py; common.py holds what they share."""
