"""The phrase lexicon of the signals: what fakes do, what real tax messages do, topics.

Each signal lists phrases in Chinese and English. Phrases are matched on whole tokens
(a token is one Chinese character, one run of other letters/digits, or one other
character) after normalisation and lower-casing, by the spaCy PhraseMatcher and by the
fast regex path alike. Phrases are written in any script; they are normalised on load.
"""
from __future__ import annotations

# --- what real tax authorities never do (and fakes do) ----------------------------------
RISK_PHRASES: dict[str, list[str]] = {
    "identity_switch": [
        "新号", "换号", "新号码", "这是我新号", "我是你领导", "我是你老板", "在开会", "不方便接电话", "别打电话",
        "new number", "my new number", "this is my new", "hi mum", "hi mom", "hi dad", "it's me", "lost my phone",
    ],
    "credential_request": [
        "验证码", "校验码", "动态码", "动态密码", "短信码", "支付密码", "取款密码", "银行卡密码", "登录密码", "网银密码",
        "密码", "cvv", "cvv2", "cvc", "安全码", "卡背后三位", "后三位", "卡片有效期", "银行卡号", "卡号", "身份证号",
        "身份证号码", "身份证正反面", "手持身份证", "人脸识别", "刷脸", "卡内余额", "u盾", "账户信息", "银行卡信息",
        "读给我", "截图发", "截图给我", "短信里的", "6位数字", "六位数字", "收到的验证码",
        "verification code", "one time passcode", "one-time passcode", "otp", "6 digit code", "6-digit code",
        "security code", "passcode", "password", "pin", "pin number", "card number", "card details",
        "bank details", "banking details", "expiry date", "expiration date", "sort code", "account number",
        "login details", "log-in details", "social security number", "ssn", "sin", "sin number",
        "social insurance number", "national insurance number", "tax file number", "tfn", "date of birth",
        "mother's maiden name", "driver's license", "passport number", "confirm your identity",
        "verify your identity", "verify your account", "update your details", "update your information",
        "confirm your details", "card information", "upload a photo", "photo of your", "selfie", "driver licence",
        "driver license", "licence number", "license number", "read me the code", "the code you", "code we sent",
        "code sent to your",
    ],
    "payment_personal": [
        "安全账户", "安全帐户", "国库代收", "国库账户", "指定账户", "指定帐户", "个人账户", "个人帐户", "私人账户",
        "转账至", "转账到", "汇款至", "汇款到", "打款到", "对私账户", "先行垫付", "垫付", "转一下", "先转", "周转",
        "借我", "收款码", "微信转账", "safe account", "secure account", "wire transfer", "wire the", "wire money",
        "western union", "moneygram", "bank transfer to", "transfer the funds", "pay immediately",
        "payment immediately", "prepaid debit card", "prepaid card", "interac e-transfer", "e-transfer", "etransfer",
        "zelle", "venmo", "cash app", "money order", "bitcoin atm", "trust account", "wallet", "bsb", "upi",
        "@ybl", "crypto wallet", "send money",
    ],
    "gift_card_crypto": [
        "礼品卡", "购物卡", "充值卡", "点卡", "京东卡", "苹果卡", "比特币", "虚拟币", "数字货币", "泰达币", "usdt",
        "gift card", "gift cards", "itunes", "google play", "steam card", "amazon card", "apple card",
        "ebay card", "bitcoin", "btc", "crypto", "cryptocurrency", "ethereum", "voucher code",
    ],
    "im_contact": [
        "qq", "qq群", "qq号", "微信号", "加微", "加微信", "添加微信", "客服微信", "v信", "vx", "薇信", "威信", "wx",
        "加群", "入群", "进群", "群号", "扫码进群", "扫码添加", "钉钉群", "加好友", "添加好友", "私聊", "拉群",
        "拉你进群", "拉您进", "老师指导", "whatsapp", "telegram", "signal app", "wechat", "line id", "kakaotalk",
        "dm me", "message me on", "text me on", "add me on", "reply claim", "reply yes",
    ],
    "third_party_fee": [
        "保证金", "工本费", "解冻费", "激活费", "认证费", "升级费", "建设费", "税务系统建设费", "系统升级费",
        "数电票升级费", "税控盘年费", "金税盘年费", "审核费", "加急费", "打点费", "代理费", "接入费", "开通费",
        "换盘", "processing fee", "release fee", "clearance fee", "small fee", "activation fee", "upfront fee",
        "verification fee", "unlock fee", "setup fee", "delivery fee", "processing charge", "agent fee",
        "customs fee", "release charge", "small charge",
    ],
    "threat_arrest": [
        "逮捕", "拘留", "拘捕", "通缉", "公安机关", "公安局", "警方", "刑事", "坐牢", "判刑", "法院传票", "传票", "起诉",
        "冻结", "查封", "封停", "强制执行", "列入黑名单", "追究法律责任", "洗钱", "涉嫌",
        "arrest", "arrested", "warrant", "police", "jail", "prison", "deport", "deportation", "lawsuit",
        "legal action", "sheriff", "criminal", "prosecution", "prosecute", "seize", "seized", "frozen",
        "law enforcement", "bailiff", "bailiffs",
    ],
    "urgency": [
        "立即", "立刻", "马上", "尽快", "火速", "今日内", "今天内", "当天", "限时", "逾期", "否则", "过期", "最后一天",
        "紧急", "即将", "自动放弃", "视为放弃", "退回国库", "作废", "urgent", "urgently", "immediately", "right away",
        "today", "tonight", "final notice", "final warning", "last chance", "last warning", "act now", "expires",
        "expire", "expiring", "asap", "without delay", "as soon as possible", "within 24 hours",
        "within 48 hours",
    ],
    "click_request": [
        "点击", "点开", "戳", "登录网址", "打开链接", "链接", "网址", "复制链接", "点此", "扫码", "扫描二维码",
        "二维码", "click", "tap", "click here", "tap here", "follow the link", "link below", "open the link",
        "secure link", "scan the qr", "qr code",
    ],
    "app_download": [
        "下载app", "下载软件", "安装", "apk", "exe", "插件", "查验插件", "安全插件", "控件", "远程", "屏幕共享",
        "共享屏幕", "共享一下屏幕", "视频会议", "会议软件", "腾讯会议", "向日葵", "todesk", "anydesk", "teamviewer",
        "remote access", "screen share", "screen sharing", ".exe", ".apk", ".scr", "macro", "enable content",
        "download the app", "install the app",
    ],
    "prize_lure": [
        "中奖", "获奖", "特等奖", "一等奖", "二等奖", "幸运用户", "抽中", "奖金", "奖品", "领奖", "大奖", "you have won",
        "you've won", "winner", "won a", "prize", "claim your prize", "congratulations", "cash prize", "jackpot",
        "lottery",
    ],
    "invoice_offer": [
        "代开发票", "代开增值税", "发票代开", "出售发票", "代开各类发票", "代开各种发票", "代开正规发票", "代开各行业",
        "优惠代开", "长期代开", "专业代开", "invoices for sale", "invoice for sale",
    ],
    "invoice_selling": [
        "代开发票", "代开", "代开增值税", "发票代开", "有发票", "出售发票", "售发票", "各类发票", "各种发票", "票点",
        "点数低", "低税点", "可验证", "可查验", "真票", "假发票", "包验证", "invoice for sale", "invoices for sale",
        "fake invoice",
    ],
    "advertising": [
        "优惠", "促销", "特价", "折扣", "打折", "折起", "满减", "大促", "特惠", "抢购", "秒杀", "热销", "新品上市", "开业",
        "店庆", "详询", "回td退订", "回t退订", "退订", "回复td", "td退订", "欢迎光临", "恭候", "包邮", "专柜", "楼盘",
        "样板房", "招生", "礼包", "量大从优", "量大价优", "discount", "% off", "sale", "unsubscribe", "txt stop",
        "text stop", "reply stop", "stop to end", "opt out", "promo", "promotion", "order now", "ringtone",
        "per min", "ppm", "150p", "free entry", "free msg", "call now",
        # common words of Chinese marketing SMS (written from the genre, issue #10 item 5)
        "钜惠", "巨惠", "让利", "回馈", "感恩回馈", "限量", "名额有限", "火爆", "报名", "招商", "加盟", "免费体验",
        "体验课", "试听", "培训班", "开班", "暑假班", "寒假班", "辅导", "首付", "均价", "户型", "现房", "准现房",
        "样板间", "售楼处", "学区房", "精装", "认筹", "开盘", "全场", "低至", "元起", "仅需", "好礼", "豪礼",
        "赠送", "会员日", "到店", "进店", "莅临", "敬请", "订购热线", "预订热线", "套餐", "厂家直销", "工厂价",
        "清仓", "甩卖", "换季", "新款", "美容", "美甲", "瘦身", "健身", "私教", "婚纱摄影", "驾校", "试驾",
        "保养", "车险", "团购", "代金券", "优惠券", "抵用券", "满送", "买一送一", "包邮", "特价房", "旺铺",
        "招租", "出租", "装修", "家装", "建材", "家具", "诚邀", "恭候光临", "欢迎来电", "欢迎咨询", "咨询热线",
        "联系电话", "回复td", "退订回t", "退订回n", "拒收请回复r", "回n退订", "回复n退订", "免费送货", "货到付款",
        "批发", "零售", "专业承接", "诚招", "急招", "高薪", "包吃住", "日结",
    ],
}

