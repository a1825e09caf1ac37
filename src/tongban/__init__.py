"""Tongban (通办): unified online government service platform back end."""
