"""Whether repair.mojibake's output (text, edits, signals) on real and generated text is the same as another
checkout's: the check a speed change must pass (its outputs byte-identical).

Corpora (read from ../shared at run time): every shopping review, the DAnIEL news references, the Wikipedia
paragraphs (CMRC2018 simplified, DRCD traditional), the seed page (a real spun and misaligned compilation page)
and its documents, and `synth.chains`' generated documents (seed 1, every family
and negative, `--n` per kind). Each is run through the step in the runner's batches (`process_batch`, as the
pipeline runs it) and, for the generated documents, one at a time too (`process`, as the evals run it). Each
checkout runs as a child process (`--baseline`'s src on PYTHONPATH) that prints one digest per document; the
digests are compared here, and the first differing documents shown.

    python bench/mojibake_identical.py --baseline /tmp/main/src [--n 300] [--cache /tmp/baseline_digests]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import orjson

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"
BATCH_DOCS = 256  # the runner's batch (runners.core.BATCH_DOCS)


def corpora(n: int) -> dict[str, list[str]]:
    rows = (orjson.loads(line) for line in gzip.open(SHARED / "web_text" / "online_shopping_10_cats.jsonl.gz", "rb"))
    out = {"reviews": [r["text"] for r in rows if isinstance(r.get("text"), str)]}
    with tarfile.open(SHARED / "extraction" / "daniel_zh_400.tar.xz") as tar:
        out["news"] = [tar.extractfile(m).read().decode("utf-8", "replace") for m in tar
                       if "/reference/" in m.name and m.isfile()]
    wiki = []
    for name in ("cmrc2018_wiki_zh_hans.jsonl.gz", "drcd_wiki_zh_hant.jsonl.gz"):
        for line in gzip.open(SHARED / "wiki" / name, "rb"):
            row = orjson.loads(line)
            wiki.extend(v for k, v in row.items() if isinstance(v, str) and k in ("text", "context"))
    out["wiki"] = wiki
    # the seed page (a real compilation page, spun and misaligned: realignment's heaviest real text) and its documents
    seed = SHARED / "seed-dev"
    out["seed"] = [(seed / "page_dev.txt").read_text(encoding="utf-8")] + [
        orjson.loads(line)["text"] for line in open(seed / "documents_dev.jsonl", "rb")]
    from taosha.synth import chains

    base = chains.load_base(SHARED).half(0)  # seed 1's half, as eval_mojibake_chains draws it
    out["chains"] = [s.text for s in chains.generate(base, n, 1, list(chains.FAMILIES))]
    return out


def digest(doc) -> str:
    """One line per document: its text, edits and signals, hashed (the whole, so any byte differing shows)."""
    if isinstance(doc, list):
        return "|".join(digest(d) for d in doc)
    raw = orjson.dumps([doc.text, [list(e) for e in doc.edits], sorted(doc.signals.items()), doc.dropped],
                       option=orjson.OPT_SERIALIZE_NUMPY)
    return hashlib.blake2b(raw, digest_size=12).hexdigest()


def child(n: int) -> int:
    from taosha.document import Document
    from taosha.repair.mojibake import Mojibake

    step = Mojibake()
    step.setup()
    for label, texts in corpora(n).items():
        docs = [Document(f"{label}-{k}", t) for k, t in enumerate(texts)]
        for at in range(0, len(docs), BATCH_DOCS):
            for k, d in enumerate(step.process_batch(docs[at : at + BATCH_DOCS])):
                print(f"{label}\tbatch\t{at + k}\t{digest(d)}")
        if label == "chains":
            for k, t in enumerate(texts):
                print(f"{label}\tone\t{k}\t{digest(step.process(Document(f'{label}-{k}', t)))}")
    return 0


def run(src: Path | None, n: int) -> list[str]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(src), *filter(None, [env.get("PYTHONPATH")])])
    cmd = [sys.executable, __file__, "--child", "--n", str(n)]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout.splitlines()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--baseline", type=Path, help="another checkout's src, compared with this code")
    ap.add_argument("--n", type=int, default=300, help="generated documents per family and negative kind")
    ap.add_argument("--cache", type=Path, help="the baseline's digests, read from here if present, else saved here")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args.n)
    if not SHARED.is_dir():
        raise SystemExit(f"{SHARED} is absent: this check reads real text from ../shared/corpora")
    if args.baseline is None:
        raise SystemExit("--baseline SRC is required")
    if args.cache and args.cache.exists():
        theirs = args.cache.read_text().splitlines()
    else:
        theirs = run(args.baseline.resolve(), args.n)
        if args.cache:
            args.cache.write_text("".join(line + "\n" for line in theirs))
    ours = run(None, args.n)
    if len(theirs) != len(ours):
        print(f"different document counts: baseline {len(theirs)}, this code {len(ours)}")
        return 1
    counts: dict[str, list[int]] = {}
    shown = 0
    for a, b in zip(theirs, ours, strict=True):
        label, mode, k, _ = a.split("\t")
        same = counts.setdefault(f"{label} ({mode})", [0, 0])
        same[1] += 1
        if a == b:
            same[0] += 1
        elif shown < 10:
            shown += 1
            print(f"differs: {label} {mode} document {k}")
    for key, (same, total) in counts.items():
        print(f"{key}: {same:,} of {total:,} documents identical")
    print("identical" if all(s == t for s, t in counts.values()) else "DIFFERENT")
    return 0 if all(s == t for s, t in counts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
