"""intake: the public, unauthenticated endpoint a marketing site posts inquiries to."""
