"""Views: thin, scoped through selectors."""
