"""The documentation stays true to the code: the generated steps reference, links, the README's size."""

from __future__ import annotations

import re
from pathlib import Path

from taosha.report.render import steps_markdown

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_the_steps_reference_is_generated_from_the_registry():
    assert (ROOT / "docs" / "steps.md").read_text(encoding="utf-8") == steps_markdown(), (
        "docs/steps.md is stale: regenerate it with `taosha steps --markdown > docs/steps.md`")


def test_every_step_has_its_section_and_parameters_in_the_reference():
    from taosha.step import REGISTRY, fields_of

    text = steps_markdown()
    for name, cls in REGISTRY.items():
        if cls.__module__.startswith("taosha."):
            section = text.split(f"## `{name}`\n", 1)[1].split("\n## ", 1)[0]
            assert all(f"| `{f.name}` |" in section for f in fields_of(cls)), name


def test_relative_links_point_to_files_that_exist():
    broken = []
    for page in PAGES:
        text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if "://" not in target and not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert not broken, broken


def test_the_readme_stays_a_readme():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= 220, f"README.md has {lines} lines: put the details in a docs/ page and link it"
