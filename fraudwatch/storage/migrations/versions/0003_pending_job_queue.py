"""pending jobs know their queue

A pending job records the queue it is put on (`live` for reports from the API, `bulk`
for imported ones), so the pump puts a lost job back on its own queue and imports never
hold up live reports. Rows written before this revision were all live reports' jobs.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 09:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pending_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('queue', sa.String(length=16), server_default='live', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('pending_jobs', schema=None) as batch_op:
        batch_op.drop_column('queue')
