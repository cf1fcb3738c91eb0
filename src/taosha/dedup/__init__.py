"""Deduplication across the corpus, as two-pass steps: exact copies (`dedup.exact`), near duplicates by
MinHash and verified Jaccard (`dedup.near`), and paragraphs shared between documents (`dedup.paragraphs`)."""
