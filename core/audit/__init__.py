"""The audit log: every write, by anyone, through any channel, with the values before and after."""
