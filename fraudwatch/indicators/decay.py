"""Confidence decay of an indicator since its last sighting (MISP's polynomial decay model).

score(age) = base * (1 - (age / lifetime) ** (1 / speed)), floored at 0: an indicator keeps
`base` when just seen and loses it over `lifetime`; `speed` above 1 keeps it high longer, below
1 drops it early. It leaves the feeds once the score falls under `threshold`, that is at

    age >= lifetime * (1 - threshold / base) ** speed

Lifetimes and speeds are per type (config DECAY_LIFETIME_DAYS, DECAY_SPEED, DECAY_THRESHOLD): a
phone number or a URL is thrown away within days, a registered domain lasts longer. A sighting
(the indicator seen again in a report, a crawl or an import) sets its last sighting to now and
so gives it its base confidence back.

Pure functions of their arguments: no clock, no configuration read here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# The confidence an indicator starts from when its source gave none: what our own status says.
BASE_CONFIDENCE = {"confirmed_fraud": 0.95, "suspected": 0.6}
DEFAULT_BASE = 0.5


@dataclass(frozen=True)
class DecayModel:
    lifetime_days: dict[str, float]
    speed: dict[str, float]
    threshold: float

    @classmethod
    def from_config(cls, config) -> DecayModel:
        return cls(dict(config["DECAY_LIFETIME_DAYS"]), dict(config["DECAY_SPEED"]), float(config["DECAY_THRESHOLD"]))

    def score(self, kind: str, base: float, last_seen: datetime, now: datetime) -> float:
        """The decayed confidence, 0..base, of an indicator of type `kind` last seen at `last_seen`."""
        lifetime = self.lifetime_days.get(kind, 30.0) * 86400.0
        age = max(0.0, (now - last_seen).total_seconds())
        if age >= lifetime:
            return 0.0
        return round(max(0.0, base * (1.0 - (age / lifetime) ** (1.0 / self.speed.get(kind, 1.0)))), 4)

    def max_age(self, kind: str, base: float) -> timedelta:
        """How long after its last sighting an indicator of `kind` starting at `base` stays at or
        above the threshold (zero when `base` is already under it)."""
        if base <= self.threshold:
            return timedelta(0)
        lifetime = self.lifetime_days.get(kind, 30.0) * 86400.0
        return timedelta(seconds=lifetime * (1.0 - self.threshold / base) ** self.speed.get(kind, 1.0))

    def expired(self, kind: str, base: float, last_seen: datetime, now: datetime) -> bool:
        return self.score(kind, base, last_seen, now) < self.threshold


def base_confidence(status: str, given: float | None = None) -> float:
    """The confidence an indicator starts from: the one its source gave (an import's), or its status's."""
    if given is not None:
        return min(1.0, max(0.0, float(given)))
    return BASE_CONFIDENCE.get(status, DEFAULT_BASE)
