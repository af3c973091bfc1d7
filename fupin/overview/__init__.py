"""概览 — the page after sign-in: key figures of the user's region subtree, trends and drill-down by region;
and the charts (ECharts, served locally) that this and the statistics, monitoring, funds and quality pages show."""
