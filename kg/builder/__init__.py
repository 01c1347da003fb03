"""The build: the full build, the incremental build, the build state and the extraction cache, in one room."""

from kg.builder.common import SMALL_CORPUS, BuildReport, Progress
from kg.builder.run import DEFAULT_OUT, build

__all__ = ["BuildReport", "Progress", "build", "DEFAULT_OUT", "SMALL_CORPUS"]
