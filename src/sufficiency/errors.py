"""The package's exceptions. Validation problems are reported, not raised; these are for
input that cannot be read at all, and for schema, parameter or store files that are wrong."""


class SufficiencyError(Exception):
    """Base class: every error `sufficiency` raises on purpose is one of these."""


class InputError(SufficiencyError):
    """A user's file or folder cannot be read. The message is a sentence a person can act on."""


class SchemaError(SufficiencyError):
    """A schema or parameter file is wrong. The message names the file and the key."""


class StoreError(SufficiencyError):
    """The DuckDB store is missing, not a sufficiency store, or lacks a table."""


class OptionError(SufficiencyError):
    """An option is malformed or out of range. `option` is its name as the library spells it
    (runs, as_of); the message is a sentence naming it and the value given."""

    def __init__(self, option: str, problem: str):
        self.option, self.problem = option, problem
        super().__init__(f"{option} {problem}")


class Interrupted(KeyboardInterrupt):
    """Ctrl-C after a step of a longer job had already changed something: the message says what
    was done and what was not (a plain KeyboardInterrupt means nothing was changed)."""
