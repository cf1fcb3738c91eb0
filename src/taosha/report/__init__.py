"""Counters per (step, action, reason), merged across shards by addition, and the run's stats."""
