"""Steps, the name registry, and how a list of steps runs over one document.

A step is a frozen dataclass whose fields are its configuration. `process(doc)` returns the document
(changed through `Document`'s edit API, annotated with `tag`, or dropped with `drop`) or a list of
documents (a split). Steps hold no state between documents, do no I/O and know nothing of the runner;
tables and models load in `setup()`, once per worker process.

A step that needs the whole corpus before it can decide (count, then act) subclasses `CorpusStep`: the
runner first streams every document through `observe`, merges the per-shard states with `merge`, and
hands the result to `prepare`, which returns the step that runs in the main pass.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Iterator, Sequence
from operator import attrgetter
from pathlib import Path
from time import process_time
from typing import Any, ClassVar, TypeVar

from taosha.document import Document
from taosha.errors import ConfigError


class _Registry(dict[str, "type[Step]"]):
    """Step name -> class. A built-in step's module is imported when the step is first asked for (by name; all
    of them when the registry is listed or a name is unknown): `taosha.builtin_steps` says where they live."""

    lazy: dict[str, str] = {}  # noqa: RUF012  (name -> module; set once, by taosha.builtin_steps)
    modules: tuple[str, ...] = ()

    def _load(self, name: str | None = None) -> None:
        from importlib import import_module

        for module in [self.lazy[name]] if name in self.lazy else self.modules:
            import_module(module)

    def __missing__(self, name: str) -> type[Step]:
        self._load(name)
        if not dict.__contains__(self, name):
            raise KeyError(name)
        return dict.__getitem__(self, name)

    def __contains__(self, name: object) -> bool:
        return self.get(name) is not None  # type: ignore[arg-type]

    def get(self, name: str, default: Any = None) -> Any:
        try:
            return self[name]
        except KeyError:
            return default

    def __iter__(self) -> Iterator[str]:
        self._load()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._load()
        return dict.__len__(self)

    def keys(self) -> Any:
        self._load()
        return dict.keys(self)

    def values(self) -> Any:
        self._load()
        return dict.values(self)

    def items(self) -> Any:
        self._load()
        return dict.items(self)


REGISTRY: dict[str, type[Step]] = _Registry()
_StepClass = TypeVar("_StepClass", bound="type[Step]")


def register(name: str) -> Callable[[_StepClass], _StepClass]:
    """Class decorator: make a step available under `name` (config `use`, edit `step`, report row)."""

    def deco(cls: _StepClass) -> _StepClass:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"step {name!r} must be a dataclass (its fields are its configuration)")
        old = dict.get(REGISTRY, name)  # as registered so far: no module is imported from inside another's import
        if old is not None and (old.__module__, old.__qualname__) != (cls.__module__, cls.__qualname__):
            raise ValueError(f"step name {name!r} is taken by {old.__module__}.{old.__qualname__}")
        cls.name = name
        REGISTRY[name] = cls
        return cls

    return deco


def fields_of(cls: type[Step]) -> tuple[dataclasses.Field[Any], ...]:
    """A step's configuration: its dataclass fields (`register` refuses a class that is not a dataclass)."""
    return dataclasses.fields(cls)  # type: ignore[arg-type]


class Step:
    """Base of all steps. Subclasses are `@register`ed frozen dataclasses."""

    name: ClassVar[str] = "step"
    # True when running the step again costs less than saving and reloading its output: the runner then
    # does not stage documents before a two-pass step that only such steps precede (see runners/core.py)
    cheap: ClassVar[bool] = False
    # the input kinds (io/readers.py `Unit.kind`) whose documents the step changes, where it passes those of every
    # other kind untouched (None: any kind). On an input of none of them it is cheap as above
    input_kinds: ClassVar[frozenset[str] | None] = None

    def setup(self) -> None:
        """Load tables or models; called once per worker before the first document."""

    def process(self, doc: Document) -> Document | list[Document]:
        """One document. A step that implements only `process_batch` gets this as a batch of one."""
        if type(self).process_batch is Step.process_batch:
            raise NotImplementedError
        (out,) = self.process_batch([doc])
        if isinstance(out, BaseException):
            raise out
        return out

    def process_batch(self, docs: list[Document]) -> list[Document | list[Document]]:
        """`process` over several documents at once, results in order: a step whose cost is a fixed number
        of numpy calls per document overrides it to pay them once per batch. The result must be exactly
        that of `process` on each document. A document that fails may have its exception in its place (the
        runner treats it as `process` raising); when the call itself raises, it must not have changed any
        document (the runner then goes document by document, to drop only the one that fails)."""
        return [self.process(d) for d in docs]

    @classmethod
    def summary(cls) -> str:
        """The first line of the docstring: what `taosha steps` prints."""
        return (inspect.getdoc(cls) or "").strip().split("\n", 1)[0]

    def params(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields_of(type(self))}


