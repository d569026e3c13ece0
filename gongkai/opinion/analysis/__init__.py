"""The opinion pipeline's pure parts: no database, no Django models, fast and testable alone.

normalize → dedupe → rules (topics, sensitive words, places) → sentiment → events → hotness.
The Django app (``gongkai.opinion``) stores what these compute; see docs/opinion.md.
"""
