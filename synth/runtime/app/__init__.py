"""The `app` feature's runtime: JSON logs and the one Dapr client."""
