"""政府信息公开工作年度报告: the annual report in the official formats (2019 and 2021)."""
