"""Fixtures of the fake tax sites (the farm on 127.0.0.1) and fetchers configured for it;
registered for every test by tests/conftest.py."""
from __future__ import annotations

import dataclasses

import pytest

from crawlers.fetch import FetchConfig, Fetcher
from tests.crawlers.farm.server import FarmServer

# Short limits so the hostile servers cost at most a few seconds.
TEST_LIMITS = {"connect_timeout": 1.0, "read_timeout": 1.5, "total_timeout": 2.5, "host_delay": 0.0,
               "max_body": 2 * 1024 * 1024}


@pytest.fixture(scope="module")
def farm():
    """One farm server per test module."""
    server = FarmServer().start()
    yield server
    server.stop()


@pytest.fixture
def farm_config(farm) -> FetchConfig:
    """Allows 127.0.0.0/8 explicitly, any port, farm hosts mapped to 127.0.0.1."""
    return FetchConfig(allow_networks=("127.0.0.0/8",), allowed_ports=None,
                       resolve=farm.resolve_specs(), **TEST_LIMITS)


@pytest.fixture
def fetcher(farm_config):
    """A fetcher for the farm."""
    with Fetcher(farm_config) as f:
        yield f


def make_fetcher(config: FetchConfig, **changes) -> Fetcher:
    """A fetcher with `changes` applied to `config`."""
    return Fetcher(dataclasses.replace(config, **changes))
