"""WhiteNoise, pointed at STATIC_ROOT only once `collectstatic` has made it.

In a fresh clone (and in the tests) STATIC_ROOT does not exist yet and the
finders serve the files (WHITENOISE_USE_FINDERS); plain WhiteNoise would still
add the missing folder and warn "No directory at: .../var/static/" for every
handler Django builds.  Without the finders a missing STATIC_ROOT is a real
mistake, and the warning stays.
"""

from __future__ import annotations

from pathlib import Path

from whitenoise.middleware import WhiteNoiseMiddleware


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    def add_files(self, root, prefix=None):
        if root == self.static_root and self.use_finders and not Path(root).is_dir():
            return  # nothing collected yet; the finders serve every file
        super().add_files(root, prefix)
