"""The package version, in a module of its own: what reports print, without importing the whole package."""

__version__ = "0.1.0"
