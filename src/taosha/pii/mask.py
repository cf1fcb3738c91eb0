"""The step `pii.mask`: mask, flag or drop Chinese personal data, never keeping it in the output."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from taosha.document import REDACTED, Document
from taosha.errors import ConfigError
from taosha.pii.recognizers import KINDS, Found, find_pii
from taosha.step import Step, register

PLACEHOLDERS = {
    "id_card": "<ID_CARD>", "bank_card": "<BANK_CARD>", "mobile": "<PHONE>", "landline": "<PHONE>",
    "email": "<EMAIL>", "ipv4": "<IP>", "ipv6": "<IP>", "qq": "<QQ>", "wechat": "<WECHAT>",
    "passport": "<PASSPORT>", "hk_macau_permit": "<PERMIT>", "plate": "<PLATE>",
}
ACTIONS = ("mask", "flag", "drop")
STYLES = ("placeholder", "keep_format")
_ROUNDS = 4  # masking rounds at most (see `process`); each masks what the last one's masks uncovered
# characters an earlier edit's text must hold before it is scanned for personal data it removed
_WORTH_SCANNING = re.compile("[0-9０-９@:]")


@lru_cache(maxsize=8)
def _key(env: str) -> bytes:
    return os.environ[env].encode("utf-8")


def keep_format(kind: str, text: str) -> str:
    """A mask that keeps the shape: separators, the first and last characters (`138****5678`).

    >>> keep_format("mobile", "138-1234-5678"), keep_format("email", "zhang.san@qq.com")
    ('138-****-5678', 'z********@qq.com')
    """
    if kind == "email":
        local, _, domain = text.partition("@")
        return local[:1] + "*" * (len(local) - 1) + "@" + domain
    if kind in ("ipv4", "ipv6"):
        sep = "." if kind == "ipv4" else ":"
        head, *rest = text.split(sep)
        return sep.join([head, *("*" * len(r) if r else "" for r in rest)])
    pos = [i for i, c in enumerate(text) if c.isalnum()]
    n = len(pos)
    keep_head, keep_tail = (3, 4) if n >= 11 else (2, 2) if n >= 7 else (1, 1)
    hide = set(pos[keep_head : n - keep_tail])
    return "".join("*" if i in hide else c for i, c in enumerate(text))


@register("pii.mask")
@dataclass(frozen=True)
class PiiMask(Step):
    """Mask Chinese personal data (ID cards, phones, bank cards, e-mails, IPs, QQ, WeChat, passports, plates).

    Each match is judged with checksums and context (see `taosha.pii.recognizers`). `action`: `mask`
    replaces it with a typed placeholder (`style = "keep_format"`: `138****5678`); `flag` only counts;
    `drop` masks and drops the document. The edit log never holds the masked text: each edit's reason is
    the kind and its `before` a marker with the length and, when `key_env` names an environment variable
    holding a key, an HMAC-SHA256 of the value (the key itself never enters the configuration). Earlier
    edits that held the same data are withheld too, so `restore_original` reports these spans as
    unrecoverable by design. Signals: `pii` (count), `pii_counts` (by kind, when any), `pii_per_1000`;
    `max_per_1000` > 0 drops documents denser than that (leaked lists), masked. `metadata_fields` names
    metadata fields whose string values are masked too (with action mask or drop; metadata has no edit log,
    so the signal `pii_metadata` counts them by field).

    >>> from taosha.step import run_one
    >>> run_one(PiiMask(), "联系电话：13812345678，订单号13812345678").text
    '联系电话：<PHONE>，订单号13812345678'
    >>> run_one(PiiMask(), "身份证11010519491231002X").edits[0].before[1:]
    'redacted:id_card:18'
    """

    action: str = "mask"
    style: str = "placeholder"
    kinds: tuple[str, ...] = KINDS
    key_env: str = ""
    max_per_1000: float = 0.0
    metadata_fields: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ConfigError(f"step 'pii.mask': action must be one of {', '.join(ACTIONS)}, got {self.action!r}")
        if self.style not in STYLES:
            raise ConfigError(f"step 'pii.mask': style must be one of {', '.join(STYLES)}, got {self.style!r}")
        unknown = sorted(set(self.kinds) - set(KINDS))
        if unknown:
            raise ConfigError(f"step 'pii.mask': unknown kinds {unknown}; known kinds: {', '.join(KINDS)}")
        if self.key_env and self.key_env not in os.environ:
            raise ConfigError(
                f"step 'pii.mask': key_env names the environment variable {self.key_env!r}, which is not set; "
                "export it (the key for HMAC hashes of masked values) or leave key_env empty for no hash"
            )

    def _digest(self, f: Found) -> str:
        if not self.key_env:
            return ""
        mac = hmac.new(_key(self.key_env), f"{f.kind}:{f.value}".encode(), hashlib.sha256)
        return "hmac-sha256:" + mac.hexdigest()[:32]

    def process(self, doc: Document) -> Document:
        kinds = frozenset(self.kinds)
        size = len(doc.text)
        found = find_pii(doc.text, kinds)
        everything = list(found)
        if self.action != "flag":
            also = self._removed_earlier(doc, kinds)
            for _ in range(_ROUNDS):
                if not (found or also):
                    break
                text = doc.text
                spans = [(f.start, f.end, self._mask(f, text[f.start : f.end]), f.kind, self._digest(f))
                         for f in found]
                doc.redact(spans, self.name, also)
                # a mask changes what stands beside a number: `1.0.0.0 6202…` hides a card behind the address's
                # digit, which `<IP> 6202…` no longer does. Masking again until nothing more is found makes the
                # step idempotent (a second run finds nothing)
                also = {}
                found = find_pii(doc.text, kinds)
                everything += found
        counts: dict[str, int] = {}
        for f in everything:
            counts[f.kind] = counts.get(f.kind, 0) + 1
        found = everything
        density = 1000.0 * len(found) / max(1, size)
        doc.tag("pii", len(found))
        if counts:
            doc.tag("pii_counts", dict(sorted(counts.items())))
        doc.tag("pii_per_1000", round(density, 3))
        if self.action != "flag" and self.metadata_fields:
            self._mask_metadata(doc, kinds)
        if self.max_per_1000 and density > self.max_per_1000:
            return doc.drop(self.name, "dense_personal_data",
                            f"{len(found)} matches, {density:.1f} per 1000 chars")
        if self.action == "drop" and found:
            return doc.drop(self.name, "personal_data", ", ".join(f"{k} {n}" for k, n in sorted(counts.items())))
        return doc

    def _mask_metadata(self, doc: Document, kinds: frozenset[str]) -> None:
        masked: dict[str, int] = {}
        for name in self.metadata_fields:
            value = doc.metadata.get(name)
            if not isinstance(value, str):
                continue
            found = find_pii(value, kinds)
            if found:
                pieces: list[str] = []
                pos = 0
                for f in found:
                    pieces += (value[pos : f.start], self._mask(f, value[f.start : f.end]))
                    pos = f.end
                doc.metadata[name] = "".join(pieces) + value[pos:]
                masked[name] = len(found)
        if masked:
            doc.tag("pii_metadata", masked)

    def _mask(self, f: Found, text: str) -> str:
        return PLACEHOLDERS[f.kind] if self.style == "placeholder" else keep_format(f.kind, text)

    @staticmethod
    def _removed_earlier(doc: Document, kinds: frozenset[str]) -> dict[int, str]:
        """Earlier edits whose own text holds personal data (a removed footer with a phone number)."""
        out: dict[int, str] = {}
        for k, e in enumerate(doc.edits):
            for field in (e.before, e.after):
                if len(field) >= 5 and not field.startswith(REDACTED) and _WORTH_SCANNING.search(field):
                    hit = find_pii(field, kinds)
                    if hit:
                        out[k] = hit[0].kind
                        break
        return out
