"""escalation sweep: a partial index on due_at over the grievances the sweep watches

Revision ID: 0005_escalation_index
Revises: 0004_grievance_lifecycle
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_escalation_index"
down_revision = "0004_grievance_lifecycle"
branch_labels = None
depends_on = None

WATCH = sa.text("status IN ('open', 'accepted', 'reopened') AND critical IS false")


def upgrade():
    op.create_index("ix_grievance_escalation_due", "grievance", ["due_at"], unique=False,
                    postgresql_where=WATCH, sqlite_where=WATCH)


def downgrade():
    op.drop_index("ix_grievance_escalation_due", table_name="grievance")
