import pytest

from mikrobot.config import load_settings
from mikrobot.core import ConfigError


def test_defaults_load_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.registry()["EURUSD"].pip_size == 0.0001
    assert settings.store_path.name == "bars"


def test_file_overrides_symbols_and_environment_wins(tmp_path, monkeypatch):
    cfg = tmp_path / "mikrobot.toml"
    cfg.write_text('[data]\nsource_tz = "NY+7"\n\n[symbols.XAUUSD]\npip_size = 0.01\n')
    settings = load_settings(cfg)
    assert settings.data.source_tz == "NY+7"
    assert settings.registry()["XAUUSD"].pip_size == 0.01
    monkeypatch.setenv("MIKROBOT_DATA__SOURCE_TZ", "Europe/Athens")
    assert load_settings(cfg).data.source_tz == "Europe/Athens"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[data]\nsoure_tz = 'UTC'\n", "unknown key 'data.soure_tz'"),
        ("[dta]\n", "unknown key 'dta'"),
        ("[data]\nsource_tz = 'Mars/Olympus'\n", "Mars/Olympus"),
        ("[symbols.XAUUSD]\npip_size = -1\n", "pip_size"),
        ("[data\n", "not valid TOML"),
    ],
)
def test_bad_config_names_the_key(tmp_path, text, needle):
    cfg = tmp_path / "mikrobot.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError, match=needle.replace("[", r"\[").replace(".", r"\.")):
        load_settings(cfg)


def test_hash_changes_with_content_not_with_paths(tmp_path):
    a = load_settings(home=tmp_path / "a")
    b = load_settings(home=tmp_path / "b")
    c = load_settings(symbols={"XAUUSD": {"pip_size": 0.01}})
    assert a.config_hash() == b.config_hash()
    assert a.config_hash() != c.config_hash()
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "missing.toml")
