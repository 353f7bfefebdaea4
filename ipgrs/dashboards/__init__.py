"""Dashboards, reports and the public transparency page: figures on grievances, read from rollup tables."""
