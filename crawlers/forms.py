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

from bs4 import Tag

from crawlers.markup import attribute, short_text

MAX_FORMS = 50
MAX_FIELDS = 100
MAX_HINT = 200  # characters read from each attribute or label that names a field
MAX_DEPTH = 256  # ancestors looked at to see whether an input is inside a form

# Order matters: the first matching kind wins (取款密码 is a password, 卡号 a bank card, "code
# de sécurité" a CVV before "code de vérification" is a one-time code). Kits are written in
# the victims' language: French, German, Spanish, Portuguese, Italian, Dutch, Japanese and
# Korean names of the same fields are read too.
_KIND_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cvv", re.compile(r"cvv|cvc|cvn|ccv|cid\b|security.?code|安全码|校验码|背面.{0,4}[三3]位|卡背|cryptogramme|"
                       r"code de s[ée]curit|pr[üu]f(nummer|ziffer)|c[óo]digo de seguridad|codice di sicurezza|"
                       r"セキュリティコード|보안 ?코드", re.I)),
    ("card_expiry", re.compile(r"expir|exp.?date|valid.?thru|mm.?yy|有效期|date de validit|ablaufdatum|g[üu]ltig bis|"
                               r"caducidad|vencimiento|validade|scadenza|vervaldatum|유효 ?기간", re.I)),
    ("password", re.compile(r"passw|passcode|pwd|\bpin\b|密码|口令|mot de passe|kennwort|contrase[ñn]a|senha|"
                            r"wachtwoord|パスワード|暗証番号|비밀번호", re.I)),
    # verif\w{0,40}: an unbounded \w* was retried from every "verif" of a word (quadratic)
    ("otp", re.compile(r"otp|one.?time|sms.?code|verif\w{0,40}.?code|auth.?code|captcha|验证码|校验码|动态码|短信码|"
                       r"code (de )?(v[ée]rification|confirmation)|best[äa]tigungscode|"
                       r"c[óo]digo de (verificaci[óo]n|confirmaci[óo]n)|認証コード|확인 ?코드|인증 ?번호", re.I)),
    ("bank_card", re.compile(r"card.?(no|num)|cardnumber|ccnum|cc.?number|credit.?card|debit.?card|"
                             r"bank.?card|account.?(no|num)|sort.?code|iban|routing|银行卡|卡号|账号|帐号|储蓄卡|信用卡|"
                             r"\bcarte\b|num[ée]ro de (la )?carte|kartennummer|kreditkarte|tarjeta|cart[ãa]o|"
                             r"carta di credito|kaartnummer|カード番号|카드 ?번호", re.I)),
    ("id_number", re.compile(r"id.?card|idno|id.?number|identity|sfz|shenfen|ssn|social.?security|"
                             r"national.?insurance|\bnino?\b|\btfn\b|tax.?file|\bsin\b|身份证|证件号|"
                             r"num[ée]ro fiscal|identifiant fiscal|steuer.?(id|nummer|identifikationsnummer)|"
                             r"sozialversicherungsnummer|\bnif\b|\bdni\b|\bcpf\b|codice fiscale|\bbsn\b|"
                             r"burgerservicenummer|マイナンバー|주민 ?등록 ?번호", re.I)),
    ("phone", re.compile(r"phone|mobile|\btel\b|cell|手机|电话|联系方式", re.I)),
    ("email", re.compile(r"e.?mail|邮箱", re.I)),
)
SENSITIVE_KINDS = frozenset({"password", "bank_card", "id_number", "cvv", "otp", "card_expiry"})


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
    if ftype == "tel":
        return "phone"
    parts = [attribute(inp, a, MAX_HINT) for a in ("name", "id", "placeholder", "aria-label", "title",
                                                  "autocomplete")]
    parts.append(labels.get(str(inp.get("id") or ""), ""))
    parent = inp.parent
    if isinstance(parent, Tag) and parent.name == "label":
        parts.append(short_text(parent, 100))
    hint = " ".join(parts)
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(hint):
            return kind
    return None


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
        form = Form(absolute, str(node.get("method") or "get").lower())
        form.fields = _fields(node.find_all(["input", "select", "textarea"], limit=MAX_FIELDS), labels)
        forms.append(form)
    loose = [inp for inp in input_tags[:MAX_FIELDS * 4] if not _in_form(inp)]
    if loose and len(forms) < MAX_FORMS:
        scripted = Form(base_url, "script", _fields(loose, labels))
        if scripted.sensitive:
            forms.append(scripted)
    return forms
