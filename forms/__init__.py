"""Form definitions and the form handler; Pelican-free, so the handler ships alone."""
