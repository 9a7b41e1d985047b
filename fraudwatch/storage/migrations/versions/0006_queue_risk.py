"""the queue's risk: its part without indicators, and existing reports ranked

`reports.risk_base` holds the part of a report's risk that does not come from its indicators
(classifier score, distinct reporters, tax impersonation), so that when an indicator named by
thousands of reports is confirmed, their risk and queue rank change in one UPDATE instead of
report by report (fraudwatch/storage/queue.py). Reports stored before the queue existed get
their verdict columns, risk and queue rank now.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 01:30:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('risk_base', sa.Float(), server_default='0', nullable=False))
    _rank_existing()


def _rank_existing() -> None:
    """Every existing report scored and ranked as storage/queue.py does today (in id batches)."""
    from fraudwatch.storage import queue
    from fraudwatch.storage.models import Report

    session = Session(bind=op.get_bind())
    last = 0
    while True:
        ids = list(session.scalars(sa.select(Report.id).where(Report.id > last).order_by(Report.id).limit(2000)))
        if not ids:
            break
        for report in session.scalars(sa.select(Report).where(Report.id.in_(ids))):
            if report.verdict:
                queue.fill_verdict_columns(report, report.verdict)
        queue.rescore(session, ids)
        last = ids[-1]
    session.flush()


def downgrade() -> None:
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_column('risk_base')
