"""Signals and recommendations: structural problems signalled to the authorities and the public (goal 1.2)."""
