"""The notifier: SPEC §8 WebSocket delivery of the inquiry event stream."""
