"""HTTP layer: thin blueprints over the domain modules."""
