"""Feed Audit: a private, local audit of what recommender feeds show you."""

__version__ = "0.1.0"
