"""dedup.near: signatures, banding, clustering, and the step through the runner."""

from __future__ import annotations

import random

import numpy as np
import orjson
import pytest

import taosha
from taosha import PipelineConfig, StepSpec
from taosha.dedup.cluster import bucket_edges, components
from taosha.dedup.minhash import collision_probability, optimal_bands, signature
from taosha.dedup.near import Near
from taosha.dedup.shingle import codes, jaccard_sets, shingle_hashes, shingle_set
from taosha.errors import ConfigError
from taosha.io.writers import iter_records
from taosha.synth import damage
from taosha.synth.demo import clean_documents
from taosha.synth.dups import dup_corpus, sentences_of

SENTENCES = sentences_of([t for _, t in clean_documents()])


def test_normalisation_folds_width_space_and_script_but_not_content():
    assert bytes(codes("經濟 發展，（二）\n")) == bytes(codes("经济发展,(二)"))
    assert bytes(codes("经济发展")) != bytes(codes("经济增长"))
    assert bytes(codes("😀a")) == "😀a".encode("utf-16-le")  # outside the BMP: surrogates kept


def test_signature_agreement_estimates_jaccard():
    rng = random.Random(3)
    base = "".join(rng.choice(SENTENCES) for _ in range(60))
    for rate in (0.005, 0.02, 0.05):
        other = damage.near_copy(base, rng, rate).text
        a, b = codes(base), codes(other)
        true = jaccard_sets(shingle_set(a, 5), shingle_set(b, 5))
        est = np.mean([(signature(shingle_hashes(a, 5), 256, seed) == signature(shingle_hashes(b, 5), 256, seed)).mean()
                       for seed in range(1, 5)])
        assert abs(est - true) < 0.06, (rate, est, true)


def test_short_sets_are_densified_not_empty():
    sig = signature(shingle_hashes(codes("经济发展很快"), 5), 128)
    assert sig is not None and len(set(sig.tolist())) > 1
    assert signature(np.zeros(0, dtype=np.uint64), 128) is None


def test_banding_puts_the_threshold_on_the_steep_part():
    bands, rows = optimal_bands(0.8, 128)
    assert bands * rows <= 128
    assert collision_probability(0.8, bands, rows) > 0.9
    assert collision_probability(0.5, bands, rows) < 0.1


def test_components_merge_chains_and_keep_singletons():
    labels = components(7, np.array([5, 1, 2]), np.array([6, 2, 3]))
    assert labels.tolist() == [0, 1, 1, 1, 4, 5, 5]


def test_bucket_edges_link_each_member_to_the_first():
    keys = np.array([9, 9, 9, 1], dtype=np.uint64)
    edges = bucket_edges(keys, np.array([2, 5, 7, 8], dtype=np.uint64))
    assert sorted((int(e >> 32), int(e & 0xFFFFFFFF)) for e in edges) == [(2, 5), (2, 7)]


@pytest.mark.parametrize("params", [{"keep": "newest"}, {"threshold": 0.0}, {"bands": 20, "rows": 10},
                                    {"bands": 4}])
def test_bad_parameters_fail_clearly(params):
    with pytest.raises(ConfigError, match=r"dedup\.near"):
        Near(**params)


