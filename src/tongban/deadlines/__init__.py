"""Working-day deadlines: pure calendar arithmetic (no database needed) and the clocks built on it."""
