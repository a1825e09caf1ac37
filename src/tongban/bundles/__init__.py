"""一件事一次办: bundles of matters applied for at once (issue 16)."""
