"""Feeds of the log of changes: the API's /changes, the public Atom feeds of the inventory and
each committee member's private feed."""
