"""Who a scam example names: people's names where the message addresses or names a person
(尊敬的张三, 张先生, 李女士您好, 姓名：王五, Dear John Smith, Mr. Smith) and chat-app accounts
written after their keyword (QQ, 微信/VX, WeChat ID, Telegram...). Each pass is one regex
scan with bounded repeats (linear in the text); what looks generic (尊敬的客户, Dear
Customer, 纳税人) is kept, because the lure wording is what makes an example useful.

Over-masking is the safe side: a surname character followed by 先生/女士 inside other words
("向女士说明") is masked too.
"""
from __future__ import annotations

import re
from collections.abc import Callable

NAME_MASK = "***"
ACCOUNT_MASK = "******"
# The most common Chinese surnames (single characters) and compound ones.
_SURNAME_CHARS = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
                  "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃"
                  "武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒"
                  "阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓"
                  "古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫"
                  "寇桑郎甄丛仲虞敖巩佘池查麻苑迟邝")
_SURNAME = rf"(?:欧阳|司马|诸葛|上官|慕容|东方|皇甫|令狐|夏侯|尉迟|公孙|长孙|宇文|端木|[{_SURNAME_CHARS}])"
_TITLE = r"(?:先生|女士|小姐|太太|老师|经理|会计|同志|阿姨|老板|总(?=[您你，,：:！!\s]))"
_HAN = r"[\u4e00-\u9fff]"
# Words that address anyone: 尊敬的客户, 纳税人您好. A candidate equal to one (or starting
# with one, 尊敬的用户张三: then only the rest is a name) is not a person's name.
GENERIC_ZH = ("客户", "用户", "纳税人", "缴费人", "会员", "朋友", "家长", "同学", "市民", "车主", "持卡人", "商户",
              "企业", "领导", "各位", "全体", "贵公司", "贵单位", "先生", "女士", "老师", "同志", "您好", "你好",
              "个人", "申请人", "员工", "职工", "居民", "股东", "法人", "财务", "会计", "老板", "亲", "机主",
              "账户", "业主")
GENERIC_EN = {"customer", "customers", "taxpayer", "taxpayers", "sir", "sirs", "madam", "madame", "user", "users",
              "client", "clients", "valued", "member", "members", "friend", "friends", "account", "applicant",
              "beneficiary", "recipient", "citizen", "resident", "residents", "team", "all", "colleague",
              "colleagues", "partner", "partners", "employee", "employees", "shareholder", "owner", "holder",
              "subscriber", "tax", "business", "sender", "there", "everyone", "accountant", "manager", "hmrc",
              "irs", "ato", "cra", "dear", "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "the", "our",
              "your", "we", "you", "tax-payer", "individual"}

# 张先生, 王总, 张伟女士 (a surname, up to two given-name characters, a form of address).
_SURNAME_TITLE = re.compile(rf"(?P<name>{_SURNAME}{_HAN}{{0,2}}?)(?P<title>{_TITLE})")
# 尊敬的张三：, 亲爱的李四先生, 尊敬的用户王五您好
_SALUTATION = re.compile(rf"(?P<lead>尊敬的|亲爱的|致)\s{{0,3}}(?P<name>{_HAN}{{2,6}}?)"
                         rf"(?=[\s,，:：!！、。]|您|你|$)")
# 张三您好 at the start of the text or of a sentence.
_GREETED = re.compile(rf"(?<![^\s，。！？!?,.:：】\]])(?P<name>{_SURNAME}{_HAN}{{1,2}}?)(?=[,，\s]?(?:您好|你好))")
# 姓名：张三, 收款人: 李四, 户名 王五
_FIELD_ZH = re.compile(rf"(?P<lead>姓名|户名|开户名|收款人|付款人|联系人|持卡人|账户名|法定代表人|法人代表|申请人)"
                       rf"\s{{0,3}}[:：]?\s{{0,3}}(?P<name>{_HAN}(?:[·•]?{_HAN}){{1,5}})")
# 纳税人孙丽（, 客户王芳：a generic role written straight before a name.
_ROLE_NAME = re.compile(rf"(?P<lead>纳税人|缴费人|客户|用户|持卡人|机主|车主|会员|申请人|业主|员工)"
                        rf"(?P<name>{_SURNAME}{_HAN}{{1,2}}?)(?=[\s,，:：!！、。（(]|您|你|$)")
