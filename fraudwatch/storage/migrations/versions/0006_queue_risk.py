"""the queue's risk: its part without indicators, and existing reports ranked

`reports.risk_base` holds the part of a report's risk that does not come from its indicators
(classifier score, distinct reporters, tax impersonation), so that when an indicator named by
thousands of reports is confirmed, their risk and queue rank change in one UPDATE instead of
report by report (fraudwatch/storage/queue.py). Reports stored before the queue existed get
their verdict columns, risk and queue rank now. Each filter of the queue gets an index (value,
queue_rank, id), so that a page in risk order within one value is an index range however rare
the value and however deep the page (imports rank below every live report: without
(source, queue_rank, id) their first page read past every live one); they replace the
single-column indexes of those columns.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 01:30:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session, load_only

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


FILTERED = ('source', 'channel', 'verdict_label', 'verdict_authority', 'verdict_category', 'assigned_to')
REPLACED = ('verdict_label', 'verdict_authority', 'verdict_category', 'assigned_to')  # had ix_reports_<column>


def upgrade() -> None:
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('risk_base', sa.Float(), server_default='0', nullable=False))
        for column in REPLACED:
            batch_op.drop_index(f'ix_reports_{column}')
        for column in FILTERED:
            batch_op.create_index(f'ix_reports_{column}_queue', [column, 'queue_rank', 'id'], unique=False)
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
        verdicts = load_only(Report.id, Report.verdict, Report.verdict_authority, Report.verdict_category,
                             Report.model_version)  # only the columns this revision knows
        for report in session.scalars(sa.select(Report).where(Report.id.in_(ids)).options(verdicts)):
            if report.verdict:
                queue.fill_verdict_columns(report, report.verdict)
        queue.rescore(session, ids)
        last = ids[-1]
    session.flush()


def downgrade() -> None:
    with op.batch_alter_table('reports', schema=None) as batch_op:
        for column in FILTERED:
            batch_op.drop_index(f'ix_reports_{column}_queue')
        for column in REPLACED:
            batch_op.create_index(f'ix_reports_{column}', [column], unique=False)
        batch_op.drop_column('risk_base')
