"""The 12345 hotline core: work orders from every channel, dispatch, deadlines, reply, callback."""
