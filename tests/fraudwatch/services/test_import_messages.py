"""Which sender of an imported message becomes an indicator."""
from __future__ import annotations

import pytest

from fraudwatch.services.imports.messages import _sender_email


@pytest.mark.parametrize("sender, email", [
    ("国家税务总局 <notice@chinatax-gov.top>", "notice@chinatax-gov.top"),
    ("refund@hmrc-refund.example", "refund@hmrc-refund.example"),
    ("HMRC  refund@hmrc-refund.example  ", "refund@hmrc-refund.example"),
    ("<a.b+c@x.co.uk>", "a.b+c@x.co.uk"),
    ("no address here", None), ("", None), ("a@b", None), ("x <not an address>", None),
    ("a" * 100_000, None), ("a@" * 50_000, None),
])
def test_the_sender_address_is_read_from_its_last_word_or_brackets(sender, email):
    assert _sender_email(sender) == email
