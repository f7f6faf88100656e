"""Webhooks: other systems hear of the platform's changes (core.webhooks.services)."""
