"""Watch lists: what an enterprise or a tax office watches (domains, brands, company names,
phones) and where its alerts go (webhooks, e-mail addresses).

Entries are normalised to the key they are matched by: a domain to its registrable domain
(lower case, IDNA), a brand or company name to its NFKC case-folded letters and digits, a
phone to E.164 (region PHONE_REGION for numbers without `+`). At most MAX_ENTRIES entries and
MAX_CHANNELS channels per owner; values of at most MAX_VALUE characters, labels of at most
MAX_LABEL, no control characters. A webhook's secret is made here (secrets.token_urlsafe) and
shown once, when the channel is created. Every change raises the watch version, so each
process rebuilds its match index (see watch_match). Only enterprise users, officers and admins
own watch lists; each sees and changes only their own (another's entry is "not found")."""
from __future__ import annotations

import re
import secrets
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app

from fraudwatch.exceptions import Conflict, Invalid, NotFound
from fraudwatch.indicators import normalize_domain, normalize_email, normalize_phone
from fraudwatch.infra.extensions import db
from fraudwatch.services import watch_match
from fraudwatch.services.watch_index import MIN_LATIN_MENTION, MIN_MENTION, fold_name
from fraudwatch.storage import users
from fraudwatch.storage import watch as store
from fraudwatch.storage.models import AlertChannel, User, WatchEntry
from fraudwatch.storage.transactions import in_transaction

KINDS = ("domain", "brand", "company", "phone")
CHANNEL_KINDS = ("webhook", "email")
OWNER_ROLES = ("enterprise", "officer", "admin")
MAX_ENTRIES = 10_000
MAX_CHANNELS = 20
MAX_VALUE = 300
MAX_LABEL = 120
MAX_URL = 2048
MAX_EMAIL = 320
PAGE = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def owner(name: str) -> User:
    """The user of this name, when it may own a watch list (else NotFound)."""
    user = users.find_user(db.session, name)
    if user is None or user.role not in OWNER_ROLES or not user.active:
        raise NotFound("no watch list for this user")
    return user


def _text(value: object, field: str, limit: int, errors: dict, *, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str):
        errors[field] = "must be a string"
        return None
    if len(value) > limit:
        errors[field] = f"must be at most {limit} characters"
        return None
    if _CONTROL.search(value):
        errors[field] = "must not contain control characters"
        return None
    value = value.strip()
    if required and not value:
        errors[field] = "must not be blank"
        return None
    return value or None


def normalize_entry(kind: str, value: str, region: str) -> tuple[str, str]:
    """(value as shown, match key) of an entry; ValueError saying why not."""
    if kind == "domain":
        item = normalize_domain(value)
        return item.display, item.match_key
    if kind == "phone":
        item = normalize_phone(value, region)
        return item.display, item.value
    if kind in ("brand", "company"):
        key = fold_name(value)
        shortest = MIN_LATIN_MENTION if key.isascii() else MIN_MENTION
        if len(key) < shortest:
            raise ValueError(f"a {kind} name needs at least {shortest} letters or digits "
                             f"({MIN_MENTION} for Chinese names)")
        return value, key[:MAX_VALUE]
    raise ValueError(f"kind must be one of {', '.join(KINDS)}")


def entry_json(entry: WatchEntry) -> dict:
    """An entry as the API answers it."""
    return {"id": entry.id, "kind": entry.kind, "value": entry.value, "match_key": entry.match_key,
            "label": entry.label, "active": entry.active, "created_at": _iso(entry.created_at)}


