"""BacktestParams.from_settings: what every command and the pipeline backtest with."""

from __future__ import annotations

from mikrobot.backtest.params import BacktestParams
from mikrobot.config import load_settings


def test_the_settings_balance_rules_and_sizing_reach_the_backtest(tmp_path):
    toml = tmp_path / "mikrobot.toml"
    toml.write_text(
        "[propfirm]\n"
        'preset = "ftmo-1step"\n'
        "initial_balance = 50000\n"
        "[risk]\n"
        "risk_per_trade = 0.005\n"
    )
    settings = load_settings(toml)
    params = BacktestParams.from_settings(settings)
    assert params.initial_balance == 50_000.0
    assert params.prop_firm == settings.propfirm.params()
    assert params.prop_firm.max_loss_mode == "trailing_eod"  # 1-Step; the 2-Step default is static
    assert params.sizing.risk_per_trade == 0.005
    assert params.policy == "pessimistic"  # the rest stays at the defaults
