"""open311: API keys of partner apps

Revision ID: 0009_open311
Revises: 0008_dashboards
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_open311"
down_revision = "0008_dashboards"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "open311_api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner", sa.String(length=120), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("key_prefix", sa.String(length=12), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_count", sa.Integer(), nullable=False),
        sa.Column("requests_filed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )


def downgrade():
    op.drop_table("open311_api_key")
