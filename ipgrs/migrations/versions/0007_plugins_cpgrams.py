"""plugins: subscriber failures; the CPGRAMS plugin's tables (received grievances, pull cursor, push replay guard,
outbound outbox, mapping additions)

The CPGRAMS plugin's tables are created here, in the platform's one migration history, so that `ipgrs db upgrade`
is the only schema command and the models-equal-migrations check covers them (docs/plugins.md).

Revision ID: 0007_plugins_cpgrams
Revises: 0006_config_admin
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_plugins_cpgrams"
down_revision = "0006_config_admin"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "plugin_failure",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plugin", sa.String(64), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("grievance_ids", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(500), nullable=False),
        sa.Column("at", TZ, nullable=False),
    )
    op.create_index("ix_plugin_failure_plugin", "plugin_failure", ["plugin"])
    op.create_index("ix_plugin_failure_at", "plugin_failure", ["at"])

    op.create_table(
        "cpgrams_grievance",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("registration_number", sa.String(64), nullable=False),
        sa.Column("organisation_code", sa.String(64), nullable=False),
        sa.Column("category_code", sa.String(64), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_via", sa.String(8), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("grievance_id", sa.Integer(), sa.ForeignKey("grievance.id"), nullable=True),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("filed_at", TZ, nullable=True),
        sa.UniqueConstraint("registration_number"),
        sa.UniqueConstraint("grievance_id"),
    )
    op.create_index("ix_cpgrams_grievance_state_received", "cpgrams_grievance", ["state", "received_at"])

    op.create_table(
        "cpgrams_cursor",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("cursor", sa.String(200), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_table(
        "cpgrams_push_seen",
        sa.Column("signature", sa.String(64), primary_key=True),
        sa.Column("seen_at", TZ, nullable=False),
    )
    op.create_index("ix_cpgrams_push_seen_seen_at", "cpgrams_push_seen", ["seen_at"])

    op.create_table(
        "cpgrams_outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(160), nullable=False),
        sa.Column("registration_number", sa.String(64), nullable=False),
        sa.Column("grievance_id", sa.Integer(), sa.ForeignKey("grievance.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TZ, nullable=False),
        sa.Column("last_error", sa.String(300), nullable=True),
        sa.Column("sent_at", TZ, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_cpgrams_outbox_status_next", "cpgrams_outbox", ["status", "next_attempt_at"])
    op.create_index("ix_cpgrams_outbox_registration", "cpgrams_outbox", ["registration_number", "id"])

    op.create_table(
        "cpgrams_mapping",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("organisation_code", sa.String(64), nullable=False),
        sa.Column("category_code", sa.String(64), nullable=False),
        sa.Column("grievance_type", sa.String(64), nullable=False),
        sa.Column("added_by", sa.String(120), nullable=False),
        sa.Column("added_at", TZ, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("uq_cpgrams_mapping_codes", "cpgrams_mapping", ["organisation_code", "category_code"], unique=True)


def downgrade():
    op.drop_index("uq_cpgrams_mapping_codes", table_name="cpgrams_mapping")
    op.drop_table("cpgrams_mapping")
    op.drop_index("ix_cpgrams_outbox_registration", table_name="cpgrams_outbox")
    op.drop_index("ix_cpgrams_outbox_status_next", table_name="cpgrams_outbox")
    op.drop_table("cpgrams_outbox")
    op.drop_index("ix_cpgrams_push_seen_seen_at", table_name="cpgrams_push_seen")
    op.drop_table("cpgrams_push_seen")
    op.drop_table("cpgrams_cursor")
    op.drop_index("ix_cpgrams_grievance_state_received", table_name="cpgrams_grievance")
    op.drop_table("cpgrams_grievance")
    op.drop_index("ix_plugin_failure_at", table_name="plugin_failure")
    op.drop_index("ix_plugin_failure_plugin", table_name="plugin_failure")
    op.drop_table("plugin_failure")
