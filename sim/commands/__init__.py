"""One module per command; each has `register(subparsers)` which sets `handler=<function(args) -> int>`."""
