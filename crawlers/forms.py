"""Forms on a page: action targets and the sensitive data they ask for.

A field's kind is read from its type, name, id, placeholder, aria-label and the text
of its <label> (Chinese, English and the main languages kits are written in): password,
bank_card, id_number, cvv, otp (验证码), phone, card_expiry, email. Inputs that are in no
<form> (kits collect them by script) make one more form, with method "script" and the
page itself as action, when they ask for anything sensitive.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from bs4 import NavigableString, Tag

from crawlers.markup import attribute, short_text

MAX_FORMS = 50
MAX_FIELDS = 100
MAX_HINT = 200  # characters read from each attribute or label that names a field
MAX_FORM_TEXT = 300
MAX_DEPTH = 256  # ancestors looked at to see whether an input is inside a form

# Order matters: the first matching kind wins (取款密码 is a password, 卡号 a bank card, "code
# de sécurité" a CVV before "code de vérification" is a one-time code, a date of birth before
# a "DD/MM/YYYY" placeholder reads as an expiry). Kits are written in the victims' language:
# French, German, Spanish, Portuguese, Italian, Dutch, Chinese (Simplified and Traditional),
# Japanese and Korean names of the same fields are read too, from the names, ids,
# placeholders and labels analysts look at. Every alternative is a literal or a bounded
# repeat (tests/test_linear_text.py).
_KIND_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cvv", re.compile(r"cvv|cvc|cvn|ccv|cid\b|csc\b|security.?code|card.?verif|安全码|安全碼|校验码|背面.{0,4}[三3]位|"
                       r"卡背|cryptogramme|code de s[ée]curit|pr[üu]f(nummer|ziffer)|sicherheitscode|"
                       r"c[óo]digo de segur(idad|an[çc]a)|codice di sicurezza|セキュリティコード|보안 ?코드", re.I)),
    ("birth_date", re.compile(r"birth|\bdob\b|d\.o\.b|naissance|geburt|nacimiento|nascita|nascimento|出生|生日|"
                              r"生年月日|생년월일", re.I)),
    ("card_expiry", re.compile(r"expir|exp.?date|exp.?(month|year|mon|mm|yy)|valid.?thru|mm.?yy|mm ?/ ?(aa|jj)\b|"
                               r"有效期|到期|有効期限|date de validit|ablaufdatum|verfall|g[üu]ltig bis|caducidad|"
                               r"vencimiento|validade|scadenza|vervaldatum|유효 ?기간", re.I)),
    ("password", re.compile(r"passw|passcode|pwd|\bpw\b|\bpass\b|\bpin\b|密码|密碼|口令|mot de passe|kennwort|"
                            r"contrase[ñn]a|\bclave\b|senha|palavra.?passe|wachtwoord|パスワード|暗証番号|비밀번호", re.I)),
    # verif\w{0,40}: an unbounded \w* was retried from every "verif" of a word (quadratic)
    ("otp", re.compile(r"otp|one.?time|sms.?code|sms.{0,3}(tan|pin)|(code|c[óo]digo|codice).{0,4}sms|"
                       r"\b(m|push|sms)?tan\b|verif\w{0,40}.?code|auth.?code|captcha|验证码|驗證碼|校验码|动态码|"
                       r"短信码|簡訊|code (de )?(v[ée]rification|confirmation)|best[äa]tigungscode|"
                       r"c[óo]digo de (verificaci[óo]n|confirmaci[óo]n|verifica[çc][ãa]o)|codice di verifica|"
                       r"認証コード|認証番号|ワンタイム|확인 ?코드|인증 ?번호", re.I)),
    ("bank_card", re.compile(r"card.?(no|num)|cardnumber|ccnum|cc.?number|\bcc.?no\b|credit.?card|debit.?card|"
                             r"bank.?card|account.?(no|num)|sort.?code|iban|routing|\brib\b|kontonummer|"
                             r"n[úu]mero de cuenta|num[ée]ro de compte|银行卡|銀行卡|卡号|卡號|账号|帳號|帐号|储蓄卡|"
                             r"信用卡|\bcarte\b|num[ée]ro de (la )?carte|n[°º] ?(de )?carte|kartennummer|kreditkarte|"
                             r"tarjeta|cart[ãa]o|carta di credito|numero (della )?carta|kaartnummer|カード番号|"
                             r"クレジットカード|카드 ?번호", re.I)),
    ("id_number", re.compile(r"id.?card|idno|id.?number|identity|sfz|shenfen|ssn|social.?security|"
                             r"national.?(insurance|id)|\bnino?\b|\bni.?(number|no)\b|\btfn\b|tax.?file|\bsin\b|"
                             r"tax.?(id|number|no|payer|ref)|\butr\b|\bi?tin\b|身份证|身份證|证件号|證件號|税号|"
                             r"纳税人识别|納稅|(num[ée]ro|n[°º]|identifiant|n[úu]mero|numero|codice|c[óo]digo|id)\W{0,3}"
                             r"fiscal|identificaci[óo]n fiscal|\bspi\b|s[ée]curit[ée] sociale|seguridad social|"
                             r"carte vitale|carte d.identit|carta d.identit|documento de identidad|personalausweis|"
                             r"steuer.?(id|nummer|identifikationsnummer)|sozialversicherungsnummer|\bnif\b|\bnie\b|"
                             r"\bdni\b|\bnss\b|\bcpf\b|\bcnpj\b|\brfc\b|\bcuit\b|\bbsn\b|burgerservicenummer|"
                             r"個人番号|マイナンバー|주민 ?등록 ?번호", re.I)),
    ("phone", re.compile(r"phone|mobile|\btel\b|cell|手机|手機|电话|電話|联系方式|t[ée]l[ée]phone|telefon|"
                         r"tel[ée]fono|celular|cellulare|portable", re.I)),
    ("email", re.compile(r"e.?mail|邮箱|郵箱|courriel|correo", re.I)),
)
SENSITIVE_KINDS = frozenset({"password", "bank_card", "id_number", "cvv", "otp", "card_expiry"})
PRECEDING_NODES = 12  # nodes walked back from a field to the text written before it
PRECEDING_TEXT = 200  # characters of it: the sentence before a field says what goes in it
HEADING_NODES = 60  # nodes looked at inside a form, then before it, for its heading
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "legend"})
MAX_HEADING = 200


@dataclass
class FormField:
    """One input of a form."""

    name: str
    type: str
    kind: str | None


@dataclass
class Form:
    """A form, its absolute action URL and what it asks for."""

    action: str
    method: str
    fields: list[FormField] = field(default_factory=list)
    text: str = ""  # what the form says (legend, labels, buttons), the first MAX_FORM_TEXT characters
    heading: str = ""  # the form's heading: one inside it, else the nearest one before it

    @property
    def sensitive(self) -> list[str]:
        """Kinds of sensitive data asked for, without duplicates, in field order."""
        return list(dict.fromkeys(f.kind for f in self.fields if f.kind in SENSITIVE_KINDS))

    @property
    def asks(self) -> list[str]:
        """Every recognised kind (sensitive or not), without duplicates."""
        return list(dict.fromkeys(f.kind for f in self.fields if f.kind))

    def target(self, page_host: str) -> tuple[str, str]:
        """(scheme, host) the form sends to. An action that is not a URL ("http://[zz/",
        kept as written for the evidence) sends nothing: a browser refuses to submit it, so
        it counts as the page's own host rather than an error."""
        try:
            parts = urlsplit(self.action)
            host = parts.hostname
        except ValueError:
            return "", page_host
        return parts.scheme, (host or page_host).lower()


