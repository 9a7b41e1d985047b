"""Indicators and official lists: what a host name is (one normaliser), what a URL, domain,
phone, e-mail, company name or bank account is once normalised, how to find them in text
(one link and e-mail finder), which domains and hotlines are official (and which only look
so), which domains are shared hosting, and how to decode bytes of unknown charset. Pure:
stdlib, tldextract, phonenumbers, idna; its data files are `fraudwatch.data`. The
classifier, the crawler and the service all stand on it."""
from __future__ import annotations

from fraudwatch.indicators.extract import Found, extract_indicators, indicators_in_text
from fraudwatch.indicators.hosts import normalize_host, public_tlds, url_host
from fraudwatch.indicators.normalize import (
    INDICATOR_TYPES,
    MAX_HOST_LENGTH,
    MAX_VALUE_LENGTH,
    Normalized,
    normalize,
    normalize_bank_account,
    normalize_company,
    normalize_domain,
    normalize_email,
    normalize_phone,
    normalize_url,
    refang,
    registrable_domain,
    shared_site,
    unicode_host,
    url_match_key,
)
from fraudwatch.indicators.official import clean_host

__all__ = ["INDICATOR_TYPES", "MAX_HOST_LENGTH", "MAX_VALUE_LENGTH", "Normalized", "Found", "normalize",
           "normalize_url", "url_match_key", "normalize_domain", "normalize_phone", "normalize_email",
           "normalize_company", "normalize_bank_account", "extract_indicators", "indicators_in_text",
           "registrable_domain", "shared_site", "unicode_host", "refang", "clean_host", "normalize_host",
           "url_host", "public_tlds"]
