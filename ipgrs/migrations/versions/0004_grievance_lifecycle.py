"""grievance lifecycle: pause, resolution, feedback, transfers, reopenings, escalations, critical flag, inbox index

Revision ID: 0004_grievance_lifecycle
Revises: 0003_citizens_grievances
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_grievance_lifecycle"
down_revision = "0003_citizens_grievances"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("grievance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("resolved_by_officer_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("resolved_post_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("transfer_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("reopen_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("escalation_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("critical", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("rating", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("satisfied", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("feedback_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key("fk_grievance_resolved_by_officer", "officer", ["resolved_by_officer_id"], ["id"])
        batch_op.create_foreign_key("fk_grievance_resolved_post", "catalog_post", ["resolved_post_id"], ["id"])
        batch_op.create_index("ix_grievance_post_status_due", ["assigned_post_id", "status", "due_at"], unique=False)


def downgrade():
    with op.batch_alter_table("grievance", schema=None) as batch_op:
        batch_op.drop_index("ix_grievance_post_status_due")
        batch_op.drop_constraint("fk_grievance_resolved_post", type_="foreignkey")
        batch_op.drop_constraint("fk_grievance_resolved_by_officer", type_="foreignkey")
        for column in ("feedback_at", "satisfied", "rating", "critical", "escalation_count", "reopen_count",
                       "transfer_count", "resolved_post_id", "resolved_by_officer_id", "closed_at", "resolved_at", "paused_at"):
            batch_op.drop_column(column)
