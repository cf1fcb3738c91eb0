"""Readers (files and globs to documents or quarantine records) and writers (atomic output shards)."""
