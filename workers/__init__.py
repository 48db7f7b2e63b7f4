"""Celery worker and beat: run events through automation, deliver messages, sweep."""
