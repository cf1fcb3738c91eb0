"""taosha.errors: each error is raised where its docstring says, with the exit code the CLI gives it."""

from __future__ import annotations

import re
import sys

import pytest

from taosha.errors import ConfigError, MissingExtraError


def test_a_missing_optional_dependency_raises_missing_extra_error_with_the_install_command(monkeypatch):
    from taosha.runners.ray import INSTALL, _ray

    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    with pytest.raises(MissingExtraError, match=re.escape(f"not installed: {INSTALL}")) as info:
        _ray()
    assert isinstance(info.value, ConfigError) and info.value.exit_code == 2  # as before it had its own class
