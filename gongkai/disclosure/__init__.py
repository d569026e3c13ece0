"""依申请公开: disclosure applications under the 2019 Regulations, with their statutory clocks.

Layout: ``models`` (applications and their records), ``grounds`` (reply types and the Table 3
grounds, the one list both the handling and the annual report use), ``workflow`` (the state graph),
``services`` (every change), ``selectors`` (every read), ``annual`` (the annual report sub-app).
"""
