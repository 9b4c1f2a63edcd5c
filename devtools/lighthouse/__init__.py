"""Lighthouse scores (`make lighthouse`): run.py serves the site and runs the Lighthouse pinned
in package.json (installed here by `npm ci`, into node_modules/) against it."""
