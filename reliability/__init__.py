"""The reliability suite of puddle.cloud (docs/reliability.md); run it with scripts/reliability."""
