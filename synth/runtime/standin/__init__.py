"""Stand-ins for the spec-shaped modules the runtime imports; never written into a service."""
