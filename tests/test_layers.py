"""The import layers (`.importlinter`, drawn in docs/architecture.md): a module imports only from the layers below
its own, and the step packages never from each other."""

from __future__ import annotations

from pathlib import Path

import grimp
import pytest
from importlinter.api import read_configuration
from importlinter.contracts.layers import LayersContract

CONFIG = Path(__file__).resolve().parent.parent / ".importlinter"


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("taosha", include_external_packages=False, cache_dir=None)


def _check(graph: grimp.ImportGraph):
    conf = read_configuration(str(CONFIG))
    (options,) = [c for c in conf["contracts_options"] if c["type"] == "layers"]
    return LayersContract(options["name"], conf["session_options"], options).check(graph, verbose=False)


def _broken(check) -> list[str]:
    return [f"{d['importer']} -> {d['imported']}" for d in check.metadata.get("invalid_dependencies", [])] or [
        str(check.warnings)]


def test_every_module_imports_only_the_layers_below_it(graph):
    check = _check(graph)
    assert check.kept, _broken(check)


@pytest.mark.parametrize("importer, imported", [
    ("taosha.zh.script", "taosha.repair.script"),  # Chinese-text knowledge reaching up into a step
    ("taosha.dedup.paragraphs", "taosha.clean.boilerplate"),  # one step package using another's helpers
    ("taosha.step", "taosha.io.readers"),  # the step contract depending on I/O types
    ("taosha.io.readers", "taosha.config"),  # readers depending on the configuration above them
])
def test_a_back_reference_breaks_the_layers(graph, importer, imported):
    graph.add_import(importer=importer, imported=imported)
    try:
        assert not _check(graph).kept
    finally:
        graph.remove_import(importer=importer, imported=imported)
