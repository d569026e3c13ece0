from gongkai.hotline.models import Status


def test_walk_to_every_state(clock, walk):
    for state in Status.values:
        assert walk(state).status == state
