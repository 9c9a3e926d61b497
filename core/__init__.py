"""The shared core: what the build, the form handler and the office's tools all rely on.

Form definitions, problems and their sentences, reading and writing tables, the data package
and ledger checks, value rules, translations, stamps and sealing. It imports none of its
callers (plugins/, forms/'s handler, office/, tasks.py), and nothing of Pelican.
"""
