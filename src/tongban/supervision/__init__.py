"""Supervision (电子监察): open warnings and performance figures per department and region."""
