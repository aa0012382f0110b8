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


FULL_TOML = """
[data]
source_tz = "UTC"

[sessions.london]
start = "07:00"

[sessions.frankfurt]
zone = "Europe/Berlin"
start = "08:00"
end = "16:30"

[evaluation.confidence]
enabled = true
minimum = 0.65

[evaluation.sessions]
allowed = ["london", "new_york", "frankfurt"]

[evaluation.news]
scope = "all"
before_minutes = 5
after_minutes = 3
min_impact = "medium"
require_calendar = false

[evaluation.spread]
max_fraction_of_stop = 0.15

[evaluation.volatility]
min_percentile = 15
max_percentile = 90
lookback_days = 20

[evaluation.positions]
max_per_symbol = 1
max_total = 2

[evaluation.exposure]
max_per_currency = 1

[evaluation.trading_state]
enabled = true

[evaluation.cooldown]
losses = 4
minutes = 90

[evaluation.sizing]
multiplier_at_min = 0.5
multiplier_at_max = 1.25
headroom_cap = true
min_multiplier = 0.1

[risk]
risk_per_trade = 0.004
max_risk_per_trade = 0.008
kelly_enabled = true
kelly_fraction = 0.2
commission_per_lot = 7.0

[propfirm]
preset = "ftmo-2step-funded"
initial_balance = 50000

[propfirm.overrides]
daily_loss = 0.04
safety_buffer = 0.006

[feedback]
enabled = true
window = 40
tighten_below = 0.0
relax_above = 0.3
confidence_step = 0.05
confidence_max = 0.8
cap_step = 0.25
cap_min = 0.5
"""


def test_a_file_with_every_strategy_section_loads(tmp_path):
    cfg = tmp_path / "mikrobot.toml"
    cfg.write_text(FULL_TOML)
    s = load_settings(cfg)
    assert s.evaluation.confidence.minimum == 0.65
    assert s.evaluation.news.scope == "all"
    assert s.evaluation.cooldown.minutes == 90
    assert s.evaluation.sizing.multiplier_at_max == 1.25
    assert s.feedback.window == 40
    assert (s.risk.risk_per_trade, s.risk.commission_per_lot) == (0.004, 7.0)
    rules = s.propfirm.params()
    assert (rules.phase, rules.daily_loss, rules.safety_buffer) == ("funded", 0.04, 0.006)
    assert rules.max_loss == 0.10  # from the preset
    assert s.propfirm.initial_balance == 50_000
    windows = {w.name: w for w in s.session_windows()}
    # london keeps its zone and end from the defaults; frankfurt is new; the others stay
    assert (windows["london"].zone, windows["london"].start_minute) == ("Europe/London", 7 * 60)
    assert windows["london"].end_minute == 17 * 60
    assert windows["frankfurt"].end_minute == 16 * 60 + 30
    assert {"sydney", "tokyo", "new_york"} <= set(windows)


