"""The authority registry (data/official/authorities.csv, authority_names.csv) and the
mentions the classifier reads from it: every code reachable by its names, the old
confusions fixed (HK/TW/MO/JP/KR bureaus, Inland Revenue, DVLA, GOV.UK, council tax, Arc
de Triomphe, 'ato' in tomato, 'sat' in "I sat down"), names in their own languages, tax
bodies of unknown code, strict loaders and linear matching."""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from classifiers.authorities import authority_spans, by_original, finder
from classifiers.decide import authority_of, impersonates_tax
from classifiers.normalize import MAX_TEXT_CHARS, normalize_with_offsets
from classifiers.patterns import find_links
from classifiers.signals import extract_signals, fast_signals
from fraudwatch.indicators.authorities import DATA_DIR, load_registry, read_authorities, read_names
from fraudwatch.indicators.mentions import lower
from tests.linear import LARGE_CHARS, SMALL_CHARS, repeat_to, work, worst_inputs

# The codes every helper uses (notes/common.md); the registry may hold more (generic
# government codes of the namespaces).
COMMON_CODES = {
    "CN-STA", "HK-IRD", "MO-DSF", "TW-MOF", "JP-NTA", "KR-NTS", "SG-IRAS", "MY-LHDN", "ID-DJP", "TH-RD", "PH-BIR",
    "VN-GDT", "IN-ITD", "PK-FBR", "AU-ATO", "NZ-IRD", "AE-FTA", "SA-ZATCA", "IL-ITA", "TR-GIB", "ZA-SARS", "KE-KRA",
    "NG-FIRS", "EG-ETA", "GH-GRA", "US-IRS", "US-CA-FTB", "US-NY-DTF", "US-MA-DOR", "US-TX-CPA", "CA-CRA", "CA-RQ",
    "MX-SAT", "BR-RFB", "AR-ARCA", "CL-SII", "CO-DIAN", "UK-HMRC", "UK-DVLA", "UK-COUNCIL", "IE-REV", "FR-DGFIP",
    "DE-BZST", "ES-AEAT", "IT-ADE", "PT-AT", "NL-BD", "BE-FPSF", "LU-ACD", "AT-BMF", "CH-ESTV", "DK-SKAT", "SE-SKV",
    "NO-SKE", "FI-VERO", "PL-KAS", "CZ-FS", "HU-NAV", "GR-AADE", "EE-EMTA", "UK-GOV", "AU-GOV"}


def codes(text: str) -> list[str | None]:
    """Authority codes of the mentions in `text`, as the verdict sees them (fast path,
    settled on the original text)."""
    norm, offsets = normalize_with_offsets(text)
    norm = norm[:MAX_TEXT_CHARS]
    spans = by_original(fast_signals(norm), text, norm, offsets)
    return [s.detail for s in spans if s.name == "authority"]


def test_registry_covers_the_common_codes():
    registry = load_registry()
    assert set(registry.authorities) >= COMMON_CODES
    assert registry.kind("UK-GOV") == registry.kind("AU-GOV") == "government"
    assert registry.kind("UK-DVLA") == "vehicle_tax" and registry.kind("UK-COUNCIL") == "local_tax"
    assert registry.tax_body("GB") == "UK-HMRC" and registry.tax_body("US-CA") == "US-CA-FTB"
    assert all(a.source.startswith("https://") for a in registry.authorities.values())


@pytest.mark.parametrize("code", sorted(load_registry().authorities))
def test_every_code_is_reachable_by_one_of_its_names(code):
    registry = load_registry()
    rows = [r for r in registry.names if r.code == code and r.rule in ("name", "generic")]
    assert rows, f"{code} has no name"
    reached = [r.name for r in rows if codes(r.name) == [code]]
    assert reached, f"no name of {code} names it alone: {[r.name for r in rows][:5]}"


def test_every_plain_name_names_its_code_alone():
    registry = load_registry()
    names = [row for row in registry.names if row.rule == "name"]
    assert len(names) >= 400
    wrong = []
    for row in names:
        if find_links(lower(row.name)):  # GOV.UK, gov.br: a link in a message, judged as one
            found = {s.detail for s in fast_signals(row.name) if s.name == "url_official"}
        else:
            found = set(codes(row.name)) if len(codes(row.name)) == 1 else set()
        if found != {row.code}:
            wrong.append((row.code, row.name, codes(row.name)))
    assert not wrong, wrong[:10]