def in_place(fn: Callable[..., Document | list[Document]], *args: Any) -> Any:
    """`fn(*args)` for one document of a batch, or the exception it raised, to be handed to the runner in the
    document's place (see `Step.process_batch`): one document's failure does not cost the batch."""
    try:
        return fn(*args)
    except Exception as exc:
        return exc


class CorpusStep(Step):
    """A step that decides with statistics of the whole corpus (two passes).

    Pass 1 calls `observe(doc, state)` for every document that reaches this step, per shard, starting
    from `new_state()`; the runner merges shard states with `merge` (so `merge` must be commutative and
    associative, as sums are: the result cannot depend on which worker finished first). `merge(a, b)` may
    get any two of `finish_unit`'s results or earlier merges (a local worker folds its own shards' results
    before handing them back), so neither argument is necessarily a `new_state()` accumulator; the runner uses
    neither argument again, so `merge` may change or take over both (return the result). The runner
    then calls `prepare(state)` once, which returns the step (usually a copy of `self` holding the
    statistics) whose `process` runs in pass 2. The prepared step is pickled to disk, for resuming.
    """

    def new_state(self) -> Any:
        raise NotImplementedError

    def observe(self, doc: Document, state: Any) -> Any:
        raise NotImplementedError

    def observe_batch(self, docs: list[Document], state: Any) -> Any:
        """`observe` over several documents (in order): overridden where one numpy call can count a batch."""
        for doc in docs:
            state = self.observe(doc, state)
        return state

    def finish_unit(self, state: Any, workdir: Path, shard: int) -> Any:
        """End of pass 1 on one shard of the input, in the worker: what goes back to the driver for `merge`.

        By default the state itself. A step whose statistics grow with the corpus writes them under
        `workdir` (private to this step and run; `shard` numbers the shards in input order) and
        returns a small handle instead, so the driver never holds the whole corpus's state.
        """
        return state

    def merge(self, a: Any, b: Any) -> Any:
        raise NotImplementedError

    def tasks(self, state: Any) -> list[Any]:
        """Work between the passes that the runner spreads over its workers (default: none).

        Each task is a small picklable object whose `run()` does its work (a frozen dataclass of what it needs:
        see `dedup.near`'s tasks); `run_task(task)` runs it where the runner puts it, and
        `gather(state, results)` (results in task order) returns the next state. The runner repeats
        rounds until `tasks` returns no task (a shuffle, then work on its output...), then calls `prepare`.
        """
        return []

    def run_task(self, task: Any) -> Any:
        return task.run()

    def gather(self, state: Any, results: list[Any]) -> Any:
        return state

    def prepare(self, state: Any) -> Step:
        raise NotImplementedError

    def process(self, doc: Document) -> Document | list[Document]:
        raise RuntimeError(f"{self.name}: process() runs only on the step returned by prepare()")


def run_steps(
    steps: Sequence[Step],
    doc: Document,
    start: int = 0,
    *,
    catch: bool = False,
    on_split: Callable[[str, int], None] | None = None,
) -> Iterator[Document]:
    """Run `doc` through `steps[start:]`, yielding every resulting document, kept or dropped.

    Dropped documents stop where they were dropped; split parts continue with the next step. With
    `catch`, a step that raises drops the document with reason `step_error` (the exception in the
    detail) instead of ending the run; the edits it made before raising stay in the log.
    `on_split(step_name, parts)` is told of every split, for the accounting.
    """
    for k in range(start, len(steps)):
        if doc.dropped is not None:
            break
        try:
            out = steps[k].process(doc)
        except Exception as exc:
            if not catch:
                raise
            doc.drop(steps[k].name, "step_error", f"{type(exc).__name__}: {exc}"[:2000])
            break
        if isinstance(out, list):
            if on_split is not None:
                on_split(steps[k].name, len(out))
            for part in out:
                yield from run_steps(steps, part, k + 1, catch=catch, on_split=on_split)
            return
        doc = out
    yield doc