def channel_json(channel: AlertChannel, secret: str | None = None) -> dict:
    """A channel as the API answers it (the secret only when it was just made)."""
    out = {"id": channel.id, "kind": channel.kind, "target": channel.target, "active": channel.active,
           "created_at": _iso(channel.created_at)}
    if secret is not None:
        out["secret"] = secret
    return out


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def add_entry(user: User, kind: object, value: object, label: object = None) -> WatchEntry:
    """Watch one more thing; Invalid (bad field, too many), Conflict (already watched)."""
    errors: dict[str, str] = {}
    if kind not in KINDS:
        errors["kind"] = f"must be one of {', '.join(KINDS)}"
    text = _text(value, "value", MAX_VALUE, errors)
    label = _text(label, "label", MAX_LABEL, errors, required=False)
    if not errors:
        try:
            shown, key = normalize_entry(kind, text, current_app.config["PHONE_REGION"])
        except ValueError as exc:
            errors["value"] = str(exc)[:200]
    if errors:
        raise Invalid("the entry has invalid fields", fields=errors)

    def work() -> WatchEntry:
        if store.find_entry(db.session, user.id, kind, key) is not None:
            raise Conflict(f"this {kind} is already on your watch list", reason="watch_duplicate")
        if store.count_entries(db.session, user.id) >= MAX_ENTRIES:
            raise Invalid(f"a watch list holds at most {MAX_ENTRIES} entries",
                          fields={"value": f"at most {MAX_ENTRIES} entries"}, reason="watch_full")
        return store.insert_entry(db.session, owner_id=user.id, kind=kind, value=shown[:MAX_VALUE], match_key=key,
                                  label=label)

    entry = in_transaction(db.session, work)
    watch_match.bump()
    return entry


def remove_entry(user: User, entry_id: int) -> None:
    """Stop watching an entry of this user (NotFound for anyone else's)."""
    def work() -> None:
        entry = store.entry_of(db.session, user.id, entry_id)
        if entry is None:
            raise NotFound("no such watch entry")
        store.delete_row(db.session, entry)

    in_transaction(db.session, work)
    watch_match.bump()


def list_entries(user: User, limit: int = PAGE, after: int = 0) -> list[WatchEntry]:
    """A page of the user's entries, oldest first."""
    return store.entries_of(db.session, user.id, limit, after)


def add_channel(user: User, kind: object, target: object) -> tuple[AlertChannel, str | None]:
    """A new webhook (https or http URL; its secret made here and returned once) or e-mail
    channel; Invalid for a bad target or too many channels."""
    errors: dict[str, str] = {}
    if kind not in CHANNEL_KINDS:
        errors["kind"] = f"must be one of {', '.join(CHANNEL_KINDS)}"
    target = _text(target, "target", MAX_URL if kind == "webhook" else MAX_EMAIL, errors)
    if not errors:
        try:
            target = check_webhook_url(target) if kind == "webhook" else normalize_email(target).value
        except ValueError as exc:
            errors["target"] = str(exc)[:200]
    if errors:
        raise Invalid("the channel has invalid fields", fields=errors)
    secret = secrets.token_urlsafe(32) if kind == "webhook" else None

    def work() -> AlertChannel:
        if len(store.channels_of(db.session, user.id)) >= MAX_CHANNELS:
            raise Invalid(f"at most {MAX_CHANNELS} channels", fields={"target": f"at most {MAX_CHANNELS} channels"},
                          reason="channels_full")
        return store.insert_channel(db.session, owner_id=user.id, kind=kind, target=target, secret=secret)

    return in_transaction(db.session, work), secret


def check_webhook_url(text: str) -> str:
    """An absolute http(s) URL with a host and no credentials (where it points is checked
    by the address guard at every delivery, as DNS answers change); ValueError otherwise."""
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise ValueError(f"not a URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not hold a user name or password")
    if any(ch.isspace() for ch in text):
        raise ValueError("must not contain spaces")
    return text


def remove_channel(user: User, channel_id: int) -> None:
    """Delete a channel of this user (NotFound for anyone else's)."""
    def work() -> None:
        channel = store.channel_of(db.session, user.id, channel_id)
        if channel is None:
            raise NotFound("no such channel")
        store.delete_row(db.session, channel)

    in_transaction(db.session, work)


def list_channels(user: User) -> list[AlertChannel]:
    """The user's channels, oldest first."""
    return store.channels_of(db.session, user.id)


def get_channel(user: User, channel_id: int) -> AlertChannel:
    """A channel of this user (NotFound for anyone else's)."""
    channel = store.channel_of(db.session, user.id, channel_id)
    if channel is None:
        raise NotFound("no such channel")
    return channel
