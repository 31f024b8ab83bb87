"""Errors of puddle.client (see puddle_errors)."""
