"""lead operations: merchant settings, due_at, duplicate_of, overdue notification

Revision ID: 0002
Revises: 0001

Existing inquiries get ``due_at = created_at + SLA_FIRST_RESPONSE_SECONDS`` (the default in force
when the migration runs). Those already past it are marked as notified: deploying this must not
flood every dashboard with alerts about old leads.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.settings import SlaSettings

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The overdue scan's partial index predicate (as in shared.models, frozen here with the revision).
OVERDUE_PENDING = (
    "overdue_notified_at IS NULL AND status IN ('NEW', 'ASSIGNED') "
    "AND deleted_at IS NULL AND NOT is_spam"
)


def upgrade() -> None:
    op.create_table(
        "merchant_settings",
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("first_response_target_seconds", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("updated_by", sa.String(length=128), nullable=True),
        sa.CheckConstraint(
            "first_response_target_seconds BETWEEN 60 AND 604800",
            name=op.f("ck_merchant_settings_first_response_target"),
        ),
        sa.PrimaryKeyConstraint("merchant_id", name=op.f("pk_merchant_settings")),
    )
    op.add_column("inquiries", sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("inquiries", sa.Column("duplicate_of", sa.UUID(), nullable=True))
    op.add_column(
        "inquiries", sa.Column("overdue_notified_at", sa.DateTime(timezone=True), nullable=True)
    )
    target = SlaSettings.from_env().sla_first_response_seconds
    op.execute(
        sa.text(
            "UPDATE inquiries SET due_at = created_at + make_interval(secs => :target)"
        ).bindparams(target=target)
    )
    op.execute(
        "UPDATE inquiries SET overdue_notified_at = now() "  # noqa: S608 - a constant predicate
        f"WHERE {OVERDUE_PENDING} AND due_at <= now()"
    )
    op.alter_column("inquiries", "due_at", nullable=False)
    op.create_foreign_key(
        op.f("fk_inquiries_duplicate_of_inquiries"),
        "inquiries",
        "inquiries",
        ["duplicate_of"],
        ["id"],
    )
    op.create_index(
        "ix_inquiries_repeat_lookup",
        "inquiries",
        ["merchant_id", sa.text("lower(email)"), "created_at"],
        postgresql_where=sa.text("deleted_at IS NULL AND NOT is_spam"),
    )
    op.create_index(
        "ix_inquiries_duplicate_of",
        "inquiries",
        ["duplicate_of"],
        postgresql_where=sa.text("duplicate_of IS NOT NULL"),
    )
    op.create_index(
        "ix_inquiries_overdue_scan",
        "inquiries",
        ["due_at"],
        postgresql_where=sa.text(OVERDUE_PENDING),
    )


def downgrade() -> None:
    op.drop_index("ix_inquiries_overdue_scan", table_name="inquiries")
    op.drop_index("ix_inquiries_duplicate_of", table_name="inquiries")
    op.drop_index("ix_inquiries_repeat_lookup", table_name="inquiries")
    op.drop_constraint(op.f("fk_inquiries_duplicate_of_inquiries"), "inquiries", type_="foreignkey")
    op.drop_column("inquiries", "overdue_notified_at")
    op.drop_column("inquiries", "duplicate_of")
    op.drop_column("inquiries", "due_at")
    op.drop_table("merchant_settings")
