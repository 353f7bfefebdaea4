"""dashboards: the daily rollup of grievances and the record of its refreshes

Revision ID: 0008_dashboards
Revises: 0007_plugins_cpgrams
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_dashboards"
down_revision = "0007_plugins_cpgrams"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "dashboard_rollup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("taluk_id", sa.Integer(), nullable=True),
        sa.Column("grievance_type_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=24), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("age_bucket", sa.String(length=8), nullable=True),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in (
            "grievances", "pending", "overdue", "resolved", "on_time")],
        sa.Column("resolve_days", sa.Float(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in (
            "ever_resolved", "reopened", "escalated", "critical", "rated", "rating_sum", "satisfied")],
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dashboard_rollup_day", "dashboard_rollup", ["day"])
    op.create_index("ix_dashboard_rollup_department_day", "dashboard_rollup", ["department_id", "day"])
    op.create_index("ix_dashboard_rollup_district_day", "dashboard_rollup", ["district_id", "day"])
    op.create_index("ix_dashboard_rollup_post", "dashboard_rollup", ["post_id", "taluk_id", "district_id"])
    op.create_index("ix_dashboard_rollup_type_day", "dashboard_rollup", ["grievance_type_id", "day"])
    op.create_table(
        "dashboard_rollup_month",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grain", sa.String(length=8), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=24), nullable=True),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("age_bucket", sa.String(length=8), nullable=True),
        sa.Column("taluk_id", sa.Integer(), nullable=True),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("grievance_type_id", sa.Integer(), nullable=True),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in (
            "grievances", "pending", "overdue", "resolved", "on_time")],
        sa.Column("resolve_days", sa.Float(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in (
            "ever_resolved", "reopened", "escalated", "critical", "rated", "rating_sum", "satisfied")],
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dashboard_rollup_month_grain_month", "dashboard_rollup_month", ["grain", "month", "department_id"])
    op.create_table(
        "dashboard_refresh",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("grievances", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dashboard_refresh_as_of", "dashboard_refresh", ["as_of"])
    # The drill-down lists and the weekly report filter grievances by filing date and by department.
    with op.batch_alter_table("grievance", schema=None) as batch_op:
        batch_op.create_index("ix_grievance_created_at", ["created_at"], unique=False)
        batch_op.create_index("ix_grievance_department_status_due", ["department_id", "status", "due_at"], unique=False)


def downgrade():
    with op.batch_alter_table("grievance", schema=None) as batch_op:
        batch_op.drop_index("ix_grievance_department_status_due")
        batch_op.drop_index("ix_grievance_created_at")
    op.drop_index("ix_dashboard_refresh_as_of", table_name="dashboard_refresh")
    op.drop_table("dashboard_refresh")
    op.drop_index("ix_dashboard_rollup_month_grain_month", table_name="dashboard_rollup_month")
    op.drop_table("dashboard_rollup_month")
    for name in ("ix_dashboard_rollup_type_day", "ix_dashboard_rollup_post", "ix_dashboard_rollup_district_day", "ix_dashboard_rollup_department_day",
                 "ix_dashboard_rollup_day"):
        op.drop_index(name, table_name="dashboard_rollup")
    op.drop_table("dashboard_rollup")