def test_context_names_need_their_country():
    registry = load_registry()
    cue = {}
    for row in registry.names:
        if row.rule == "cue" and row.code:
            cue.setdefault(registry.region(row.code), row.name)
    for row in registry.names:
        if row.rule == "context":
            assert row.code not in codes(row.name), row
            assert row.code in codes(f"{row.name} ({cue[registry.region(row.code)]})"), row


@pytest.mark.parametrize("text, expected", [
    # Chinese-script bureaus, matched on the original text (before Traditional -> Simplified)
    ("【香港稅務局】閣下多繳薪俸稅，請登入核對", ["HK-IRD"]),
    ("香港居民請注意：稅務局不會以短信要求閣下提供銀行資料", ["HK-IRD"]),
    ("你好，呢度係稅務局，你有一份稅務文件涉及違規", ["HK-IRD", "CN-STA"]),  # Cantonese: Hong Kong
    ("【稅務局】貴司已被列為非正常戶，請加QQ群辦理解除", ["CN-STA"]),  # a mainland scam in Traditional
    ("國稅局通知：您的綜所稅退稅尚未領取", ["TW-MOF"]),
    ("【財政部】您有一筆退稅款", ["TW-MOF"]),
    ("财政部北区国税局提醒", ["TW-MOF"]),
    ("国税局通知：您有一笔退税款", ["CN-STA"]),
    ("【澳門財政局】您的職業稅退稅", ["MO-DSF"]),
    ("澳门居民：财政局提醒您按时缴纳", ["MO-DSF"]),
    ("財政局通知：請於本月繳納", []),  # a finance bureau with no Macao context is nobody
    ("国税庁からのお知らせ：還付金があります", ["JP-NTA"]),
    ("東京国税局です。還付金の手続きをしてください", ["JP-NTA"]),
    ("[국세청] 환급금이 있습니다", ["KR-NTS"]),
    ("韩国国税厅提醒您", ["KR-NTS"]),
    # Inland Revenue by its country
    ("Inland Revenue Department: your salaries tax refund of HK$4,286 is ready", ["HK-IRD"]),
    ("Inland Revenue: log in to myIR to see your refund", ["NZ-IRD", "NZ-IRD"]),
    ("Inland Revenue: you are due a refund of NZ$825", ["NZ-IRD"]),
    ("Inland Revenue: you are owed £312 from the 2023 tax year", ["UK-HMRC"]),
    ("This is Inland Revenue, you owe back taxes", [None]),
    ("IRD notice: refund waiting", []),
    # UK: vehicle tax, GOV.UK, councils
    ("DVLA: your vehicle tax payment failed", ["UK-DVLA", "UK-DVLA"]),
    ("Visit GOV UK to renew", ["UK-GOV"]),
    ("Your council tax band has been re-assessed, you are owed £150", ["UK-COUNCIL"]),
    ("HMRC: tax refund", ["UK-HMRC"]),
    # Canada, and what is not Canada
    ("We toured the Arc de Triomphe yesterday", []),
    ("ARC DE TRIOMPHE tickets", []),
    ("ARC: remboursement de 430 $ au Canada", ["CA-CRA"]),
    ("Agence du revenu du Canada : remboursement", ["CA-CRA"]),
    ("Agence du revenu du Québec : remboursement", ["CA-RQ"]),
    ("CRA: refund via Interac", ["CA-CRA"]),
    # short acronyms: capitals, whole words
    ("I bought a tomato and sat down", []),
    ("ato, cra, sat, bir, kra in lower case name nobody", []),
    ("I sat the SAT exam", []),
    ("SAT: tu devolución está lista, México", ["MX-SAT"]),
    ("SAT: your refund is ready", []),
    ("Your ATO refund", ["AU-ATO"]),
    ("A.T.O: refund pending", ["AU-ATO"]),
    ("BIR: pay your tax", ["PH-BIR"]),
    ("KRA PIN update", ["KE-KRA"]),
    ("SARS: your eFiling refund", ["ZA-SARS"]),
    ("SARS-CoV-2 and SARS virus news", []),
    ("Reembolso de IRS disponível no Portal das Finanças", ["PT-AT", "PT-AT"]),
    ("IRS: your refund is pending", ["US-IRS"]),
])
def test_confusions_are_fixed(text, expected):
    assert codes(text) == expected


