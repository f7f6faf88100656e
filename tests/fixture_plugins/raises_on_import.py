"""A plugin whose release is broken: importing it raises."""

raise RuntimeError("this release is broken on purpose")
