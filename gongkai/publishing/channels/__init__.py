"""Release of published documents to every channel: the website, Weibo and WeChat (发布渠道).

See docs/publishing-channels.md.
"""
