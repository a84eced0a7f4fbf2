"""Constructive and improvement heuristics; each returns a schedule usable as a warm start."""
