"""Citizen calls: the normalized events Asterisk's stream is translated into, and the record
each call leaves in the call-outcome log."""