# --- weak cues: common in both fakes and ordinary messages ---------------------------------
WEAK_PHRASES: dict[str, list[str]] = {
    "fee_term": ["服务费", "手续费", "年费", "维护费", "会员费", "培训费", "押金", "service fee", "admin fee",
                 "administration fee", "handling fee", "registration fee", "filing fee", "fee", "fees", "charge"],
    "account_term": ["余额", "网银", "有效期", "转入", "汇入", "代收", "发我", "截图", "online banking", "personal information",
                     "financial information", "account name", "paypal", "账户", "account"],
    "app_term": ["下载", "附件", "证书", "客户端", "小程序", "zoom", "download", "install", "attachment",
                 "attached file", "certificate", "app"],
    "im_term": ["微信", "企业微信", "客服", "助手", "群里", "群公告", "群", "reply y", "wrong number", "wrong person"],
    "promo_term": ["活动", "惠", "新品", "咨询", "热线", "预约", "装修", "培训", "免费", "送", "赠", "会员", "offer",
                   "free", "deal", "deals", "shop", "buy", "subscribe", "mobile", "network", "tone", "chat",
                   "dating", "sexy", "xxx", "cash", "customer service", "valid", "win", "lucky", "selected", "reward"],
    "loan_invest": ["贷款", "借款", "无抵押", "低息", "放款", "额度", "信用卡", "办卡", "套现", "理财", "收益", "高回报",
                    "稳赚", "投资", "股票", "荐股", "内幕", "博彩", "彩票", "六合彩", "赌", "loan", "loans", "credit",
                    "investment", "invest", "trading", "forex", "guaranteed return", "casino", "bet"],
    "legal_term": ["司法", "失信", "法律责任", "court", "freeze", "suspend", "suspended", "suspension", "garnish",
                   "levy", "penalty", "penalties", "deadline", "visit", "go to", "访问", "开票", "专用发票",
                   "普通发票", "正规发票", "开发票", "税点"],
    "device_term": ["税控盘", "金税盘", "税控设备", "数电票", "数电发票", "全电发票"],
}

