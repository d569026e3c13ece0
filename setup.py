"""The project is described in pyproject.toml; this file only adds the optional C extension.

``gongkai.opinion.analysis._events_core`` is the compiled hot path of the events stage
(docs/opinion-events.md, "Compiled path"). It is optional: without a C compiler the install goes
on and the pure-Python path runs, with the same results.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "gongkai.opinion.analysis._events_core",
            ["gongkai/opinion/analysis/_events_core.c"],
            # no fused multiply-add: the C path must round exactly like the Python one
            extra_compile_args=["-O2", "-ffp-contract=off", "-fno-fast-math"],
            optional=True,
        )
    ]
)
