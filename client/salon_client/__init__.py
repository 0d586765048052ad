"""Async Python client for Salon: REST + Socket.IO, with automatic rejoin and catch-up."""

from salon_client.client import SalonClient, SalonClientError

__all__ = ["SalonClient", "SalonClientError"]