# --- tax topics: not risky by themselves --------------------------------------------------
TOPIC_PHRASES: dict[str, list[str]] = {
    "refund_term": [
        "退税", "退税款", "退款", "退还", "返还", "多缴", "应退", "退回", "个税退税", "汇算退税", "tax refund", "refund",
        "refunds", "rebate", "tax rebate", "overpaid", "overpayment", "owed", "you are owed", "reimbursement",
        "return of", "repayment",
    ],
    "subsidy_term": [
        "补贴", "补助", "津贴", "补偿", "社保补贴", "个税补贴", "生育补贴", "稳岗补贴", "失业补助", "住房补贴",
        "subsidy", "stimulus", "grant", "benefit", "benefits", "relief payment", "cost of living payment",
        "support payment", "economic impact payment", "climate action incentive", "gst credit", "hst credit",
        "child benefit", "tax credit", "tax credits",
    ],
    "tax_term": [
        "税", "个税", "个人所得税", "增值税", "所得税", "纳税", "纳税人", "报税", "申报", "汇算", "年度汇算", "汇算清缴",
        "发票", "税款", "税费", "完税", "缴税", "税号", "税额", "含税", "tax", "taxes", "taxpayer", "vat", "tax return",
        "self assessment", "income tax", "tax year", "tax code", "w-2", "1099", "paye", "gst", "hst", "e-file",
    ],
    "abnormal_status": [
        "异常", "非正常户", "税务异常", "风险纳税人", "稽查", "补缴", "欠税", "滞纳金", "罚款", "违规", "黑名单", "核查",
        "核实", "税务稽查", "注销", "audit", "under investigation", "investigation", "unpaid tax", "back taxes",
        "owe", "outstanding", "debt", "tax evasion", "tax fraud", "non-compliance", "discrepancy", "irregularities",
        "irregularity", "flagged",
    ],
}

