"""The damage simulator: realistic web damage on clean text, with ground truth (see `damage`)."""

from taosha.synth.damage import (
    Damaged,
    boilerplate,
    compilation,
    garble,
    mojibake,
    near_copy,
    spin,
    template_blanks,
    truncate,
)

__all__ = ["Damaged", "boilerplate", "compilation", "garble", "mojibake", "near_copy", "spin",
           "template_blanks", "truncate"]