def _label_texts(labels: list[Tag]) -> dict[str, str]:
    out: dict[str, str] = {}
    for label in labels[:500]:
        target = label.get("for")
        if isinstance(target, str):
            out[target] = short_text(label, 100)
    return out


def _field_kind(inp: Tag, labels: dict[str, str]) -> str | None:
    ftype = str(inp.get("type") or "text").lower()
    if ftype == "password":
        return "password"
    if ftype == "email":
        return "email"
    parts = [attribute(inp, a, MAX_HINT) for a in ("name", "id", "placeholder", "aria-label", "title",
                                                  "autocomplete")]
    parts.append(labels.get(str(inp.get("id") or ""), ""))
    parent = inp.parent
    if isinstance(parent, Tag) and parent.name == "label":
        parts.append(short_text(parent, 100))
    kind = _kind_of_hint(" ".join(parts))
    if kind is None:
        # no attribute or label names the field: the words written just before it do
        # ("<td>Numéro fiscal</td><td><input name=n1></td>", as a person reads the form)
        kind = _kind_of_hint(_preceding_text(inp))
    if ftype == "tel" and kind not in SENSITIVE_KINDS:
        # type="tel" only brings up a keypad: kits use it for card numbers, codes and IDs
        return "phone"
    return kind


def _kind_of_hint(hint: str) -> str | None:
    """The first kind whose pattern `hint` matches."""
    if not hint:
        return None
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(hint):
            return kind
    return None


