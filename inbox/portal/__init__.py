"""The customer's side: the portal's settings and channel (`config`), passwordless sign-in
with one-time links and codes (`sign_in`), customer sessions (`sessions`), departments with
their FAQ first (`departments`), what a customer sees of their tickets and may do there
(`requests`), the emails that tell customers (`notices`) and the pages (`pages`). It builds
on `inbox.services` and its tickets; the core never imports it back (only the app, the
middleware and the workers do)."""
