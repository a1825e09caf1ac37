"""Notifications: events become SMS and e-mail messages, sent through outbound channels."""
