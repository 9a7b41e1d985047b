"""Public pages (awareness pages come in a later issue): the home page."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    """What fraudwatch is and how to use its API."""
    return render_template("public/index.html")
