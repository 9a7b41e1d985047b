"""Fixtures of the console tests (the other console page tests use them too).

- `make_person(name, role, password=None)`: a user who may sign in (password hashed with argon2id).
- `sign_in(client, name=..., role=...)`: a client signed in without the password form (fast:
  the session is written as the sign-in view writes it); returns the user's id.
- `csrf(client)`: the CSRF token of the client's session (made when missing).
"""
from __future__ import annotations

import time

import pytest

from fraudwatch.infra.extensions import db
from fraudwatch.storage import people, users

PASSWORD = "correct horse battery staple"


@pytest.fixture
def make_person(app):
    """Create a user with a password; returns the user's id."""

    def make(name: str = "officer1", role: str = "officer", password: str | None = PASSWORD) -> int:
        with app.app_context():
            user = users.create_user(db.session, name, role)
            if password:
                people.set_password(db.session, user, password)
            db.session.commit()
            return user.id

    return make


@pytest.fixture
def sign_in(app, make_person):
    """Sign `client` in as a new user (created unless `user_id` is given); returns its id."""

    def sign(client, name: str = "officer1", role: str = "officer", user_id: int | None = None) -> int:
        uid = user_id if user_id is not None else make_person(name, role, password=None)
        with app.app_context():
            epoch = people.get_user(db.session, uid).session_epoch
        now = int(time.time())
        with client.session_transaction() as session:
            session.update(uid=uid, epoch=epoch, since=now, seen=now)
        return uid

    return sign


@pytest.fixture
def csrf():
    """The CSRF token of a test client's session."""

    def token(client) -> str:
        with client.session_transaction() as session:
            session.setdefault("csrf", "test-csrf-token-" + str(time.time_ns()))
            return session["csrf"]

    return token
