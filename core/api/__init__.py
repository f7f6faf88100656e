"""The JSON API under ``/api/v1``: bearer tokens, problem+json errors, the OpenAPI document."""
