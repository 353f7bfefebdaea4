"""notification.attempt_started_at: an attempt under way, so that one interrupted by a killed worker is looked up
at the gateway before the message is sent again

Revision ID: 0012_notification_attempt
Revises: 0011_filing_idempotency
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_notification_attempt"
down_revision = "0011_filing_idempotency"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("attempt_started_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("notification") as batch:
        batch.drop_column("attempt_started_at")
