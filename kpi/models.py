"""Models come with their issue (see README)."""