def _preceding_text(inp: Tag) -> str:
    """The last words written before a field, looked for among its PRECEDING_NODES previous
    nodes only (bounded per field, whatever the page), stopping at another field."""
    for n, node in enumerate(inp.previous_elements):
        if n >= PRECEDING_NODES:
            break
        if isinstance(node, Tag):
            if node.name in {"input", "select", "textarea", "form"}:
                break
            continue
        if type(node) is NavigableString:
            text = str(node[:PRECEDING_TEXT * 4]).strip()
            if text:
                return text[-PRECEDING_TEXT:]
    return ""


def _fields(inputs: list[Tag], labels: dict[str, str]) -> list[FormField]:
    fields = []
    for inp in inputs[:MAX_FIELDS]:
        ftype = str(inp.get("type") or ("text" if inp.name == "input" else inp.name)).lower()
        if ftype in {"hidden", "submit", "button", "image", "reset"}:
            continue
        fields.append(FormField(str(inp.get("name") or inp.get("id") or ""), ftype, _field_kind(inp, labels)))
    return fields


def _in_form(tag: Tag) -> bool:
    """Whether an input lies inside a <form> (looked for among its first MAX_DEPTH
    ancestors; deeper nesting than that counts as outside, which only adds a form)."""
    node = tag.parent
    for _ in range(MAX_DEPTH):
        if node is None:
            return False
        if node.name == "form":
            return True
        node = node.parent
    return False


def _form_text(node: Tag, inputs: list[Tag]) -> str:
    """What a form says: its text (legend, labels, buttons) and its buttons' and fields'
    written words (value of a submit button, placeholders), MAX_FORM_TEXT characters of each."""
    words = [attribute(i, "placeholder", MAX_HINT) or (attribute(i, "value", MAX_HINT)
             if str(i.get("type") or "").lower() in {"submit", "button"} else "") for i in inputs[:20]]
    said = " ".join(w.strip() for w in words if w.strip())[:MAX_FORM_TEXT]
    return f"{short_text(node, MAX_FORM_TEXT)} {said}".strip()


def _heading(node: Tag) -> str:
    """The heading of a form: the first <h1>-<h4> or <legend> among its first nodes, else
    the nearest heading among the HEADING_NODES nodes before it ("<h1>Sign in to X</h1><form>")."""
    for n, inner in enumerate(node.descendants):
        if n >= HEADING_NODES:
            break
        if isinstance(inner, Tag) and inner.name in HEADING_TAGS:
            return short_text(inner, MAX_HEADING)
    for n, before in enumerate(node.previous_elements):
        if n >= HEADING_NODES:
            break
        if isinstance(before, Tag) and before.name in HEADING_TAGS:
            return short_text(before, MAX_HEADING)
        if isinstance(before, Tag) and before.name == "form":
            break
    return ""


def extract_forms(form_tags: list[Tag], label_tags: list[Tag], base_url: str,
                  input_tags: list[Tag] = ()) -> list[Form]:
    """All forms with absolute actions (an empty action posts to the page itself), and the
    sensitive inputs of `input_tags` that are in no form, as one more form sent by script."""
    labels = _label_texts(label_tags)
    forms: list[Form] = []
    for node in form_tags[:MAX_FORMS]:
        action = str(node.get("action") or "").strip()
        try:
            absolute = urljoin(base_url, action) if action else base_url
        except ValueError:
            absolute = action
        inputs = node.find_all(["input", "select", "textarea"], limit=MAX_FIELDS)
        form = Form(absolute, str(node.get("method") or "get").lower(), text=_form_text(node, inputs),
                    heading=_heading(node))
        form.fields = _fields(inputs, labels)
        forms.append(form)
    loose = [inp for inp in input_tags[:MAX_FIELDS * 4] if not _in_form(inp)]
    if loose and len(forms) < MAX_FORMS:
        scripted = Form(base_url, "script", _fields(loose, labels))
        if scripted.sensitive:
            forms.append(scripted)
    return forms
