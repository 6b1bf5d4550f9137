"""Public submission of inquiries."""
