"""Development tools: local stand-ins for outside services. Not domain code: production
configuration never points at them."""