# --- what real tax messages do ------------------------------------------------------------
TRUST_PHRASES: dict[str, list[str]] = {
    "self_login": [
        "自行登录", "登录个人所得税app", "通过个人所得税app", "个人所得税app", "个税app", "电子税务局", "官方渠道",
        "官方网站", "官方app", "办税服务厅", "前往办税", "到办税服务厅", "自行办理", "本人登录", "请登录",
        "sign in to your", "log in to your", "login to your", "your online account", "your personal tax account",
        "the hmrc app", "hmrc app", "through gov.uk", "on gov.uk", "search gov.uk", "via gov.uk", "irs.gov",
        "go directly", "type the address", "official website", "my account", "mygov account", "ato online",
        "online services", "by yourself", "yourself", "ird.govt.nz",
    ],
    "never_ask": [
        "不会要求", "不会以", "不会通过", "绝不会", "从不", "从来不会", "不会索要", "谨防", "警惕", "防骗", "诈骗", "骗局",
        "反诈", "冒充", "假冒", "举报", "请勿点击", "请勿泄露", "切勿", "we will never", "will never", "never ask",
        "never call", "never text", "never send", "do not click", "don't click", "do not share", "don't share",
        "scam", "scams", "phishing", "fraudsters", "fraudulent", "report it", "report suspicious", "forward it to",
        "beware", "impersonate", "impersonating",
    ],
    "narrative": [
        "新闻", "记者", "据了解", "获悉", "案例", "以案说法", "科普", "公告", "通报", "接到电话", "接到一个", "挂了", "直接挂",
        "骗子", "小心", "大家注意", "别信", "是假的", "不是真的", "假的", "是真的吗", "是不是真的", "别点", "不要点",
        "删了", "删掉", "直接删", "news", "reported", "according to", "scammers",
        "fraudsters", "scam alert", "warning", "pretend to be", "pretending", "this is fake", "it's fake", "is a scam",
        "was a scam", "beware of",
    ],
    "status_notice": [
        "无需操作", "无需任何操作", "无需另行", "无需通过", "无需", "不用", "请勿回复", "已到账", "扣费成功", "缴费成功", "已开具",
        "已生效", "已受理", "已完成", "已收到", "查询", "no action needed", "no action required", "no need to",
        "you don't need to", "do not reply", "has been received", "has been made", "was updated", "completed",
        "has been paid", "has been cancelled", "has been accepted", "payment received", "you can view", "view it",
    ],
    "official_procedure": [
        "年度汇算", "汇算清缴", "申报期", "申报期限", "征期", "纳税申报", "12366", "纳税服务热线", "办税", "税务局提醒",
        "温馨提示", "如有疑问", "咨询电话", "self assessment", "tax return", "31 january", "tax year", "paye",
        "reference number", "unique taxpayer reference", "utr", "notice of assessment", "cp2000", "letter 5071c",
    ],
}

# --- authority mentions ------------------------------------------------------------------
# Not phrases: `authority` spans (detail: the authority's code) come from the authority
# registry (data/official/authority_names.csv) through classifiers.authorities, which knows
# case-sensitive acronyms, names that need a country in the text and Traditional-only
# names. The signal is listed here with no phrase so that it is a model feature like the
# others (one `authority` feature, whatever the code).
AUTHORITY_SIGNAL = "authority"


def phrase_table() -> dict[str, list[str]]:
    """Signal name -> phrases; `authority` has none (its spans come from the registry)."""
    return {**RISK_PHRASES, **WEAK_PHRASES, **TOPIC_PHRASES, **TRUST_PHRASES, AUTHORITY_SIGNAL: []}
