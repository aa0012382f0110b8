"""The README's examples run and say what they claim."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mikrobot.config import load_settings

README = Path(__file__).resolve().parents[1] / "README.md"


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_config_example_loads(tmp_path):
    (toml,) = blocks("toml")
    path = tmp_path / "mikrobot.toml"
    path.write_text(toml)
    settings = load_settings(path)
    assert settings.registry()["XAUUSD"].pip_size == 0.01
    assert settings.data.source_tz == "NY+7"


def test_risk_example_gives_the_numbers_in_its_comments():
    (code,) = [b for b in blocks("python") if "size_position" in b]
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)
    assert scope["size"].volume == pytest.approx(3.03)
    assert scope["size"].money_at_risk == pytest.approx(499.95)
    assert scope["decision"].approved


def test_structure_example_finds_every_planted_setup():
    (code,) = [b for b in blocks("python") if "ms.setups" in b]
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)
    found, planted = scope["found"], scope["mkt"].episodes
    confirmed = found[found["status"] == "confirmed"]
    assert len(planted) == 6
    for row in planted.itertuples():
        hit = confirmed[confirmed["known_at"] == row.known_at]
        assert len(hit) == 1
        assert hit["level"].iloc[0] == pytest.approx(row.level)
    assert len(scope["fig"].data) > 0
