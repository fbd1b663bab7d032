"""synth: AST-based synthesizer for Dapr microservices in Python."""

__version__ = "0.2.0"
