"""One module per CLI sub-command; each exposes ``register(subparsers)``.

``register`` adds a sub-parser and sets ``func=handler`` on it; the handler takes
the parsed ``argparse.Namespace`` and returns an exit status.  Discovery is by
package scan, so adding a command edits no central file.
"""