def run_batch(
    steps: Sequence[Step],
    docs: list[Document],
    start: int = 0,
    *,
    catch: bool = False,
    on_split: Callable[[str, int], None] | None = None,
    times: list[float] | None = None,
) -> list[Document]:
    """`run_steps` over a batch of documents, step by step: the same documents in the same order (a split's
    parts where their parent stood), so output cannot depend on how the input was batched.

    `times[k]`, where given, is added the process CPU time step `k` took (one clock read per step and batch:
    the bookkeeping between two steps counts to the next)."""
    docs = list(docs)
    if times is not None:
        clock = process_time()
    live = [i for i, d in enumerate(docs) if d.dropped is None]
    for k in range(start, len(steps)):
        step = steps[k]
        if not live:
            break
        batched = type(step).process_batch is not Step.process_batch
        results: list[Document | list[Document]] | None = None
        whole = len(live) == len(docs)  # nothing dropped yet: the batch as it is, no index lists
        if batched:
            try:
                results = step.process_batch(list(docs) if whole else [docs[i] for i in live])
            except Exception:
                if not catch:
                    raise
        if results is None:  # one by one: the default, and the way to find the document that fails
            results = []
            for i in live:
                doc = docs[i]
                try:
                    results.append(step.process(doc))
                except Exception as exc:
                    if not catch:
                        raise
                    results.append(doc.drop(step.name, "step_error", f"{type(exc).__name__}: {exc}"[:2000]))
        plain = bool(results) and set(map(type, results)) == _PLAIN  # no error, no split: decided in C
        if not plain:
            for j, (i, r) in enumerate(zip(live, results, strict=True)):
                if isinstance(r, BaseException):  # process_batch's way of saying that process raised
                    if not catch:
                        raise r
                    results[j] = docs[i].drop(step.name, "step_error", f"{type(r).__name__}: {r}"[:2000])
        if times is not None:
            now = process_time()
            times[k] += now - clock
            clock = now
        if plain or not any(isinstance(r, list) for r in results):
            if len(results) != len(live):
                raise ValueError(f"{step.name}: {len(results)} results for {len(live)} documents")
            if whole:
                docs = list(results)  # type: ignore[arg-type]
            else:
                for i, r in zip(live, results, strict=True):
                    docs[i] = r  # type: ignore[assignment]
            dropped = list(map(_DROPPED, results))
            if dropped.count(None) != len(dropped):  # some were dropped by this step: fewer go on
                live = [i for i, d in zip(live, dropped, strict=True) if d is None]
            continue
        at = dict(zip(live, results, strict=True))
        out: list[Document] = []
        for i, d in enumerate(docs):
            r = at.get(i, d)
            if isinstance(r, list):
                if on_split is not None:
                    on_split(step.name, len(r))
                out.extend(r)
            else:
                out.append(r)
        docs = out
        live = [i for i, d in enumerate(docs) if d.dropped is None]
    return docs


_DROPPED = attrgetter("dropped")
_PLAIN = {Document}


def run_one(step: Step, text: str, id: str = "doc") -> Document:
    """Run one step on a text and return the (single) resulting document: for docs and tests.

    >>> from taosha.filter.basic import Empty
    >>> run_one(Empty(), "  \\n ").dropped.reason
    'empty'
    """
    step.setup()
    out = step.process(Document(id, text))
    if isinstance(out, list):
        raise ValueError(f"{step.name} split the document into {len(out)} parts; use run_steps")
    return out


def build_step(use: str, params: dict[str, Any]) -> Step:
    """Instantiate a registered step, checking every parameter's name and type."""
    cls = REGISTRY.get(use)
    if cls is None:
        raise ConfigError(f"unknown step {use!r}; known steps: {', '.join(sorted(REGISTRY))}")
    fields = {f.name: f for f in fields_of(cls)}
    unknown = sorted(set(params) - set(fields))
    if unknown:
        raise ConfigError(
            f"step {use!r} has no parameter {', '.join(map(repr, unknown))}; "
            f"its parameters: {', '.join(fields) or '(none)'}"
        )
    hints = _field_types(cls)
    clean: dict[str, Any] = {}
    for key, value in params.items():
        clean[key] = _coerce(use, key, value, hints.get(key))
    try:
        return cls(**clean)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"step {use!r}: {exc}") from None


def _field_types(cls: type) -> dict[str, Any]:
    import typing

    try:
        return typing.get_type_hints(cls)
    except Exception:  # unresolvable annotations: skip type checks rather than refuse the step
        return {}


def _coerce(use: str, key: str, value: Any, hint: Any) -> Any:
    """Accept TOML values for simple field types; typos and wrong types fail with the field named."""
    if hint is None:
        return value
    origin = getattr(hint, "__origin__", None)
    want: tuple[type, ...]
    if hint is bool:
        want = (bool,)
    elif hint is int:
        want = (int,)
    elif hint is float:
        if isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        want = (float,)
    elif hint is str:
        want = (str,)
    elif origin in (tuple, list):
        if isinstance(value, list | tuple):
            return tuple(value) if origin is tuple else list(value)
        want = (list,)
    else:
        return value
    if isinstance(value, bool) and bool not in want:
        ok = False
    else:
        ok = isinstance(value, want)
    if not ok:
        raise ConfigError(
            f"step {use!r}: parameter {key!r} must be {want[0].__name__}, got {type(value).__name__} {value!r}"
        )
    return value
