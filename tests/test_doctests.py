"""Every docstring example in the package runs and is right."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import taosha

MODULES = sorted(m.name for m in pkgutil.walk_packages(taosha.__path__, "taosha."))


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_every_step_is_documented_with_an_example():
    from taosha.step import REGISTRY

    for name, cls in REGISTRY.items():
        if cls.__module__.startswith("taosha."):
            assert cls.summary(), name
            assert ">>>" in (cls.__doc__ or ""), f"{name} has no example in its docstring"
