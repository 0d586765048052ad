"""Async Python client for Salon: REST + Socket.IO, with automatic rejoin and catch-up."""

from salon_client.client import SalonClient, SalonClientError
from salon_client.document import DocumentClient

__all__ = ["DocumentClient", "SalonClient", "SalonClientError"]