_WORD = r"[A-Z][a-zA-Z'’-]{0,40}+"
# Dear John Smith, Hello Mrs Jane Doe, Attn: J. Smith
_DEAR = re.compile(rf"(?P<lead>\b(?i:dear|hello|hi|attn:?|attention:?)\s{{1,3}}"
                   rf"(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s{{1,3}})?)"
                   rf"(?P<name>{_WORD}(?:\.?[ \t]{{1,3}}{_WORD}){{0,3}}+)")
_MISTER = re.compile(rf"(?P<lead>\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s{{1,3}})(?P<name>{_WORD}(?:[ \t]{{1,3}}{_WORD})?+)")
_FIELD_EN = re.compile(rf"(?P<lead>\b(?i:full name|name|account name|account holder|beneficiary|payee)"
                       rf"\s{{0,3}}:\s{{0,3}})"
                       rf"(?P<name>{_WORD}(?:[ \t]{{1,3}}{_WORD}){{0,3}}+)")
# QQ 123456, 微信：tax_help2024, VX: abc123, WeChat ID: abc, Telegram: @abc
_ACCOUNT = re.compile(r"(?P<lead>(?<![A-Za-z])(?:(?i:qq|vx|wx|weixin|wechat|v信|威信|薇信|微心|飞机|telegram|tg"
                      r"|whatsapp|line|skype)(?:\s{0,2}(?:号码|号|id|ID|账号))?|微信(?:号码|号|账号)?|加[vV])"
                      r"\s{0,3}(?:[:：]\s{0,3}|(?<=[\u4e00-\u9fffqQvVxX])\s{0,3}))(?P<name>[@+]?[A-Za-z0-9][\w.-]{3,39}+)")
# The words before an account that need a colon, so that "line of credit" stays.
_ACCOUNT_NEEDS_COLON = {"wx", "line", "tg", "skype", "telegram", "whatsapp", "wechat", "weixin", "飞机"}


def _generic_zh(name: str) -> str | None:
    """The part of `name` that is a person's name, or None when it is a generic address."""
    for word in sorted(GENERIC_ZH, key=len, reverse=True):
        if name.startswith(word):
            rest = name[len(word):]
            return rest if len(rest) >= 2 and rest not in GENERIC_ZH else None
    return name


def _masker(counts: dict[str, int], kind: str, keep: Callable[[re.Match], str | None]) -> Callable[[re.Match], str]:
    """A re.sub callback: `keep(match)` is the person part of the name group (None: keep all)."""
    def sub(match: re.Match) -> str:
        name = match.group("name")
        person = keep(match)
        if not person:
            return match.group()
        counts[kind] = counts.get(kind, 0) + 1
        start, end = match.span("name")
        cut = name.rindex(person)
        masked = name[:cut] + (ACCOUNT_MASK if kind == "account" else NAME_MASK)
        return match.string[match.start():start] + masked + match.string[end:match.end()]
    return sub


def _en_person(match: re.Match) -> str | None:
    words = match.group("name").split()
    return None if words[0].strip(".,").lower() in GENERIC_EN else match.group("name")


def _account(match: re.Match) -> str | None:
    lead = match.group("lead")
    key = (lead.strip(" :：").lower().split() or [""])[0]
    if key in _ACCOUNT_NEEDS_COLON and ":" not in lead and "：" not in lead:
        return None
    return match.group("name")


def mask_people(text: str, counts: dict[str, int]) -> str:
    """`text` with people's names and chat-app accounts masked; counts `name` and `account`."""
    text = _ACCOUNT.sub(_masker(counts, "account", _account), text)
    text = _FIELD_ZH.sub(_masker(counts, "name", lambda m: _generic_zh(m.group("name"))), text)
    text = _SURNAME_TITLE.sub(_masker(counts, "name", lambda m: m.group("name")), text)
    text = _ROLE_NAME.sub(_masker(counts, "name", lambda m: m.group("name")), text)
    text = _SALUTATION.sub(_masker(counts, "name", lambda m: _generic_zh(m.group("name"))), text)
    text = _GREETED.sub(_masker(counts, "name", lambda m: _generic_zh(m.group("name"))), text)
    text = _FIELD_EN.sub(_masker(counts, "name", _en_person), text)
    text = _DEAR.sub(_masker(counts, "name", _en_person), text)
    return _MISTER.sub(_masker(counts, "name", _en_person), text)
