"""People who sign in to the console: argon2id password hashes, the session epoch that ends
every session of a user when bumped, the chosen language and the last sign-in.

Verifying the password of an unknown user (or one without a password) verifies a dummy hash,
so a wrong name costs as long as a wrong password and timing does not tell which names exist."""
from __future__ import annotations

import functools
import secrets
from datetime import datetime

import pyotp
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.orm import Session

from fraudwatch.storage.models import ROLES, ApiToken, User, utcnow

MIN_PASSWORD = 12  # characters
MAX_PASSWORD = 256  # characters; longer is refused rather than hashed (argon2 hashes anything, slowly)
CONSOLE_ROLES = ("officer", "admin")  # the officers' pages (queue, reports, campaigns...)
SIGN_IN_ROLES = ROLES  # who may sign in: enterprises and editors too, to their own pages
LANGUAGES = ("zh", "en")
_hasher = PasswordHasher()  # argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile)


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(24))


def password_problem(password: str | None) -> str | None:
    """Why `password` cannot be used (empty, too short, too long, control characters), or None."""
    if not password:
        return "the password is empty"
    if len(password) < MIN_PASSWORD:
        return f"the password must have at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return f"the password must have at most {MAX_PASSWORD} characters"
    if any(ord(c) < 32 or ord(c) == 127 for c in password) or not _encodable(password):
        return "the password must not contain control characters or lone surrogates"
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def set_password(session: Session, user: User, password: str) -> None:
    """Store the argon2id hash of `password` and end the user's other sessions (ValueError
    when the password breaks the rules)."""
    problem = password_problem(password)
    if problem:
        raise ValueError(problem)
    user.password_hash = _hasher.hash(password)
    user.session_epoch = (user.session_epoch or 0) + 1
    session.flush()


def verify_password(user: User | None, password: str) -> bool:
    """True when `password` is the user's; the same work is done for an unknown user."""
    if not password or len(password) > MAX_PASSWORD or not _encodable(password):
        return False
    stored = user.password_hash if user is not None and user.password_hash else None
    try:
        ok = _hasher.verify(stored or _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return ok and stored is not None


def rehash_if_needed(user: User, password: str) -> None:
    """After a successful sign-in: rehash a password stored with older parameters."""
    if user.password_hash and _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)


def get_user(session: Session, user_id: int) -> User | None:
    """The user with this id."""
    return session.get(User, user_id)


def find_person(session: Session, name: str) -> User | None:
    """The user named `name` (None for names no user can have)."""
    if not name or len(name) > 120 or not name.isprintable() or not _encodable(name):
        return None
    return session.scalars(sa.select(User).where(User.name == name)).first()


def record_sign_in(session: Session, user: User, at: datetime | None = None) -> None:
    """Note a successful sign-in."""
    user.last_login_at = at or utcnow()
    session.flush()


def end_sessions(session: Session, user: User) -> None:
    """End every console session of `user` (sign-out everywhere, deactivation)."""
    user.session_epoch = (user.session_epoch or 0) + 1
    session.flush()


def set_language(session: Session, user: User, language: str) -> None:
    """Remember the user's console language (zh or en; ValueError otherwise)."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
    user.language = language
    session.flush()


def set_totp(session: Session, user: User) -> str:
    """Give `user` a new TOTP secret; returns its otpauth:// URI (shown once, for the app)."""
    secret = pyotp.random_base32()
    user.totp_secret = secret
    session.flush()
    return pyotp.TOTP(secret).provisioning_uri(name=user.name, issuer_name="fraudwatch")


def clear_totp(session: Session, user: User) -> None:
    """Remove the user's second factor."""
    user.totp_secret = None
    session.flush()


def verify_totp(user: User, code: str) -> bool:
    """True when `code` is the user's current TOTP code (or the one just before or after)."""
    if not user.totp_secret or not code or len(code) != 6 or not code.isascii() or not code.isdigit():
        return False
    return pyotp.TOTP(user.totp_secret).verify(code, valid_window=1)


def list_people(session: Session) -> list[tuple[User, int]]:
    """Every user, by name, with the number of their live API tokens."""
    live = (sa.select(ApiToken.user_id, sa.func.count().label("n")).where(ApiToken.revoked_at.is_(None))
            .group_by(ApiToken.user_id).subquery())
    rows = session.execute(sa.select(User, sa.func.coalesce(live.c.n, 0)).outerjoin(live, live.c.user_id == User.id)
                           .order_by(User.name)).all()
    return [(row[0], int(row[1])) for row in rows]


def set_role(session: Session, user: User, role: str) -> None:
    """Change the user's role (ValueError for an unknown one); their sessions end."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    user.role = role
    end_sessions(session, user)


def set_active(session: Session, user: User, active: bool) -> None:
    """Deactivate (sessions end, tokens stop working) or reactivate a user."""
    user.active = active
    end_sessions(session, user)


def tokens_of(session: Session, user_id: int) -> list[ApiToken]:
    """The user's API tokens, newest first (revoked ones too)."""
    return list(session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user_id)
                                .order_by(ApiToken.id.desc())).all())


def revoke_token_of(session: Session, user_id: int, token_id: int) -> ApiToken | None:
    """Revoke one live token of the user; None when there is no such live token."""
    token = session.scalars(sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id,
                                                      ApiToken.revoked_at.is_(None))).first()
    if token is not None:
        token.revoked_at = utcnow()
        session.flush()
    return token
