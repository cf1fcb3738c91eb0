"""Where the built-in steps live, so that the registry (`taosha.step.REGISTRY`) imports a step's module only when
the step is first asked for: a command pays for the steps it runs, not for all of them (importing every step
module was half of `import taosha`).

Not to be confused with `taosha.step`, the step contract itself. A new built-in step: its module in `MODULES`
and its name in `STEPS` (a test checks both; a name missing from `STEPS` still works, by importing them all).
"""

from taosha.step import REGISTRY

MODULES = (
    "taosha.clean.boilerplate",
    "taosha.clean.compilation",
    "taosha.clean.frequent",
    "taosha.clean.placeholders",
    "taosha.clean.structure",
    "taosha.dedup.exact",
    "taosha.dedup.near",
    "taosha.dedup.paragraphs",
    "taosha.extract.html",
    "taosha.filter.basic",
    "taosha.filter.quality",
    "taosha.pii.mask",
    "taosha.repair.mojibake",
    "taosha.repair.pinyin",
    "taosha.repair.script",
    "taosha.repair.unicode",
)

STEPS = {
    "clean.boilerplate": "taosha.clean.boilerplate",
    "clean.compilation": "taosha.clean.compilation",
    "clean.frequent_lines": "taosha.clean.frequent",
    "clean.placeholders": "taosha.clean.placeholders",
    "clean.repeated_paragraphs": "taosha.clean.structure",
    "clean.truncation": "taosha.clean.structure",
    "dedup.exact": "taosha.dedup.exact",
    "dedup.near": "taosha.dedup.near",
    "dedup.paragraphs": "taosha.dedup.paragraphs",
    "extract.html": "taosha.extract.html",
    "filter.empty": "taosha.filter.basic",
    "filter.length": "taosha.filter.basic",
    "filter.quality": "taosha.filter.quality",
    "pii.mask": "taosha.pii.mask",
    "repair.mojibake": "taosha.repair.mojibake",
    "repair.nfc": "taosha.repair.unicode",
    "repair.pinyin": "taosha.repair.pinyin",
    "repair.script": "taosha.repair.script",
    "repair.whitespace": "taosha.repair.unicode",
}

REGISTRY.lazy, REGISTRY.modules = STEPS, MODULES  # type: ignore[attr-defined]
