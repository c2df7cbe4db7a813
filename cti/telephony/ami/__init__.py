"""Asterisk Manager Interface: byte framing, actions, sessions."""
