"""Runnable implementations: sans-IO protocol cores and their runtimes."""
