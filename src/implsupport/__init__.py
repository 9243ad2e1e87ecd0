"""Helper package for the executable book on implementation support.

One module per idea, each importable on its own: ``data`` (validated datasets),
``plotting`` (house style and figures with alt text), ``exercises`` (self-checks for
learners), ``cli`` (the ``implsupport`` command), ``moderation`` (simple slopes,
Johnson–Neyman bounds, multilevel and logistic moderation), ``power`` (power for interactions),
``diffusion`` and ``careers`` (push, pull and co-creation), ``cases`` (CFIR ratings and QCA),
``sustainment`` (survival, a simulated funding round and the referral pipeline),
``facilitation`` (published results on facilitation, side by side and recomputed), ``course``
(handouts, grading, signed records and certificates; ``records`` keeps the
record functions' old import path) and ``website`` (the built
site in a browser).
"""

__version__ = "0.1.0"
