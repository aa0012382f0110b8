"""The notebook tests (``pytest --nbval-lax --nbval-current-env notebooks``) run the notebooks
against this checkout's ``mikrobot``.

nbval runs each notebook in a fresh Jupyter kernel started in the notebook's folder, so the
kernel imports whichever ``mikrobot`` the environment has installed, which need not be the code
next to the notebooks (a virtualenv shared by several checkouts, a stale install). Putting this
checkout's root first on the kernels' ``PYTHONPATH`` makes the notebooks test the checkout, as
``python -m pytest tests`` does for the unit tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def pytest_configure(config: pytest.Config) -> None:
    """Put the checkout's root first on ``PYTHONPATH`` for the kernels nbval starts."""
    current = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys([str(ROOT), *current]))
