"""Synthetic councils: realistic SSDA903 returns for a real English council, no real child."""

from .council import SynthResult, synthesise
from .hazards import true_rates
from .params import load_params

__all__ = ["SynthResult", "load_params", "synthesise", "true_rates"]
