"""The project is described in pyproject.toml; this file only adds the optional C extensions.

``gongkai.opinion.analysis._events_core`` is the compiled hot path of the events stage
(docs/opinion-events.md, "Speed"), ``_dedupe_core`` the exact-Jaccard step of the near-duplicate
index (docs/opinion-dedupe.md) and ``_sentiment_core`` the sentiment model's n-gram sums
(docs/opinion-sentiment.md). All are optional: without a C compiler the install goes on and
the pure-Python (numpy) paths run, with the same results.
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
        ),
        Extension(
            "gongkai.opinion.analysis._dedupe_core",
            ["gongkai/opinion/analysis/_dedupe_core.c"],
            depends=["gongkai/opinion/analysis/_buffer.h"],
            extra_compile_args=["-O2"],
            optional=True,
        ),
        Extension(
            "gongkai.opinion.analysis._sentiment_core",
            ["gongkai/opinion/analysis/_sentiment_core.c"],
            depends=["gongkai/opinion/analysis/_buffer.h"],
            extra_compile_args=["-O2", "-ffp-contract=off", "-fno-fast-math"],
            optional=True,
        ),
    ]
)
