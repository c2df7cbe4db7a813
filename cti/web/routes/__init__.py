"""One module per resource of the HTTP API, each with its own `routes` table."""
