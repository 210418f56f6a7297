"""Synthetic councils: realistic SSDA903 returns for a real English council, no real child."""

from .council import SynthResult, load_params, synthesise

__all__ = ["SynthResult", "load_params", "synthesise"]
