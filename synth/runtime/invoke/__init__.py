"""The `invoke` feature's runtime: calls through Dapr service invocation, and their errors."""
