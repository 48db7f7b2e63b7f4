"""Canned responses."""
