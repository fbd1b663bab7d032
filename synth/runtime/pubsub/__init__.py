"""The `pubsub` feature's runtime: events, subscribers and publishers."""
