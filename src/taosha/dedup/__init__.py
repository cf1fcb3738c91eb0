"""Deduplication across the corpus (two-pass steps): exact duplicates so far."""
