"""nbval settings for the chapter notebooks.

Figures are glued for the book (myst-nb stores them under a papermill record type); like nbval's
own default for image/png, their pixels are not compared, while every textual output is.
"""

from nbval.plugin import IPyNbFile


def pytest_collectstart(collector):
    if isinstance(collector, IPyNbFile):
        collector.skip_compare += ("application/papermill.record/image/png",)