@pytest.mark.parametrize("text, code", [
    ("Lembaga Hasil Dalam Negeri: bayaran balik cukai anda", "MY-LHDN"),
    ("Direktorat Jenderal Pajak: pengembalian pajak Anda", "ID-DJP"),
    ("กรมสรรพากร แจ้งคืนภาษี", "TH-RD"),
    ("Tổng cục Thuế thông báo hoàn thuế", "VN-GDT"),
    ("Cục Thuế TP.HCM thông báo", "VN-GDT"),
    ("آپ کا ریفنڈ: فیڈرل بورڈ آف ریونیو", "PK-FBR"),
    ("الهيئة الاتحادية للضرائب: استرداد", "AE-FTA"),
    ("هيئة الزكاة والضريبة والجمارك", "SA-ZATCA"),
    ("רשות המסים: החזר מס", "IL-ITA"),
    ("Gelir İdaresi Başkanlığı: iade", "TR-GIB"),
    ("आयकर विभाग: रिफंड", "IN-ITD"),
    ("Bundeszentralamt für Steuern: Erstattung", "DE-BZST"),
    ("Direction générale des Finances publiques : remboursement", "FR-DGFIP"),
    ("Agencia Tributaria: devolución", "ES-AEAT"),
    ("Receita Federal: restituição", "BR-RFB"),
    ("Agenzia delle Entrate: rimborso", "IT-ADE"),
    ("Belastingdienst: teruggave", "NL-BD"),
    ("FOD Financiën: terugbetaling", "BE-FPSF"),
    ("Skatteverket: återbetalning", "SE-SKV"),
    ("Skatteetaten: skatteoppgjør", "NO-SKE"),
    ("Skattestyrelsen: tilbagebetaling", "DK-SKAT"),
    ("Verohallinto: veronpalautus", "FI-VERO"),
    ("Urząd Skarbowy: zwrot podatku", "PL-KAS"),
    ("Finanční správa: přeplatek", "CZ-FS"),
    ("Nemzeti Adó- és Vámhivatal: visszatérítés", "HU-NAV"),
    ("ΑΑΔΕ: επιστροφή φόρου", "GR-AADE"),
    ("Maksu- ja Tolliamet: tagastus", "EE-EMTA"),
    ("Eidgenössische Steuerverwaltung: Rückerstattung", "CH-ESTV"),
    ("FinanzOnline: Ihre Gutschrift", "AT-BMF"),
    ("Administration des contributions directes : remboursement", "LU-ACD"),
    ("Autoridade Tributária e Aduaneira: reembolso", "PT-AT"),
    ("Servicio de Administración Tributaria: devolución", "MX-SAT"),
    ("AFIP: reintegro", "AR-ARCA"),
    ("Servicio de Impuestos Internos de Chile: devolución", "CL-SII"),
    ("DIAN: devolución de saldo a favor", "CO-DIAN"),
    ("Franchise Tax Board: refund", "US-CA-FTB"),
    ("加拿大稅務局：退稅", "CA-CRA"),
    ("新加坡税务局：退税通知", "SG-IRAS"),
])
def test_native_language_names(text, code):
    assert code in codes(text)


@pytest.mark.parametrize("text, expected", [
    ("The Tax Office: your refund is waiting", [None]),
    ("Message from the tax authority: pay the fine today", [None]),
    ("Thailand's Revenue Department: your refund", ["TH-RD"]),
    ("UK Tax Office: refund ready", ["UK-HMRC"]),
    ("Tax Department notice: pay the fine of 2,500,000 VND today", ["VN-GDT"]),
    ("柬埔寨税务机关通知：您有一笔退税", [None]),
    ("税务机关通知：您有一笔退税", ["CN-STA"]),
])
def test_tax_bodies_of_unknown_code(text, expected):
    assert codes(text) == expected


