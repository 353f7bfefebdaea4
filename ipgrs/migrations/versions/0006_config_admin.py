"""config admin: nodal officer assignments, drafts, the configuration audit log and the publish lock

Revision ID: 0006_config_admin
Revises: 0005_escalation_index
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_config_admin"
down_revision = "0005_escalation_index"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "config_nodal_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["catalog_department.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "department_id"),
    )
    with op.batch_alter_table("config_nodal_assignment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_config_nodal_assignment_department_id"), ["department_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_config_nodal_assignment_user_id"), ["user_id"], unique=False)

    op.create_table(
        "config_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_code", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("base_version_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["base_version_id"], ["ruleset_version.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("department_code", "author_id"),
    )
    with op.batch_alter_table("config_draft", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_config_draft_author_id"), ["author_id"], unique=False)

    op.create_table(
        "config_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("department_code", sa.String(length=16), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("base_version_id", sa.Integer(), nullable=True),
        sa.Column("restored_version_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["base_version_id"], ["ruleset_version.id"]),
        sa.ForeignKeyConstraint(["restored_version_id"], ["ruleset_version.id"]),
        sa.ForeignKeyConstraint(["version_id"], ["ruleset_version.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version_id"),
    )
    with op.batch_alter_table("config_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_config_change_department_code"), ["department_code"], unique=False)

    lock = op.create_table(
        "config_lock",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    op.bulk_insert(lock, [{"name": "catalogue", "version_id": None, "locked_at": None}])


def downgrade():
    op.drop_table("config_lock")
    with op.batch_alter_table("config_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_config_change_department_code"))
    op.drop_table("config_change")
    with op.batch_alter_table("config_draft", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_config_draft_author_id"))
    op.drop_table("config_draft")
    with op.batch_alter_table("config_nodal_assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_config_nodal_assignment_user_id"))
        batch_op.drop_index(batch_op.f("ix_config_nodal_assignment_department_id"))
    op.drop_table("config_nodal_assignment")
