"""Authentication of puddle.client."""
