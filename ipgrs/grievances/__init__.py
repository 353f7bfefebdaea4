"""Grievances: filing, routing to the last mile officer, the audit trail, attachments and tracking."""
