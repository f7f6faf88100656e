"""My work: each person's page of what waits for them (issue 21)."""
