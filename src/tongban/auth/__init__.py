"""Who is calling: bearer JWTs become principals."""
