"""The staff workspace of 依申请公开 in the Wagtail admin (``/admin/disclosure/``).

``access`` (who may do what, which rows), ``forms`` (input only), ``actions`` (one form and one
service per action of the application page), ``views`` (thin), ``urls``, ``hooks`` (admin URLs and
the 依申请公开 menu's items). Every change goes through ``gongkai.disclosure.services``.
"""