def write(tmp_path, records):
    inp = tmp_path / "in"
    inp.mkdir(exist_ok=True)
    half = len(records) // 2
    for f, chunk in enumerate((records[:half], records[half:])):
        (inp / f"p{f}.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in chunk))
    return inp


def run(tmp_path, name, workers=1, **params):
    cfg = PipelineConfig(steps=[StepSpec("dedup.near", params)])
    cfg.runner.workers = workers
    cfg.input.chunk_bytes = 20_000  # several units per file
    out = tmp_path / name
    stats = taosha.run([str(tmp_path / "in")], out, cfg)
    kept = [r for p in sorted((out / "kept").glob("*.zst")) for r in iter_records(p)]
    dropped = [r for p in sorted((out / "dropped").glob("*.zst")) for r in iter_records(p)]
    return kept, dropped, stats, out


@pytest.fixture
def families(tmp_path):
    records = [{k: r[k] for k in ("id", "text", "kind")} | {"family": r["family"]}
               for r in dup_corpus(SENTENCES, 40, seed=5, chars=600, dup_share=0.6)]
    write(tmp_path, records)
    return records


def test_every_cluster_keeps_exactly_one_and_workers_do_not_matter(tmp_path, families):
    kept1, dropped1, stats, out = run(tmp_path, "o1", 1)
    kept2, dropped2, _, _ = run(tmp_path, "o2", 2)
    assert kept1 == kept2 and dropped1 == dropped2
    # components by distributed large-star/small-star rounds, over 3 partitions: the same decisions
    kept3, dropped3, _, out3 = run(tmp_path, "o3", 2, local_components=0, partitions=3)
    assert kept3 == kept1 and dropped3 == dropped1
    assert orjson.loads((out3 / "reports" / "dedup.near.json").read_bytes())["component_rounds"] >= 3
    assert stats["documents"]["kept"] + stats["documents"]["dropped"] == len(families)
    kept_ids = {r["id"] for r in kept1}
    clusters: dict[int, list] = {}
    for r in kept1 + dropped1:
        if "near_cluster" in r["signals"]:
            clusters.setdefault(r["signals"]["near_cluster"], []).append(r)
    assert dropped1 and clusters
    for members in clusters.values():
        assert sum(1 for r in members if r["id"] in kept_ids) == 1
        assert len(members) == members[0]["signals"]["near_cluster_size"]
    by_id = {r["id"]: r for r in families}
    for r in dropped1:
        assert r["drop"]["reason"] == "near_duplicate"
        assert r["signals"]["near_duplicate_of"] in kept_ids
        assert r["signals"]["near_similarity"] >= 0.8
        assert by_id[r["signals"]["near_duplicate_of"]]["family"] == by_id[r["id"]]["family"]
    exact = [r for r in families if r["kind"] == "exact"]
    assert exact and all(r["id"] not in kept_ids for r in exact)  # an exact copy never survives its original
    report = orjson.loads((out / "reports" / "dedup.near.json").read_bytes())
    assert report["duplicates"] == len(dropped1) and sum(report["cluster_sizes"].values()) == len(clusters)
    assert not (out / "_state" / "step-00-dedup.near").exists()  # spill files are cleaned up


def test_keep_longest_keeps_the_longest_copy(tmp_path):
    rng = random.Random(2)
    base = "".join(rng.choice(SENTENCES) for _ in range(20))
    records = [{"id": "short", "text": base}, {"id": "long", "text": base + "补充的一句话。"},
               {"id": "other", "text": "".join(rng.choice(SENTENCES) for _ in range(20))}]
    write(tmp_path, records)
    _, dropped, _, _ = run(tmp_path, "o", keep="longest")
    assert [r["id"] for r in dropped] == ["short"]
    assert dropped[0]["signals"]["near_duplicate_of"] == "long"


def test_a_chain_does_not_drop_a_document_far_from_the_kept_one(tmp_path):
    """A~B and B~C but A≁C: B goes with A, C stays (it is no near copy of anything kept)."""
    rng = random.Random(4)
    sents = rng.sample(SENTENCES, 48)
    a, b, c = "".join(sents[0:40]), "".join(sents[4:44]), "".join(sents[8:48])  # windows sliding along
    sim = {k: jaccard_sets(shingle_set(codes(x), 5), shingle_set(codes(y), 5))
           for k, (x, y) in {"ab": (a, b), "bc": (b, c), "ac": (a, c)}.items()}
    threshold = (sim["ac"] + min(sim["ab"], sim["bc"])) / 2
    assert sim["ac"] < threshold <= min(sim["ab"], sim["bc"])  # the fixture really is a chain
    write(tmp_path, [{"id": "a", "text": a}, {"id": "b", "text": b}, {"id": "c", "text": c}])
    kept, dropped, _, _ = run(tmp_path, "o", threshold=round(threshold, 3), bands=32, rows=4)
    assert sorted(r["id"] for r in kept) == ["a", "c"] and [r["id"] for r in dropped] == ["b"]


def test_short_documents_are_left_alone(tmp_path):
    write(tmp_path, [{"id": str(k), "text": "你好。"} for k in range(4)])
    kept, dropped, _, _ = run(tmp_path, "o")
    assert len(kept) == 4 and not dropped


def test_star_rounds_find_the_same_components_as_label_propagation():
    from taosha.dedup.cluster import pack, star_step, unpack

    rng = np.random.default_rng(1)
    for _ in range(100):
        n, e, parts = int(rng.integers(2, 200)), int(rng.integers(0, 300)), int(rng.integers(1, 6))
        u, v = rng.integers(0, n, e), rng.integers(0, n, e)
        edges, seen = pack(u, v), []
        while not (len(seen) >= 3 and len(seen) % 2 == 1 and seen[-1] == seen[-3]):
            seen.append(edges.tobytes())
            r = len(seen) - 1
            if len(seen) >= 3 and r % 2 == 0 and seen[r] == seen[r - 2]:
                break
            edges = np.unique(np.concatenate([star_step(edges, p, parts, large=r % 2 == 0) for p in range(parts)]))
            assert r < 100
        roots, members = unpack(edges)
        labels = np.arange(n)
        labels[members] = roots  # a star forest: every edge is (smallest node, member)
        assert labels.tolist() == components(n, u, v).tolist()


def test_between_pass_work_is_small_task_objects_that_run_themselves(tmp_path):
    """Every round's tasks (near and paragraph dedup) are frozen dataclasses with `run()`, picklable for the
    workers; running them through pickle gives what running them in place gives."""
    import dataclasses
    import pickle

    from taosha.dedup.paragraphs import Paragraphs
    from taosha.document import Document

    base = "共同富裕是社会主义的本质要求，我们要推动经济发展，实现乡村振兴的目标。"
    texts = [base, base.replace("目标", "目的"), base + "\n新的一段写在这里。", "今天天气很好，我们去公园散步吧。" * 3]
    docs = [Document(str(k), t, source={"path": "a", "offset": k}) for k, t in enumerate(texts)]
    for step in (Near(threshold=0.5, ngram=3, partitions=3, local_components=0), Paragraphs(min_chars=4,
                                                                                            partitions=3)):
        state = step.new_state()
        for d in docs:
            state = step.observe(d, state)
        state = step.merge(step.new_state(), step.finish_unit(state, tmp_path / step.name, 0))
        kinds = set()
        while tasks := step.tasks(state):
            for t in tasks:
                assert dataclasses.is_dataclass(t) and callable(t.run), t
                kinds.add(type(t).__name__)
            results = [step.run_task(pickle.loads(pickle.dumps(t))) for t in tasks]
            state = step.gather(state, results)
        near = {"BandTask", "VerifyTask", "StarTask", "ClustersTask"}
        assert kinds == (near if step.name == "dedup.near" else {"RangeTask"})
        fresh = [Document(str(k), t, source={"path": "a", "offset": k}) for k, t in enumerate(texts)]
        assert any(d.dropped or d.edits for d in map(step.prepare(state).process, fresh))


def test_fold_table_is_built_once_per_machine_and_mapped_after(tmp_path, monkeypatch):
    from taosha.dedup import shingle

    monkeypatch.setenv("TAOSHA_CACHE_DIR", str(tmp_path))
    built = shingle._build_fold_table()
    shingle.fold_table.cache_clear()
    try:
        first = shingle.fold_table()  # built and saved
        assert [p.name.split("-")[:2] for p in tmp_path.iterdir()] == [["near", "fold"]]
        shingle.fold_table.cache_clear()
        monkeypatch.setattr(shingle, "_build_fold_table", lambda: pytest.fail("built again"))
        again = shingle.fold_table()  # read back from the cache
        assert type(again) is np.ndarray and not again.flags.writeable
        assert np.array_equal(first, built) and np.array_equal(again, built)
    finally:
        shingle.fold_table.cache_clear()


@pytest.mark.parametrize(("seed", "k"), [(0, 64), (7, 64), (0, 100), (7, 1)])  # bins by shift, and any k
def test_signatures_of_a_batch_equal_those_one_at_a_time(monkeypatch, seed, k):
    from taosha.dedup import minhash

    monkeypatch.setattr(minhash, "_JOINED", 300)  # several joined groups
    monkeypatch.setattr(minhash, "_SLICE", 400)  # and texts too long to join, signed slice by slice
    rng = random.Random(seed)
    texts = [codes("".join(rng.choice(SENTENCES) for _ in range(rng.randint(0, 12)))[: rng.randint(0, 600)])
             for _ in range(60)] + [codes(""), codes("经济"), codes("经济发展快"), codes("经济发展很快")]
    for n in (3, 5):
        one = [minhash.shingle_signature(t, n, k, seed) for t in texts]
        together = minhash.shingle_signatures(texts, n, k, seed)
        assert len(together) == len(one)
        for a, b in zip(one, together, strict=True):
            assert (a is None and b is None) or (a is not None and b is not None and a.tobytes() == b.tobytes())


@pytest.mark.parametrize(("k", "attempts", "tail"), [(4, 2, 256), (64, 64, 256), (64, 64, 0), (64, 64, 10**9)])
def test_densifying_a_batch_of_signatures_equals_one_at_a_time(monkeypatch, k, attempts, tail):
    from taosha.dedup import minhash

    monkeypatch.setattr(minhash, "_ATTEMPTS", attempts)  # 2: bins left empty after every attempt, the last resort
    monkeypatch.setattr(minhash, "_TAIL", tail)  # the last bins' attempts in one gather: never, or from the start
    rng = np.random.default_rng(k)
    sigs = rng.integers(0, 2**63, size=(300, k), dtype=np.uint64)
    for row in sigs:  # from one filled bin to all of them
        row[rng.permutation(k)[: rng.integers(0, k)]] = minhash.EMPTY
    one = np.stack([minhash._densified(row.copy(), k, 3) for row in sigs])
    minhash._densify_rows(sigs, k, 3)
    assert sigs.tobytes() == one.tobytes()


@pytest.mark.parametrize("group", [1 << 14, 8])
def test_codes_of_a_batch_equal_those_one_at_a_time(monkeypatch, group):
    from taosha.dedup import shingle

    monkeypatch.setattr(shingle, "_GROUP", group)  # 8: several groups, and texts longer than one
    texts = ["經濟 發展，（二）", "", " \n", "𠀀𠀁 汉字", "abc", "今天天气很好", "今天 天气很好，我们去公园散步吧。"]
    assert [c.tobytes() for c in shingle.codes_many(texts)] == [codes(t).tobytes() for t in texts]
    assert shingle.codes_many([]) == []


def test_clusters_reuse_the_similarities_verification_computed(tmp_path, monkeypatch):
    """ClustersTask looks up the verified pairs' similarities instead of hashing their texts again; the clusters
    are the ones computing every similarity gives."""
    from taosha.dedup import near
    from taosha.document import Document

    rng = random.Random(3)
    texts = []
    for _ in range(6):
        base = "".join(rng.choice(SENTENCES) for _ in range(8))
        texts += [base, base[:-6] + "补上的句子。", base[3:], base.replace("，", "。")]
    docs = [Document(str(k), t, source={"path": "a", "offset": k}) for k, t in enumerate(texts)]
    step = Near(threshold=0.7, ngram=5)

    def clusters(reuse: bool) -> list:
        work = tmp_path / str(reuse)
        state = step.merge(step.new_state(), step.finish_unit(step.observe_batch(docs, step.new_state()), work, 0))
        hashed = []
        original = near._Clusterer.shingles
        while tasks := step.tasks(state):
            if not reuse:
                for f in work.glob("sims-*.npy"):
                    f.unlink()
            if isinstance(tasks[0], near.ClustersTask):
                monkeypatch.setattr(near._Clusterer, "shingles", lambda self, g: hashed.append(g) or original(self, g))
            state = step.gather(state, [step.run_task(t) for t in tasks])
            monkeypatch.setattr(near._Clusterer, "shingles", original)
        return state["clusters"], len(hashed)

    (reused, hashed), (computed, hashed_all) = clusters(True), clusters(False)
    assert reused == computed and len(reused) >= 4
    assert hashed < hashed_all / 2, (hashed, hashed_all)


@pytest.mark.parametrize("group", [1 << 16, 40])
def test_shingle_sets_of_a_batch_equal_those_one_at_a_time(monkeypatch, group):
    from taosha.dedup import shingle

    monkeypatch.setattr(shingle, "_GROUP", group)  # 40: several groups, and texts longer than one
    rng = random.Random(group)
    texts = [codes("".join(rng.choice(SENTENCES) for _ in range(rng.randint(0, 6)))[: rng.randint(0, 90)])
             for _ in range(80)] + [codes(""), codes("经"), codes("经济发"), codes("哈哈哈哈哈哈哈哈哈哈")]
    for n in (1, 3, 5):
        together = shingle.shingle_sets(texts, n)
        assert len(together) == len(texts)
        for t, s in zip(texts, together, strict=True):
            one = shingle_set(t, n)
            assert s.dtype == one.dtype and s.tobytes() == one.tobytes()


def test_jaccard_of_sets_equals_a_binary_search_count():
    rng = np.random.default_rng(5)
    for _ in range(300):
        pool = rng.integers(0, 2**32, int(rng.integers(1, 400)), dtype=np.uint32)
        a = np.unique(rng.choice(pool, int(rng.integers(0, 300))))
        b = np.unique(rng.choice(pool, int(rng.integers(0, 300))))
        if not len(a) or not len(b):
            assert jaccard_sets(a, b) == (1.0 if len(a) == len(b) else 0.0)
            continue
        common = int(np.isin(b, a).sum())
        assert jaccard_sets(a, b) == common / (len(a) + len(b) - common)


def test_verification_of_many_pairs_equals_one_pair_at_a_time(tmp_path, monkeypatch):
    """VerifyTask's similarities, the sets built together a run of pairs at a time (runs cut small here), are
    `similarity`'s for each pair, identical texts included."""
    from taosha.dedup import near
    from taosha.document import Document

    monkeypatch.setattr(near, "_SETS_AT_ONCE", 7)
    rng = random.Random(4)
    texts = []
    for _ in range(30):
        base = "".join(rng.choice(SENTENCES) for _ in range(rng.randint(1, 8)))
        texts += [base, base[:-4] + "补上。", base[2:], base]
    docs = [Document(str(k), t, source={"path": "a", "offset": k}) for k, t in enumerate(texts)]
    step = Near(threshold=0.7, ngram=5)
    handles = step.finish_unit(step.observe_batch(docs, step.new_state()), tmp_path, 0)
    u = [rng.randrange(len(docs)) for _ in range(400)]
    v = [rng.randrange(len(docs)) for _ in range(400)]
    batched = near._Clusterer(step, handles).similarities(u, v)
    one = near._Clusterer(step, handles)
    assert batched.tolist() == [one.similarity(a, b) for a, b in zip(u, v, strict=True)]
    assert 0 < (batched == 1.0).sum() < len(u)


def test_signatures_take_a_numpy_integer_num_perm():
    # the power-of-two shortcut asks k for its bit length: a NumPy integer has none (a review found it raising)
    from taosha.dedup import minhash
    from taosha.dedup.shingle import codes_many

    codes = codes_many(["今天天气很好，去散步吧。" * 3])
    got, want = minhash.shingle_signatures(codes, 5, np.int64(128)), minhash.shingle_signatures(codes, 5, 128)
    assert got[0] is not None and want[0] is not None and (got[0] == want[0]).all()
