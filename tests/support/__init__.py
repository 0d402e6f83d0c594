"""Shared test helpers: the sandbox process and the real pulumi CLI."""
