"""outbox streams: the stream each outbox relay publishes to, so a misdirected one is noticed

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_streams",
        sa.Column("identity", sa.String(length=300), nullable=False),
        sa.Column("destination", sa.String(length=300), nullable=False),
        sa.Column(
            "seen_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("identity", name=op.f("pk_outbox_streams")),
    )


def downgrade() -> None:
    op.drop_table("outbox_streams")
