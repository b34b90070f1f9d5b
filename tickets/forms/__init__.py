"""The tickets app's page forms: they parse and validate input; the services decide."""
