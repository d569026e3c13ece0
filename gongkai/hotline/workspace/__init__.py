"""The staff workspace of the 12345 hotline in the Wagtail admin: queues, the order page, intake, KPIs.

Views are thin: they check access through ``gongkai.hotline.selectors`` and call the services of
``gongkai.hotline.services``; nothing here changes a work order by itself.
"""
