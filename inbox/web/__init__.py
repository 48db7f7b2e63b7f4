"""Server-rendered pages (Jinja2) with small JavaScript modules; no build step."""
