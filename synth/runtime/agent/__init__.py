"""The `agent` feature's runtime: the agent's fixed core, its SDK side, and its test seams."""
