"""The three deployable services."""
