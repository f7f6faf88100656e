"""The log of what happened in the platform, read by whoever must react to it."""
