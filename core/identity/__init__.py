"""Federated login through each authority's OpenID provider, sessions and API tokens."""
