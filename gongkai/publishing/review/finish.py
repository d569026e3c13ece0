"""``WAGTAIL_FINISH_WORKFLOW_ACTION`` target.

Wagtail imports this setting while ``wagtail.models`` itself is being imported, so this module
must import nothing at module level: the work happens in ``services.workflow_finish_publish``.
"""


def publish_workflow_state(workflow_state, user=None):
    from gongkai.publishing.review.services import workflow_finish_publish

    return workflow_finish_publish(workflow_state, user=user)
