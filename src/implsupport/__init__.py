"""Helper package for the executable book on implementation support.

One module per idea, each importable on its own: ``data`` (validated datasets),
``plotting`` (house style and figures with alt text), ``exercises`` (self-checks for
learners), ``cli`` (the ``implsupport`` command) and ``moderation`` (moderation analysis:
simple slopes, Johnson–Neyman bounds, multilevel and logistic moderation). Later chapters
add their own modules.
"""

__version__ = "0.1.0"
