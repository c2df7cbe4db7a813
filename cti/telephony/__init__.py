"""Adapters to the PBX: AMI (events and actions) and FastAGI."""