@pytest.mark.parametrize("text, expected", [
    # international phone numbers show their country (+1 by area code)
    ("Inland Revenue: final warning about unpaid tax. Call +64 9 555 0183", ["NZ-IRD"]),
    ("The Tax Office: you owe £0. Call +44 20 3769 0192 today", ["UK-HMRC"]),
    ("Tax office: you have an outstanding balance. Call +1 416 555 0142", ["CA-CRA"]),
    ("Tax office: you have an outstanding balance. Call +1 305 555 0181", ["US-IRS"]),
    ("Tax office: pay now. Call +855 12 345 678", [None]),  # a country the registry lacks
    ("Tax office: order no. 44 2037 690 192, pay now", [None]),  # no +: not a phone's country
    # cities, currencies, programmes, IDs
    ("Toronto residents: the tax man says you owe $2,890", ["CA-CRA"]),
    ("This is the income tax officer from Mumbai, pay now", ["IN-ITD"]),
    ("Revenue has found an underpayment on your London property", ["UK-HMRC"]),
    ("Revenue: your refund is ready", []),  # Revenue alone: Ireland's or the UK's, only with the country
    ("稅局通知：閣下薪俸稅多繳HK$3,820，請登入核實", ["HK-IRD"]),
    ("伦敦税务局通知：您需补缴£1,200", ["UK-HMRC"]),
    ("台中市稅捐處：您的房屋稅逾期未繳", ["TW-MOF"]),
    # a generic name with a code ("税务局": CN-STA) yields only to a country shown twice and more
    ("悉尼的朋友们注意：税务局短信说您有退税澳币560", ["AU-ATO"]),
    ("温哥华华人注意：税局来电称您欠税3,800加元", ["CA-CRA"]),
    ("税务部门通知：请于今日核实您的个人信息，否则冻结您在香港的账户", ["CN-STA"]),
    ("稅務機關通知：您須補繳稅款新臺幣8,800元，請聯繫 +886 912 345 018", ["TW-MOF"]),
    # Traditional 稅務局 is Hong Kong's Inland Revenue Department by its official Chinese name;
    # one sign of the mainland gives it back (a weaker guess than a name)
    ("【稅務局】閣下有一筆退稅款項待領取，請於24小時內登入核實銀行資料", ["HK-IRD"]),
    ("稅務局通知：貴公司稅控盤需於本週內升級", ["CN-STA"]),
    ("税务局通知：您有一笔退税款待领取", ["CN-STA"]),  # Simplified: the mainland's
])
def test_generic_names_take_the_country_the_text_shows(text, expected):
    assert codes(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Making Tax Digital: your VAT registration will be cancelled, verify at mtd-check.top", "UK-HMRC"),
    ("Your ITR refund of Rs 8,730 is ready. Click to verify bank details", "IN-ITD"),
    ("Your 2025 Form 1040 was rejected because your W-2 could not be verified", "US-IRS"),
    ("Fisco federal: contribuintes de São Paulo com pendências, pague o boleto", "BR-RFB"),
    ("Call +65 8123 4567 today about your income tax arrears", "SG-IRAS"),
    ("HMRC: your refund of US$ 300 is waiting, call +1 305 555 0181", "UK-HMRC"),  # names vote first
    ("Your refund of $420 is waiting, confirm your card", None),  # a $ alone shows no country
    # a country code standing alone in a host label (not the last) shows that country
    ("Your tax refund is pending, verify at https://etax-hk.top/refund within 24 hours", "HK-IRD"),
    ("Tax refund of $612 waiting: claim at refund-nz.info before Friday", "NZ-IRD"),
    ("Your tax refund is ready: https://uk.refund-portal.cc", "UK-HMRC"),
    ("Your tax refund is ready: https://my-refund.in/claim", None),  # my, in: words and the TLD
])
def test_authority_falls_back_to_the_country_the_text_shows(text, expected):
    norm, offsets = normalize_with_offsets(text)
    spans = by_original(fast_signals(norm), text, norm, offsets)
    assert authority_of(spans, tax=True, norm=norm) == expected


