"""The models of puddle.client, built from Puddle's answers."""
