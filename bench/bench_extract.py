"""Speed of the whole WARC -> documents path (read, decode, extract.html) against trafilatura alone, same run.

The DAnIEL zh pages (400 news pages from ../shared; synthetic pages when it is absent) are written to a
WARC.gz, then: taosha reads the WARC (FastWARC), decodes each page (charset checked over the whole page) and
extracts its main text; trafilatura alone extracts the same pages from their bytes (its defaults, its own
decoding, no WARC reading at all). One process each: pages/s and MB/s per core. Goal: taosha >= 2x.

    python bench/bench_extract.py
"""

from __future__ import annotations

import tarfile
import tempfile
import time
from collections import Counter
from pathlib import Path

from taosha.document import Document
from taosha.extract.html import ExtractHtml
from taosha.io.readers import InputConfig, Unit, read_unit
from taosha.io.warc import make_warc

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "extraction" / "daniel_zh_400.tar.xz"


def pages() -> list[tuple[str, bytes]]:
    if SHARED.exists():
        with tarfile.open(SHARED) as tar:
            members = sorted((m for m in tar.getmembers() if m.isfile() and "/html/" in m.name
                              and m.name.endswith(".html")), key=lambda m: m.name)
            return [(f"http://{m.name.rsplit('/', 1)[1].split('_')[1]}/{k}", tar.extractfile(m).read())  # type: ignore[union-attr]
                    for k, m in enumerate(members)]
    return synthetic()


def synthetic() -> list[tuple[str, bytes]]:
    out = []
    for k in range(200):
        body = "".join(f"<p>第{k}篇第{j}段：记者从市交通运输局获悉，今年全市新开通公交线路十二条，方便了群众出行。</p>"
                       for j in range(20))
        page = (f"<html><head><title>新闻{k}</title></head><body><div class=nav><a href=/>首页</a></div>{body}"
                "</body></html>")
        out.append((f"http://news.example.cn/{k}", page.encode("gbk")))
    return out


def taosha_path(path: str) -> int:
    step = ExtractHtml()
    n = 0
    for item in read_unit(Unit(0, path, "warc", "gz"), InputConfig(), None, Counter()):
        if isinstance(item, Document):
            step.process(item)
            n += 1
    return n


def main() -> int:
    import trafilatura

    data = pages()
    megabytes = sum(len(p) for _, p in data) / 1e6
    warm = synthetic()[:20]  # warm-up on other pages: libraries and the character model load once, and no
    # extractor meets a measured page twice (trafilatura caches per text: a second pass over the same pages
    # runs at twice the speed, which no crawl sees)
    with tempfile.TemporaryDirectory() as tmp:
        warc = Path(tmp) / "daniel.warc.gz"
        warc.write_bytes(make_warc(data))
        (Path(tmp) / "warm.warc.gz").write_bytes(make_warc(warm))
        taosha_path(str(Path(tmp) / "warm.warc.gz"))
        t0 = time.perf_counter()
        n = taosha_path(str(warc))
        t_taosha = time.perf_counter() - t0
    for url, page in warm:
        trafilatura.extract(page, url=url)
    t0 = time.perf_counter()
    for url, page in data:
        trafilatura.extract(page, url=url)
    t_traf = time.perf_counter() - t0
    print(f"pages: {len(data)} ({megabytes:.1f} MB of HTML); {n} documents out of the WARC")
    print(f"taosha WARC->documents (read, decode, extract.html): {len(data) / t_taosha:7.1f} pages/s "
          f"{megabytes / t_taosha:6.2f} MB/s")
    print(f"trafilatura.extract alone on the same pages:         {len(data) / t_traf:7.1f} pages/s "
          f"{megabytes / t_traf:6.2f} MB/s")
    print(f"ratio taosha / trafilatura: {t_traf / t_taosha:.2f}x (goal >= 2x, one core each)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
