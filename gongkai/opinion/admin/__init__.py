"""The opinion monitor's configuration in the staff admin: sources and data vendors' clients.

Its hooks (``admin/wagtail_hooks.py``) are imported by ``OpinionConfig.ready``; the analysts'
workspace (feed, event board, topics) is ``gongkai.opinion.workspace``.
"""
