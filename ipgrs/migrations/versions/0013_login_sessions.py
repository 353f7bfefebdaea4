"""logins: login sessions kept on the server, so that a logout ends every copy of the session cookie

Revision ID: 0013_login_sessions
Revises: 0012_notification_attempt
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_login_sessions"
down_revision = "0012_notification_attempt"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade():
    op.drop_table("login_session")
