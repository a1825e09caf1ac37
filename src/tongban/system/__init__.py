"""Platform housekeeping."""
