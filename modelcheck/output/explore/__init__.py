"""``paxraft explore``: click through a model in the browser (state, enabled steps, chart, searches)."""
