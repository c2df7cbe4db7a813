"""Signing in: password hashing, login throttling and the `cti user` commands."""
