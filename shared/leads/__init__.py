"""Lead operations shared by every service that creates inquiries: SLA deadline, repeat links."""
