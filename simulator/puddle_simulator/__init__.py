"""A local stand-in for a Puddle server speaking the wire contract of docs/api.md."""

__version__ = "1.0.0"
