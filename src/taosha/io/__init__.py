"""Input and output: readers (files and globs to documents or quarantine records, and their `InputConfig`),
decoding (bytes in any Chinese encoding to text), writers (atomic, compressed output shards)."""
