"""The analysts' workspace of the opinion monitor in the Wagtail admin (舆情监测).

Live feed, topic editing with a preview of what a rule matches, the event board and event pages, the
alert inbox. Views are thin: reads come from ``workspace.feed`` / ``workspace.board`` (queries of
the workspace's own screens), writes go through ``gongkai.opinion.services``.
"""
