"""Application services: they wire the domain to the adapters for one running CTI."""
