"""Shared fixtures: hypothesis profiles and the real broker bars in ../shared/data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("MIKROBOT_SHARED_DATA", REPO.parent / "shared" / "data"))
REAL = SHARED_DATA / "real"
REAL_M1 = REAL / "eurusd_m1_2022-01_2022-02.csv"
REAL_M5 = REAL / "eurusd_m5_2021-06_2022-02.csv"
REAL_M15 = REAL / "eurusd_m15_2022.csv"


def real_file(path: Path) -> Path:
    """Return ``path`` or skip the test, saying why."""
    if not path.is_file():
        pytest.skip(
            f"real data {path.name} not found under {SHARED_DATA} (../shared/data is absent)"
        )
    return path


@pytest.fixture
def real_m1_path() -> Path:
    return real_file(REAL_M1)


@pytest.fixture
def real_m5_path() -> Path:
    return real_file(REAL_M5)


@pytest.fixture
def real_m15_path() -> Path:
    return real_file(REAL_M15)


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test ever touches the user's ~/.mikrobot or a config file in the working directory."""
    home = tmp_path_factory.mktemp("mikrobot-home")
    monkeypatch.setenv("MIKROBOT_HOME", str(home))
    monkeypatch.delenv("MIKROBOT_CONFIG", raising=False)
