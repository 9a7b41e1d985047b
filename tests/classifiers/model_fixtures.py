"""Fixtures of the hand-written fixture corpus and a model trained on it once per session
(registered for every test by tests/conftest.py: the service tests use the model too)."""
from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def fixture_corpus() -> Path:
    """Folder of the fixture corpus (*.jsonl in the data/corpus format)."""
    return FIXTURES


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory, fixture_corpus) -> Path:
    """A model folder trained on the fixture corpus."""
    from classifiers.train import train_model

    folder = tmp_path_factory.mktemp("model") / "current"
    train_model([fixture_corpus], folder, progress=lambda step, fraction: None)
    return folder


@pytest.fixture(scope="session")
def clf(model_dir):
    """The fixture model, loaded."""
    from classifiers.model import load_model

    return load_model(model_dir)
