"""Errors, grouped by what the caller does next.

- `ConfigError`, `InputError`, `OutputError`: the run cannot start; the CLI prints the message and exits 2.
- `EditLogError`: an edit log does not replay onto its text; the record is corrupt or was changed by hand.
- `RedactedError`: an edit log withholds masked personal data by design; the original cannot be rebuilt.
- `AccountingError`: the counts of a finished run do not add up; a bug, never ignored (exit 3).
Input that cannot be parsed is not an error at all: it is quarantined with its raw bytes (see `taosha.io`).
"""

from __future__ import annotations


class TaoshaError(Exception):
    """Base of every error taosha raises on purpose; its message is one helpful paragraph."""

    exit_code = 2


class ConfigError(TaoshaError):
    """A pipeline file, a `--set` or a step's parameters are invalid."""


class InputError(TaoshaError):
    """An input path is missing, unreadable or of an unknown kind."""


class OutputError(TaoshaError):
    """The output folder cannot be written, or holds a different run."""


class EditLogError(TaoshaError):
    """An edit log does not replay onto the text it claims to describe."""


class RedactedError(TaoshaError):
    """A record's edit log withholds text by design (masked personal data): its original cannot be rebuilt."""


class AccountingError(TaoshaError):
    """Documents in != kept + dropped + quarantined (with splits counted): output is not trustworthy."""

    exit_code = 3


class MissingExtraError(ConfigError):
    """An optional dependency is needed for this feature; the message gives the install command."""
