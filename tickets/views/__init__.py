"""The tickets app's pages: thin views over the selectors (reads) and the services (writes)."""
