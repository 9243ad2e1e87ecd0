"""Helper package for the executable book on implementation support.

One module per idea, each importable on its own: ``data`` (validated datasets),
``plotting`` (house style and figures with alt text), ``exercises`` (self-checks for
learners), ``cli`` (the ``implsupport`` command), ``cases`` (CFIR ratings and QCA) and
``sustainment`` (survival, a simulated funding round and the referral pipeline).
"""

__version__ = "0.1.0"
