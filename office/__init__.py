"""The office's tools, run on an editor's computer through tasks.py: building and previewing the
site, new content, reviewing submissions, the register and its imports, figures and keys."""