def test_phone_regions_are_bounded_and_linear():
    found = finder()
    assert found.phone_regions("call +44 20 3769 0192 or +61 2 8077 4412") == [("GB", 5), ("AU", 25)]
    assert len(found.phone_regions(" ".join(["+44 20 3769 0192"] * 1000))) <= 20
    for unit in ("+44 20 3769 0192 ", "+1 (", "+1 (416) 555-", "+ 1", "1-2-3-4 ", "Sydney +"):
        small, large = repeat_to(unit, SMALL_CHARS, "!"), repeat_to(unit, LARGE_CHARS, "!")
        ratio, growth = work(found.region, small, large, max_ratio=400.0, max_growth=8.0)
        assert growth < 8.0, (unit, ratio, growth)


def test_host_regions_are_bounded_and_linear():
    found = finder()
    assert found.host_regions("see etax-hk.top and refund.ird-nz.com.cc") == [("HK", 4), ("NZ", 20)]
    assert found.host_regions("my-refund.in us-tax.it co.uk") == []
    assert len(found.host_regions(" ".join(["a-hk.top"] * 1000))) <= 20
    for unit in ("a-hk.top ", "a.", "a-", "hk.hk.hk.", "x" * 70 + ".", "-.-"):
        small, large = repeat_to(unit, SMALL_CHARS, "!"), repeat_to(unit, LARGE_CHARS, "!")
        ratio, growth = work(found.region, small, large, max_ratio=400.0, max_growth=8.0)
        assert growth < 8.0, (unit, ratio, growth)


def _spans(text: str):
    norm, offsets = normalize_with_offsets(text)
    return by_original(fast_signals(norm), text, norm, offsets)


def test_tax_impersonation_and_authority_from_spans():
    generic = _spans("The Tax Office: your refund is waiting, confirm your card at refund-now.top")
    assert impersonates_tax(generic) and authority_of(generic, tax=True) is None
    gov = _spans("GOV UK: your energy discount was not applied, confirm your card")
    assert not impersonates_tax(gov)
    assert authority_of(gov, tax=False) == "UK-GOV"
    assert authority_of(gov, tax=True) == "UK-HMRC"  # a tax scam dressed as GOV.UK is HMRC's
    both = _spans("HMRC: your council tax refund")  # as often named: the national body
    assert authority_of(both, tax=True) == "UK-HMRC"
    shown = _spans("Your tax refund of 21,600 INR is ready, pay the fee")
    assert authority_of(shown, tax=True, norm="Your tax refund of 21,600 INR is ready, pay the fee") == "IN-ITD"


def test_unknown_tax_body_makes_a_tax_scam_with_no_authority(clf):
    scam = clf.classify("The Tax Office: your tax refund of $420 is waiting. Confirm your card number and CVV at "
                        "tax-refund-claim.top within 24 hours or it expires.")
    assert scam["label"] == "scam" and scam["tax_impersonation"] and scam["authority"] is None
    zh = clf.classify("柬埔寨税务机关通知：您有一笔退税款，请点击 kh-refund.top 填写银行卡号和验证码")
    assert zh["label"] == "scam" and zh["tax_impersonation"] and zh["authority"] is None
    assert clf.classify_many([zh_text := "【財政部】您有一筆退稅款，請點擊 mof-tuishui.top 填寫銀行卡號和驗證碼"])[0][
        "authority"] == clf.classify(zh_text)["authority"] == "TW-MOF"


def test_signals_show_the_original_code_and_text():
    text = "【國稅局】您的退稅款請登錄 tw-refund.top"
    found = [s for s in extract_signals(text) if s["name"] == "authority"]
    assert [(s["authority"], s["text"]) for s in found] == [("TW-MOF", "國稅局")]


def test_names_inside_links_are_not_mentions():
    assert "authority" not in {s.name for s in fast_signals("first time at https://irs-help.example.com/ato")}
    norm = "see https://ird.gov.hk/x then Inland Revenue"
    links = [s for s in fast_signals(norm) if s.name == "url"]
    assert [s.detail for s in authority_spans(norm, links)] == ["HK-IRD"]  # the link still shows the country


def _copy(tmp_path: Path) -> Path:
    data = tmp_path / "official"
    shutil.copytree(DATA_DIR, data)
    return data


def _append(path: Path, row: list[str]) -> int:
    with path.open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow(row)
    return sum(1 for _ in path.open(encoding="utf-8"))


