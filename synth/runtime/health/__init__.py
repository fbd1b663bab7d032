"""The `health` feature's runtime: liveness and readiness."""
