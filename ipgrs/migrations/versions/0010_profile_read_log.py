"""profile_read_log: the access log of citizens' full profiles

Revision ID: 0010_profile_read_log
Revises: 0009_open311
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_profile_read_log"
down_revision = "0009_open311"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "profile_read_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["citizen_id"], ["citizen.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_profile_read_log_at", "profile_read_log", ["at"])
    op.create_index("ix_profile_read_log_user_id", "profile_read_log", ["user_id"])
    op.create_index("ix_profile_read_log_citizen_id", "profile_read_log", ["citizen_id"])


def downgrade():
    op.drop_table("profile_read_log")
