"""grievance.client_key: the mobile app's Idempotency-Key, one grievance per key and citizen

Revision ID: 0011_filing_idempotency
Revises: 0010_profile_read_log
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_filing_idempotency"
down_revision = "0010_profile_read_log"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("grievance") as batch:
        batch.add_column(sa.Column("client_key", sa.String(length=64), nullable=True))
    op.create_index("ux_grievance_citizen_client_key", "grievance", ["citizen_id", "client_key"], unique=True)


def downgrade():
    op.drop_index("ux_grievance_citizen_client_key", table_name="grievance")
    with op.batch_alter_table("grievance") as batch:
        batch.drop_column("client_key")
