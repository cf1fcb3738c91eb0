"""Start-up: tables load lazily and from the table cache (taosha.cache), with the same results as built."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import numpy as np
import orjson

from taosha.cache import cached_arrays, cached_table, load_arrays

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def test_cached_arrays_are_built_once_then_memory_mapped(tmp_path, monkeypatch):
    monkeypatch.setenv("TAOSHA_CACHE_DIR", str(tmp_path))
    calls = []

    def build():
        calls.append(1)
        return {"a": np.arange(5, dtype=np.int32), "s": np.array(["甲", "乙"])}

    first = cached_arrays("t", "k1", build)
    second = cached_arrays("t", "k1", build)
    assert len(calls) == 1
    assert isinstance(second["a"], np.memmap) and not second["a"].flags.writeable
    assert first["a"].tolist() == second["a"].tolist() and second["s"].tolist() == ["甲", "乙"]
    cached_arrays("t", "k2", build)  # another key: built again
    assert len(calls) == 2


def test_cached_arrays_rebuild_a_damaged_cache_and_survive_a_read_only_one(tmp_path, monkeypatch):
    monkeypatch.setenv("TAOSHA_CACHE_DIR", str(tmp_path))
    build = lambda: {"a": np.arange(3)}  # noqa: E731
    cached_arrays("t", "k", build)
    (tmp_path / "t-k" / "a.npy").write_bytes(b"not an array")
    assert cached_arrays("t", "k", build)["a"].tolist() == [0, 1, 2]
    assert load_arrays("t", "k") is not None  # the damaged folder was replaced, not built again by every process
    (tmp_path / "t-k" / "a.npy").write_bytes(b"")  # an empty file (a crash before the data reached the disk)
    assert load_arrays("t", "k") is None and cached_arrays("t", "k", build)["a"].tolist() == [0, 1, 2]
    assert load_arrays("t", "k") is not None and sorted(p.name for p in tmp_path.iterdir()) == ["t-k"]
    blocked = tmp_path / "file"
    blocked.write_text("x")
    monkeypatch.setenv("TAOSHA_CACHE_DIR", str(blocked / "sub"))  # cannot be created
    assert cached_arrays("t", "k", build)["a"].tolist() == [0, 1, 2]


def test_a_cached_table_is_a_plain_array_on_the_mapped_pages(tmp_path, monkeypatch):
    """`cached_table`: one array, built once, then read back as a plain ndarray over the memory-mapped file; a folder
    of another layout (the array under another name) is built again and replaced."""
    monkeypatch.setenv("TAOSHA_CACHE_DIR", str(tmp_path))
    calls = []

    def build():
        calls.append(1)
        return np.arange(4, dtype=np.uint32)

    cached_arrays("t", "old", lambda: {"lut": np.zeros(2)})  # an earlier layout under the same name and key
    assert cached_table("t", "old", build).tolist() == [0, 1, 2, 3] and len(calls) == 1
    again = cached_table("t", "old", build)
    assert len(calls) == 1 and type(again) is np.ndarray and isinstance(again.base, np.memmap)
    assert again.tolist() == [0, 1, 2, 3] and not again.flags.writeable


def test_data_files_are_read_from_a_zipped_package_too(tmp_path):
    """`_data.read_text` opens the file beside the package, and falls back on importlib.resources where the package
    is imported from a zip (opening the path then fails as "not a directory")."""
    import zipfile

    import taosha._data

    src = Path(taosha._data.__file__).parent
    archive = tmp_path / "pkg.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("taosha/__init__.py", "")
        z.write(src / "_data.py", "taosha/_data.py")
        z.write(src / "data" / "script_chars.txt", "taosha/data/script_chars.txt")
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import taosha._data as d; "
            "assert '.zip' in d.__file__; print(len(d.read_text('script_chars.txt')))")
    out = subprocess.run([sys.executable, "-c", code, str(archive)], capture_output=True, text=True, check=True)
    assert int(out.stdout) == len(taosha._data.read_text("script_chars.txt")) > 1000


def _language_texts() -> list[str]:
    texts = ["Hello world, this is an English sentence about the weather.", "Bonjour tout le monde, ça va?",
             "", "12345 67890", "Das ist ein guter Tag. " * 30, "日本語のテキストです。東京は晴れ。",
             "Ok 好的 thanks!!! 👍", "Москва — столица России.", "\x00\x01 ?? ??", "한국어 문장입니다."]
    reviews = SHARED / "web_text" / "online_shopping_10_cats.jsonl.gz"
    if reviews.exists():  # real informal text, mostly mixed scripts and short
        rows = (orjson.loads(x) for x in gzip.open(reviews, "rb"))
        texts += [r["text"] for _, r in zip(range(400), rows, strict=False) if isinstance(r.get("text"), str)]
    return texts


def test_language_identifier_agrees_with_langid(tmp_path, monkeypatch):
    monkeypatch.setenv("TAOSHA_CACHE_DIR", str(tmp_path))
    from langid.langid import LanguageIdentifier, model

    from taosha.filter import language

    language.identifier.cache_clear()
    try:
        ours = language.identifier()  # built and saved
        language.identifier.cache_clear()
        cached = language.identifier()  # read back from the cache
        assert isinstance(cached.ptc, np.memmap)
        theirs = LanguageIdentifier.from_modelstring(model, norm_probs=True)
        for text in _language_texts():
            expected = theirs.classify(text)
            assert ours.classify(text) == expected, text
            assert cached.classify(text) == expected, text
    finally:
        language.identifier.cache_clear()


def _run(code: str, cache: Path) -> str:
    env = {"TAOSHA_CACHE_DIR": str(cache), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout


def test_chinese_text_never_loads_langid(tmp_path):
    out = _run(
        "import sys, taosha\n"
        "from taosha.filter.quality import Quality\n"
        "d = taosha.run_one(Quality(), '今天天气很好，我们一起去公园散步吧。' * 5)\n"
        "print(d.signals['language'], 'langid.langid' in sys.modules, 'taosha.filter.language' in sys.modules)\n",
        tmp_path,
    )
    assert out.split() == ["zh", "False", "False"]


def test_the_language_identifier_from_the_cache_imports_no_langid(tmp_path):
    """Once langid's model is in the table cache, loading the identifier runs none of langid's module (its key
    comes from the file, found without importing the package, whose __init__ imports the model)."""
    code = ("import sys\nfrom taosha.filter.language import identifier\n"
            "print(identifier().classify('This is an English sentence.')[0], 'langid.langid' in sys.modules)\n")
    assert _run(code, tmp_path).split() == ["en", "True"]  # built: langid unpacks its model
    assert _run(code, tmp_path).split() == ["en", "False"]


def test_pinyin_readings_are_pypinyins_without_its_phrase_dictionary(tmp_path, monkeypatch):
    from pypinyin.pinyin_dict import pinyin_dict

    from taosha.zh.readings import _pinyin_dict, _pinyin_table, normalize_reading, syllables

    monkeypatch.setenv("TAOSHA_CACHE_DIR", str(tmp_path / "cache"))
    cached = (_pinyin_dict, _pinyin_table, syllables)
    for f in cached:
        f.cache_clear()
    try:
        assert _pinyin_dict() == pinyin_dict  # built
        for f in cached:
            f.cache_clear()
        assert _pinyin_dict() == pinyin_dict  # from the table cache
        # the syllables, read from the joined readings, are those of every reading of every character
        assert syllables() == {normalize_reading(r)[0] for raw in pinyin_dict.values() for r in raw.split(",")}
    finally:
        for f in cached:
            f.cache_clear()
    out = _run(
        "import sys, taosha\n"
        "from taosha.repair.pinyin import Pinyin\n"
        "print(taosha.run_one(Pinyin(), '推動經(jīng)濟發(fā)展，党委(党组)。').text, 'pypinyin' in sys.modules)\n",
        tmp_path,
    )
    assert out.split() == ["推動經濟發展，党委(党组)。", "False"]


def test_mojibake_tables_from_the_cache_are_the_tables_built(tmp_path, monkeypatch):
    """The gate's flags, the byte lengths, the pair readings and the word index, read back memory-mapped from the
    table cache, equal what building them gives (the cache is keyed by the code that builds them)."""
    monkeypatch.setenv("TAOSHA_CACHE_DIR", str(tmp_path))
    from taosha.repair.mojibake import codec, fill, gate
    from taosha.zh.lm import model

    cached = [gate._gate_table, codec._byte_lengths, codec._pair_reading, fill._word_index]
    for f in cached:
        f.cache_clear()
    try:
        built = (gate._gate_table(), codec._byte_lengths("big5"), codec._pair_reading("big5", "gbk"))
        for f in cached:
            f.cache_clear()
        again = (gate._gate_table(), codec._byte_lengths("big5"), codec._pair_reading("big5", "gbk"))
        # (a plain array over the mapped file: mojibake's tables drop numpy's memmap subclass, slow to index)
        assert all(isinstance(a, np.memmap) or isinstance(a.base, np.memmap) for a in again)
        assert all(np.array_equal(a, b) for a, b in zip(built, again, strict=True))
        assert np.array_equal(again[0], gate._build_gate_table())
        after, before = fill._word_index()
        words: dict[str, set[str]] = {}
        ends: dict[str, set[str]] = {}
        for w in model().words:
            words.setdefault(w[0], set()).add(w[1])
            ends.setdefault(w[1], set()).add(w[0])
        none: frozenset[str] = frozenset()
        for c in {*words, *ends, "", "a", "\U00020000"}:
            assert after.get(c, none) == words.get(c, none) and before.get(c, none) == ends.get(c, none), c
        # the model's are_words keeps the keys the word index handed it: the same as building them
        from taosha.zh.lm import word_keys

        built = np.unique(np.array([ord(w[0]) << 21 | ord(w[1]) for w in model().words], dtype=np.int64))
        assert np.array_equal(word_keys(model().words), built)
    finally:
        for f in cached:
            f.cache_clear()


def test_the_first_repairs_tables_from_the_cache_are_the_tables_built(tmp_path, monkeypatch):
    """The characters a codec reads from two codes, the batch signs and the clean-text alarms, read back from the
    table cache (built on a first repair: `taosha fix` on one line), equal what building them gives."""
    monkeypatch.setenv("TAOSHA_CACHE_DIR", str(tmp_path))
    from taosha.repair.mojibake import codec, deleted, step, unread

    cached = [codec.two_codes, unread._signs, step._alarms, deleted._pairs]
    for f in cached:
        f.cache_clear()
    try:
        for codec_name in ("big5", "cp950", "big5hkscs", "gb18030"):
            first = codec.two_codes(codec_name)
            codec.two_codes.cache_clear()
            again = codec.two_codes(codec_name)
            assert again == first == codec._find_two_codes(codec_name), codec_name
            assert list(again) == list(codec._find_two_codes(codec_name))  # the order the variants are tried in
        assert "十" in codec.two_codes("big5") and codec.two_codes("gb18030") == {}
        for table, build in ((unread._signs, unread._build_signs), (step._alarms, step._build_alarms)):
            table()
            table.cache_clear()
            again = table()
            assert isinstance(again.base, np.memmap) and np.array_equal(again, build())
        # the deleted pass's pair readings: every two-byte GB18030 pair that decodes, as decoding it one by one gives
        deleted._pairs()
        deleted._pairs.cache_clear()
        pairs = deleted._pairs()
        expect = {}
        for lead in range(0x81, 0xFF):
            for trail in (*range(0x40, 0x7F), *range(0x80, 0xFF)):
                try:
                    expect[lead << 8 | trail] = bytes((lead, trail)).decode("gb18030")
                except UnicodeDecodeError:
                    pass
        assert pairs == expect and len(pairs) > 23_000 and pairs[0xC4E3] == "你" and pairs[0xAAA1] == "\ue000"
        assert [p.name.split("-")[2] for p in tmp_path.glob("mojibake-gb18030-pairs-*")] == ["pairs"]  # kept there
    finally:
        for f in cached:
            f.cache_clear()


def test_source_key_follows_the_code(tmp_path, monkeypatch):
    from taosha.cache import source_key

    pkg = tmp_path / "tablepkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    first = source_key("tablepkg", extra="a")
    assert source_key("tablepkg", extra="a") == first != source_key("tablepkg", extra="b")
    (pkg / "rules.py").write_text("Y = 2\n")
    assert source_key("tablepkg", extra="a") != first


def test_importing_taosha_loads_no_table_or_model(tmp_path):
    out = _run(
        "import sys, taosha\n"
        "from taosha.repair.mojibake import codec, fill, gate\n"
        "from taosha.zh import lm, readings\n"
        "caches = [gate._gate_table, codec._byte_lengths, codec._pair_reading, fill._word_index, lm.model,\n"
        "          readings._pinyin_dict]\n"
        "print(sum(f.cache_info().currsize for f in caches),\n"
        "      *(m in sys.modules for m in ('langid', 'pypinyin', 'stdnum', 'jieba', 'ftfy')))\n",
        tmp_path,
    )
    assert out.split() == ["0", "False", "False", "False", "False", "False"]


def test_fix_text_imports_neither_the_configuration_nor_the_runners(tmp_path):
    """`import taosha` and `fix_text` leave the configuration, the runners, the readers and the TOML parser
    unimported; `taosha.run`, `taosha.load_config` and the rest are imported on first use, the same objects."""
    out = _run(
        "import sys, taosha\n"
        "taosha.fix_text('浣犲ソ锛屼笘鐣岋紒')\n"
        "mods = ('taosha.config', 'taosha.runners', 'taosha.io.readers', 'taosha.integrations.hf', 'tomllib')\n"
        "print(*(m in sys.modules for m in mods))\n"
        "from taosha import PipelineConfig\n"
        "import taosha.runners, taosha.config, taosha.integrations.hf\n"
        "print(taosha.run is taosha.runners.run, PipelineConfig is taosha.config.PipelineConfig,\n"
        "      taosha.to_datasets is taosha.integrations.hf.to_datasets, 'load_config' in dir(taosha),\n"
        "      all(hasattr(taosha, n) for n in taosha.__all__))\n",
        tmp_path,
    )
    assert out.split() == ["False"] * 5 + ["True"] * 5


def test_a_terminal_escape_imports_no_ftfy(tmp_path):
    """repair.whitespace removes terminal escapes with its own copy of ftfy's pattern: a process that meets one (a
    forked worker of each pass that reads it) imports nothing for it (importing ftfy took 35-50 ms)."""
    out = _run(
        "import sys\n"
        "from taosha.document import Document\n"
        "from taosha.repair.unicode import Whitespace\n"
        "text = '\\x1b[1;31m青山依旧在。\\x1b[0m'\n"
        "docs = Whitespace().process_batch([Document('a', text), Document('b', '干净。')])\n"
        "print(docs[0].text, 'ftfy' in sys.modules)\n",
        tmp_path,
    )
    assert out.split() == ["青山依旧在。", "False"]


def test_script_classes_from_the_cache_are_the_classes_built(tmp_path, monkeypatch):
    """The class per code point (simplified, traditional, Japanese-only, ...) read back memory-mapped from the
    table cache equals what building it gives (OpenCC over every Han character, in every process before)."""
    from taosha.zh import script

    monkeypatch.setenv("TAOSHA_CACHE_DIR", str(tmp_path))
    script.class_table.cache_clear()
    try:
        built = script.class_table()
        script.class_table.cache_clear()
        again = script.class_table()
        assert isinstance(again.base, np.memmap) and not isinstance(again, np.memmap)  # plain, on the mapped pages
        assert np.array_equal(again, built) and np.array_equal(again, script._build_class_table())
        assert again[ord("稲")] == script.JAPANESE and again[ord("国")] == script.SIMP
        # and the fold to simplified, one character for one, likewise
        script.fold_table.cache_clear()
        script.fold_table()
        script.fold_table.cache_clear()
        folded = script.fold_table()
        assert isinstance(folded.base, np.memmap) and np.array_equal(folded, script._build_fold_table())
        assert folded[ord("後")] == ord("后") and folded[ord("陜")] == ord("陕") and folded[ord("a")] == ord("a")
    finally:
        script.class_table.cache_clear()
        script.fold_table.cache_clear()


def test_char_table_is_char_of_every_code_point_for_each_script():
    from taosha.zh.lm import for_script

    for script in ("neutral", "simplified", "traditional", "spun"):
        lm = for_script(script)
        built = lm.char_table()
        assert np.array_equal(built, np.array([lm.char(chr(cp)) for cp in range(0x10000)])), script


def test_mojibake_setup_builds_what_documents_would_build_in_each_worker():
    """A runner sets steps up before it forks: what a document would build on first use is built there once,
    not again in every worker (the per-script character tables, the deleted pass's pairs)."""
    from taosha.repair.mojibake import deleted
    from taosha.repair.mojibake.step import Mojibake
    from taosha.zh import lm

    lm.for_script.cache_clear()
    deleted._pairs.cache_clear()
    Mojibake().setup()
    for script in ("neutral", "simplified", "traditional", "spun"):
        assert lm.for_script(script)._chars is not None, script
    assert deleted._pairs.cache_info().currsize == 1


def test_script_and_quality_setup_build_their_first_use_tables():
    from taosha.filter import quality
    from taosha.step import build_step
    from taosha.zh import script

    script._supplement_re.cache_clear()
    quality._stops.cache_clear()
    for name in ("repair.script", "filter.quality"):
        build_step(name, {}).setup()
    assert script._supplement_re.cache_info().currsize == 1 and quality._stops.cache_info().currsize == 1


def test_quality_letter_tables_from_the_cache_are_the_tables_built(tmp_path, monkeypatch):
    """filter.quality's letters and word characters (str.isalpha / str.isalnum of every BMP code point, Han beyond)
    come back from the table cache as built."""
    monkeypatch.setenv("TAOSHA_CACHE_DIR", str(tmp_path))
    from taosha.filter import quality

    cached = [quality._letters, quality._word_chars]
    for f in cached:
        f.cache_clear()
    try:
        for f, test in zip(cached, (str.isalpha, str.isalnum), strict=True):
            f()
            f.cache_clear()
            again = f()
            assert isinstance(again.base, np.memmap) and np.array_equal(again, quality._by_code_point(test))
        assert quality._letters()[ord("中")] and not quality._letters()[ord("1")] and quality._word_chars()[ord("1")]
    finally:
        for f in cached:
            f.cache_clear()
