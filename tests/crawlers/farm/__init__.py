"""The crawler fixture farm: fake tax sites and hostile servers on 127.0.0.1."""
