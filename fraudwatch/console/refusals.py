"""A service's refusal in the reader's language.

Services raise DomainError with an English `message` (what the API and the CLI say) and, for
the refusals an officer meets on the console, a `reason` and its `params`; this module holds
the console's sentence for each reason (extracted into the catalogs with `_l`), so a Chinese
page does not show an English sentence. A refusal without a known reason, or whose sentence
does not fit its params, is shown in the service's English: never hidden."""
from __future__ import annotations

from fraudwatch.exceptions import DomainError
from fraudwatch.web.i18n import catalog
from fraudwatch.web.i18n import mark as _l

SENTENCES = {
    "merge_into_duplicate": _l("Report %(id)s is itself a duplicate of report %(head)s: merge into report "
                               "%(head)s instead."),
    "merge_confirmed": _l("Confirmed reports (%(ids)s) cannot become duplicates: change their status first if "
                          "that is what you mean."),
    "merge_into_itself": _l("A report cannot be merged into itself."),
    "reports_missing": _l("No report %(ids)s exists."),
    "bulk_missing": _l("Nothing was done: %(count)s of the reports do not exist (%(ids)s)."),
    "no_such_officer": _l("No active officer or admin is called %(name)s."),
}


def refusal_text(exc: DomainError) -> str:
    """What to tell the officer about `exc`, in the request's language."""
    sentence = SENTENCES.get(exc.reason or "")
    if sentence is None:
        return exc.message
    try:
        return catalog().ugettext(sentence) % exc.params
    except (KeyError, TypeError, ValueError):  # a translation or params out of step: say it in English
        return exc.message
