from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "dst"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    return RAW


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty data cache for this test (fetched/imported tables), and a fresh panel cache."""
    from evaltools.data import load_panel

    monkeypatch.setenv("EVALTOOLS_CACHE", str(tmp_path / "cache"))
    load_panel.cache_clear()
    yield tmp_path / "cache"
    load_panel.cache_clear()
