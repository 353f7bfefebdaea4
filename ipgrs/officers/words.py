"""Words the officers' templates pick from Jinja dictionaries (templates/officers/_macros.html, inbox.html) and
translate with `_()` at display. Listed here, marked N_, so that pybabel extracts them into the catalogue."""


def N_(message: str) -> str:
    return message


STATUS_LABELS = (N_("Open"), N_("Accepted"), N_("Awaiting the citizen"), N_("Resolved"), N_("Closed"), N_("Rejected"),
                 N_("Reopened on appeal"))
SLA_LABELS = (N_("on time"), N_("due in 2 days"), N_("overdue"), N_("paused (awaiting citizen)"), N_("clock stopped"))
SORT_LABELS = (N_("Due date, soonest first"), N_("Due date, latest first"), N_("Newest first"), N_("Oldest first"))
# ipgrs.grievances.workflow.REJECTION_REASONS' values (workflow.py stays free of the i18n layer)
REJECTION_REASON_LABELS = (N_("Duplicate of another grievance"), N_("The matter is sub judice (before a court)"),
                           N_("Not a grievance (a suggestion, query or request)"),
                           N_("Insufficient information, and the citizen did not provide it"))