def test_strategy_defaults_are_the_spec_values(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = load_settings()
    e = s.evaluation
    assert e.confidence.minimum == 0.6
    assert e.spread.max_fraction_of_stop == 0.2
    assert (e.volatility.min_percentile, e.volatility.max_percentile) == (10, 95)
    assert (e.positions.max_per_symbol, e.positions.max_total) == (1, 3)
    assert (e.cooldown.losses, e.cooldown.minutes) == (3, 60)
    assert (e.news.before_minutes, e.news.after_minutes) == (2, 2)
    assert (s.feedback.window, s.feedback.confidence_max, s.feedback.cap_min) == (30, 0.8, 0.5)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[evaluation]\nconfidense = 1\n", "unknown key 'evaluation.confidense'"),
        ("[evaluation.cooldown]\nlosess = 3\n", "unknown key 'evaluation.cooldown.losess'"),
        ("[feedback]\nwindw = 30\n", "unknown key 'feedback.windw'"),
        ("[sessions.london]\nopen = '08:00'\n", "unknown key 'sessions.london.open'"),
        ("[evaluation.confidence]\nminimum = 1.2\n", "evaluation.confidence.minimum"),
        (
            "[evaluation.spread]\nmax_fraction_of_stop = 0\n",
            "evaluation.spread.max_fraction_of_stop",
        ),
        ("[evaluation.positions]\nmax_total = 0\n", "evaluation.positions.max_total"),
        ("[evaluation.cooldown]\nminutes = -5\n", "evaluation.cooldown.minutes"),
        ("[evaluation.news]\nmin_impact = 'severe'\n", "evaluation.news.min_impact"),
        ("[evaluation.volatility]\nmin_percentile = 96\n", "min_percentile 96.0 is above"),
        ("[evaluation.sizing]\nmultiplier_at_min = 2.0\n", "multiplier_at_min 2.0 is above"),
        ("[feedback]\nwindow = 0\n", "feedback.window"),
        ("[feedback]\nrelax_above = -0.5\n", "relax_above -0.5 is below"),
        ("[feedback]\nconfidence_max = 0.5\n", "feedback.confidence_max 0.5 is below"),
        ("[feedback]\ncap_min = 2.0\n", "feedback.cap_min 2.0 is above"),
        ("[evaluation.sessions]\nallowed = ['lunch']\n", "allowed names lunch"),
        ("[sessions.london]\nstart = '25:00'\n", "sessions.london.start"),
        ("[sessions.london]\nend = '5pm'\n", "sessions.london.end"),
        ("[sessions.mars]\nzone = 'Mars/Olympus'\n", "sessions.mars.zone"),
        ("[sessions.frankfurt]\nstart = '08:00'\n", "sessions.frankfurt.zone"),
        ("[risk]\nrisk_pertrade = 0.01\n", "unknown key 'risk.risk_pertrade'"),
        ("[risk]\nrisk_per_trade = 0.5\n", "risk.risk_per_trade"),
        ("[risk]\nrisk_per_trade = 0.02\n", "risk_per_trade 0.02 exceeds max_risk_per_trade"),
        ("[propfirm]\npreset = 'ftmo-3step'\n", "unknown prop-firm preset 'ftmo-3step'"),
        ("[propfirm]\ninitial_balance = 0\n", "propfirm.initial_balance"),
        ("[propfirm]\nbalance = 1\n", "unknown key 'propfirm.balance'"),
        ("[propfirm.overrides]\ndaily_los = 0.04\n", "unknown override(s) daily_los"),
        ("[propfirm.overrides]\ndaily_loss = 1.5\n", "daily_loss"),
    ],
)
def test_bad_strategy_config_names_the_key(tmp_path, text, needle):
    cfg = tmp_path / "mikrobot.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_settings(cfg)
    assert needle in str(info.value)


def test_hash_changes_with_a_strategy_parameter_and_env_reaches_it(monkeypatch):
    base = load_settings()
    assert base.config_hash() == load_settings().config_hash()
    changed = [
        load_settings(evaluation={"confidence": {"minimum": 0.61}}),
        load_settings(evaluation={"news": {"enabled": False}}),
        load_settings(feedback={"cap_step": 0.2}),
        load_settings(sessions={"london": {"start": "07:00"}}),
        load_settings(risk={"risk_per_trade": 0.004}),
        load_settings(propfirm={"overrides": {"daily_loss": 0.04}}),
    ]
    hashes = {base.config_hash(), *(s.config_hash() for s in changed)}
    assert len(hashes) == 1 + len(changed)
    monkeypatch.setenv("MIKROBOT_EVALUATION__CONFIDENCE__MINIMUM", "0.7")
    assert load_settings().evaluation.confidence.minimum == 0.7


def test_structure_section_sets_the_detector_parameters(tmp_path):
    cfg = tmp_path / "mikrobot.toml"
    cfg.write_text('[structure]\nleft = 4\nbreak_on = "wick"\n\n[structure.weights]\nspeed = 0.0\n')
    settings = load_settings(cfg)
    assert settings.structure.left == 4
    assert settings.structure.break_on == "wick"
    assert settings.structure.right == 3  # SPEC default kept
    assert settings.config_hash() != load_settings().config_hash()


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[structure]\nleft = 0\n", "structure.left"),
        ("[structure]\nretest_tolerance_pips = -1\n", "structure.retest_tolerance_pips"),
        ("[structure]\nlefty = 3\n", "unknown key 'structure.lefty'"),
    ],
)
def test_bad_structure_values_name_the_field(tmp_path, text, needle):
    cfg = tmp_path / "mikrobot.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError, match=needle.replace(".", r"\.")):
        load_settings(cfg)
