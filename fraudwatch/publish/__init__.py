"""What fraudwatch publishes about reports (issue #12): confirmed examples made safe to show
anyone, personal data masked and links defanged (`redact`). Pure text processing on the
indicator package, no Flask, database or Redis."""
from __future__ import annotations

from fraudwatch.publish.redact import Redacted, defang, redact, redact_html_safe

__all__ = ["Redacted", "defang", "redact", "redact_html_safe"]
