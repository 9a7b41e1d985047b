"""The code labels (fraudwatch/web/labels.py) as the console templates' `label(kind, code)`.
Forms keep the code as the <option value> and show the label."""
from __future__ import annotations

from fraudwatch.console import bp
from fraudwatch.web.labels import label

bp.add_app_template_global(label, "label")
