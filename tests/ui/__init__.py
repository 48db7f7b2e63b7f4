"""Browser tests: headless Chromium through Playwright against a running app."""
