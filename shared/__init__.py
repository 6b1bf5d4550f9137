"""Code shared by the intake, backoffice and notifier services."""
