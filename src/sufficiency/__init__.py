"""sufficiency: see, forecast and plan the homes of children looked after, from SSDA903 returns.

The public library is `sufficiency.api` (validate, load, indicators, report, forecast, backtest,
compare, synth and demo, each with its validated options); besides it, `read_returns`,
`validate_path`, `load` and `Store`. Errors derive from `SufficiencyError` (`OptionError` for a
bad option). Heavy modules are imported on first use, so the CLI starts fast.
"""

from .errors import InputError, OptionError, SchemaError, StoreError, SufficiencyError

__version__ = "0.1.0"

__all__ = [
    "InputError",
    "OptionError",
    "SchemaError",
    "Store",
    "StoreError",
    "SufficiencyError",
    "load",
    "read_returns",
    "validate_path",
]

_LAZY = {
    "load": ("pipeline", "load"),
    "validate_path": ("pipeline", "validate_path"),
    "read_returns": ("ssda903.reader", "read_returns"),
    "Store": ("store", "Store"),
}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        module, attr = _LAZY[name]
        return getattr(import_module(f".{module}", __name__), attr)
    raise AttributeError(f"module 'sufficiency' has no attribute {name!r}")
