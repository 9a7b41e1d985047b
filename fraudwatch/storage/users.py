"""Users and API tokens; tokens are stored as SHA-256 digests, never in clear."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fraudwatch.storage.models import ROLES, ApiToken, User, utcnow

TOKEN_PREFIXES = {"officer": "fwo_", "admin": "fwa_", "enterprise": "fwe_", "editor": "fwd_"}


def hash_token(token: str) -> str:
    """The stored digest of a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_user(session: Session, name: str, role: str, rate_limit: str | None = None) -> User:
    """Create a user (officer, admin or enterprise)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ValueError("name must be 1 to 120 characters")
    if session.scalar(sa.select(User.id).where(User.name == name)) is not None:
        raise ValueError(f"a user named '{name}' exists already")
    user = User(name=name, role=role, rate_limit=rate_limit)
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, name: str) -> User | None:
    """The user with this name."""
    return session.scalars(sa.select(User).where(User.name == name)).first()


def create_token(session: Session, user: User, label: str | None = None) -> str:
    """Make a new token for `user`; the clear token is returned once and never stored."""
    token = TOKEN_PREFIXES[user.role] + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), prefix=token[:10], label=label))
    session.flush()
    return token


def resolve_token(session: Session, token: str) -> tuple[ApiToken, User] | None:
    """The live token and its active user, or None."""
    query = (sa.select(ApiToken, User).join(User, User.id == ApiToken.user_id)
             .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None), User.active.is_(True)))
    row = session.execute(query).first()
    return (row[0], row[1]) if row else None


def revoke_token(session: Session, prefix: str) -> int:
    """Revoke the tokens starting with `prefix`; return how many."""
    tokens = session.scalars(sa.select(ApiToken).where(ApiToken.prefix == prefix[:10],
                                                       ApiToken.revoked_at.is_(None))).all()
    for token in tokens:
        token.revoked_at = utcnow()
    return len(tokens)


def touch_token(session: Session, token_id: int, at: datetime) -> None:
    """Record when a token was last used."""
    session.execute(sa.update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=at))
