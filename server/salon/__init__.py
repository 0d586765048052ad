"""Salon: real-time collaboration rooms for social learning."""

__version__ = "0.1.0"
PROTOCOL_VERSION = 1
