"""Whether the database answers (GET /readyz)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session


def ping(session: Session) -> None:
    """Run a trivial query; raises whatever the database or driver raises when it cannot."""
    session.execute(sa.text("SELECT 1"))
