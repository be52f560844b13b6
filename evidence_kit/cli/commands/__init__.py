"""Sub-command modules; each defines register(subparsers)."""
