"""The step registry imports a built-in step's module when the step is first asked for (taosha.builtin_steps)."""

from __future__ import annotations

import subprocess
import sys

from taosha import builtin_steps
from taosha.step import REGISTRY

STEP_PACKAGES = ("taosha.clean", "taosha.filter", "taosha.repair", "taosha.pii", "taosha.extract", "taosha.dedup")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", f"import sys\n{code}\nprint('\\n'.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    return {m for m in out.split() if m.startswith(STEP_PACKAGES)}


def test_a_pipeline_imports_only_the_modules_of_its_steps():
    assert _modules_after("import taosha") == set()
    loaded = _modules_after("import taosha\ntaosha.PipelineConfig(steps=[taosha.StepSpec('dedup.near')]).build()")
    assert "taosha.dedup.near" in loaded
    assert not {m for m in loaded if not m.startswith("taosha.dedup")}, loaded
    # listing the registry, or asking for an unknown name, imports every step module
    everything = _modules_after("import taosha\nsorted(taosha.REGISTRY)")
    assert set(builtin_steps.MODULES) <= everything
    assert set(builtin_steps.MODULES) <= _modules_after("import taosha\n'no.such_step' in taosha.REGISTRY")


def test_the_table_of_built_in_steps_is_exact():
    built_in = {name: cls.__module__ for name, cls in REGISTRY.items() if cls.__module__.startswith("taosha.")}
    assert set(builtin_steps.STEPS) == set(built_in)
    for name, module in builtin_steps.STEPS.items():
        assert built_in[name] == module or built_in[name].startswith(module + "."), name
        assert module in builtin_steps.MODULES
