"""The `state` feature's runtime: typed state reads and writes, and exactly-once claims."""