@pytest.mark.parametrize("row, message", [
    (["XX-NOPE", "Nope", "en", "any", "name"], "unknown authority code 'XX-NOPE'"),
    (["US-IRS", "IRS refund desk", "en", "upper", "name"], "unknown case 'upper'"),
    (["US-IRS", "IRS refund desk", "en", "any", "nickname"], "unknown rule 'nickname'"),
    (["US-IRS", "IRS refund desk", "english", "any", "name"], "bad language 'english'"),
    (["US-IRS", "Internal Revenue Service", "en", "any", "name"], "listed twice"),
    (["", "Some office", "en", "any", "name"], "a name row needs an authority code"),
    (["US-IRS", "Arc de Something", "en", "any", "exclude"], "an exclude row has no authority code"),
    (["US-IRS", "", "en", "any", "name"], "bad name"),
])
def test_names_loader_refuses_bad_rows_with_their_line(tmp_path, row, message):
    path = _copy(tmp_path) / "authority_names.csv"
    line = _append(path, row)
    with pytest.raises(ValueError) as err:
        read_names(path, read_authorities(path.parent / "authorities.csv"))
    assert f"authority_names.csv line {line}" in str(err.value) and message in str(err.value)


@pytest.mark.parametrize("row, message", [
    (["US-IRS", "Again", "", "US", "https://www.irs.gov/", "tax", "US", "en"], "US-IRS listed twice"),
    (["XX-TAX", "X", "", "XX", "https://x.example/", "fiscal", "XX", "en"], "unknown kind 'fiscal'"),
    (["XX-TAX", "X", "", "XX", "https://x.example/", "tax", "YY", "en"], "bad region 'YY'"),
    (["XX-TAX", "X", "", "XX", "https://x.example/", "tax", "XX", "english"], "bad languages"),
    (["XX-TAX", "X", "", "XX", "http://x.example/", "tax", "XX", "en"], "https:// source"),
    (["UK-TAXB", "Second", "", "GB", "https://x.example/", "tax", "GB", "en"], "already has a national tax body"),
    (["irs", "lower", "", "US", "https://x.example/", "tax", "US", "en"], "bad code 'irs'"),
])
def test_authorities_loader_refuses_bad_rows_with_their_line(tmp_path, row, message):
    path = _copy(tmp_path) / "authorities.csv"
    line = _append(path, row)
    with pytest.raises(ValueError) as err:
        read_authorities(path)
    assert f"authorities.csv line {line}" in str(err.value) and message in str(err.value)


def test_loaders_refuse_a_missing_column(tmp_path):
    path = tmp_path / "authority_names.csv"
    path.write_text("code,name,language,rule\nUS-IRS,IRS,und,name\n", encoding="utf-8")
    with pytest.raises(ValueError, match="missing column.*case"):
        read_names(path, {"US-IRS"})


def test_shipped_registry_loads_and_names_are_unique_per_rule():
    load_registry.cache_clear()
    registry = load_registry(str(DATA_DIR))
    assert len(registry.authorities) >= 60 and len(registry.names) >= 900


LINEAR_TEXTS = ["Inland" + " " * 8, "Inland Revenu", "税务", "稅務局香港", "IRS ", "a", "Arc de Triomph", "SAT ",
                "Hong Kong ", "£", "ato", "Agence du revenu du Q", "国税", "SARS-Co", "tax office "]


@pytest.mark.parametrize("unit", LINEAR_TEXTS)
def test_matching_is_linear_on_long_hostile_input(unit):
    find = finder().find
    small, large = repeat_to(unit, SMALL_CHARS, "!"), repeat_to(unit, LARGE_CHARS, "!")
    ratio, growth = work(find, small, large, max_ratio=400.0, max_growth=8.0)
    assert growth < 8.0, (unit, ratio, growth)


def test_match_patterns_are_linear():
    for pattern in finder().patterns.values():
        for unit, tail in worst_inputs(pattern, keep=1):
            small, large = repeat_to(unit, SMALL_CHARS, tail), repeat_to(unit, LARGE_CHARS, tail)
            ratio, growth = work(lambda text, p=pattern: [m.span() for m in p.finditer(text)], small, large, 100.0, 8.0)
            assert ratio < 100.0 and growth < 8.0, (unit, tail, ratio, growth)
