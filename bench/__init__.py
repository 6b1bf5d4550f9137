"""``make bench``: the services measured next to their peers on the same machine, in one run."""
