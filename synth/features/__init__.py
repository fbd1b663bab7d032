"""Features: one module each (app, health, state, ...), discovered by the registry."""
