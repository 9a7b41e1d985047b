"""Redaction of published scam examples (issue #12): every example below was written for this
project (made-up names, numbers and domains); each asserts the whole redacted text, so what
is masked and what is kept (authority names, 12366, lure wording, amounts, dates) are both
checked, and the counts per kind."""
from __future__ import annotations

import re

import pytest
from markupsafe import Markup

from fraudwatch.publish import defang, redact, redact_html_safe
from fraudwatch.publish.redact import safe_numbers

# (message as received, as published, counts per kind)
EXAMPLES = [
    ('【国家税务总局】尊敬的纳税人：您2024年度个人所得税退税2,860.00元已到账，请于2025-03-31前登录 https://etax-chinatax.top/tuishui 填写银行卡信息领取，逾期作废。',
     '【国家税务总局】尊敬的纳税人：您2024年度个人所得税退税2,860.00元已到账，请于2025-03-31前登录 hxxps://etax-chinatax[.]top/tuishui 填写银行卡信息领取，逾期作废。',
     {'link': 1}),
    ('【电子税务局】张伟先生您好，您的个税汇算存在异常，请点击 http://12366-gov.cn.etax-hn.cc/login?uid=13912345678 核验，客服热线 400-820-1234。',
     '【电子税务局】***先生您好，您的个税汇算存在异常，请点击 hxxp://12366-gov[.]cn[.]etax-hn[.]cc/login?uid=139******** 核验，客服热线 400*******。',
     {'link': 1, 'name': 1, 'phone': 2}),
    ('【税务稽查】尊敬的李娜女士：贵公司涉嫌虚开发票，请于24小时内联系稽查局王科长 0755-8836 2211，否则将冻结账户。',
     '【税务稽查】尊敬的***女士：贵公司涉嫌虚开发票，请于24小时内联系稽查局王科长 ********，否则将冻结账户。',
     {'name': 1, 'phone': 1}),
    ('您好，我是市税务局的工作人员，您的社保补贴3,600元待领取，请加微信：shuiwu_2025 或 QQ 3285561470 办理。',
     '您好，我是市税务局的工作人员，您的社保补贴3,600元待领取，请加微信：****** 或 QQ ****** 办理。',
     {'account': 2}),
    ('陈先生，您公司需缴纳税控系统建设费12,800.00元，请转至户名：刘洋，账号 6217 0031 2345 6789 012，开户行 中国建设银行。',
     '***先生，您公司需缴纳税控系统建设费12,800.00元，请转至户名：***，账号 **** **** **** ****，开户行 中国建设银行。',
     {'card': 1, 'name': 2}),
    ('尊敬的用户王小明：您的身份证 44030519851201234X 已被冒用申报个税，请拨打 +86 138-1234-5678 配合调查。',
     '尊敬的用户***：您的身份证 ****************** 已被冒用申报个税，请拨打 138******** 配合调查。',
     {'id': 1, 'name': 1, 'phone': 1}),
    ('亲爱的客户，您的发票查验插件已过期，请下载 www.fapiao-check.top/plugin.exe 并在电脑上安装，邮箱 service@fapiao-check.top 。',
     '亲爱的客户，您的发票查验插件已过期，请下载 www[.]fapiao-check[.]top/plugin[.]exe 并在电脑上安装，邮箱 ***@*** 。',
     {'email': 1, 'link': 1}),
    ('张总您好，电子税务局系统升级，企业需重新认证，统一社会信用代码 91440300MA5FXXXX1Q，联系人：周敏 186 7777 8888。',
     '***总您好，电子税务局系统升级，企业需重新认证，统一社会信用代码 ******************，联系人：*** 186********。',
     {'name': 2, 'phone': 1, 'uscc': 1}),
    ('Dear John Smith, the IRS has calculated your federal tax refund of $1,284.50. Submit your claim at https://irs-refund-gov.com/claim?id=88412093 within 48 hours.',
     'Dear ***, the IRS has calculated your federal tax refund of $1,284.50. Submit your claim at hxxps://irs-refund-gov[.]com/claim?id=******** within 48 hours.',
     {'link': 1, 'name': 1, 'phone': 1}),
    ('HMRC: Dear Mrs Emily Clarke, you are due a tax rebate of £326.40. Verify at hmrc-rebate.uk/verify or call 020 7946 0321. Ref: 4471928835.',
     'HMRC: Dear Mrs ***, you are due a tax rebate of £326.40. Verify at hmrc-rebate[.]uk/verify or call ********. Ref: *******.',
     {'link': 1, 'name': 1, 'number': 1, 'phone': 1}),
    ('Dear Customer, your ATO refund of $742.18 is ready. Log in at ato-mygov-au.com and enter your TFN and card number 4532 7712 0098 1134.',
     'Dear Customer, your ATO refund of $742.18 is ready. Log in at ato-mygov-au[.]com and enter your TFN and card number **** **** **** ****.',
     {'card': 1, 'link': 1}),
    ('CRA notice: Mr. Daniel Wong, your GST credit is on hold. Reply with your SIN 046 454 286 and call 1-800-959-8281 to confirm. Email refunds@cra-gc.ca.net',
     'CRA notice: Mr. ***, your GST credit is on hold. Reply with your SIN ******** and call 1-800-959-8281 to confirm. Email ***@***',
     {'email': 1, 'name': 1, 'phone': 1}),
    ('官方客服 12366，或 010-12366。咨询 IRS at 1-800-829-1040 or +44 300 200 3300.',
     '官方客服 12366，或 010-12366。咨询 IRS at 1-800-829-1040 or +44 300 200 3300.',
     {}),
    ('请登录 ｅｔａｘ－ｇｏｖ．ｔｏｐ 或 etax。gov-cn。top 或 税务.中国 或 xn--fiqs8s.xn--55qx5d 领取。',
     '请登录 etax-gov[.]top 或 etax[.]gov-cn[.]top 或 税务[.]中国 或 xn--fiqs8s[.]xn--55qx5d 领取。',
     {'link': 4}),
    ('手机：１３８ １２３４ ５６７８，座机（021）6234-5678，微信 VX：refund8866',
     '手机：138********，座机（********，微信 VX：******',
     {'account': 1, 'phone': 2}),
    ('13\u200b8\u200d1234\u20665678 退税 hxxps://already[.]top',
     '138******** 退税 hxxps://already[.]top',
     {'invisible': 3, 'phone': 1}),
    ('WeChat ID: taxrefund_cn, Telegram: @irs_agent_77, line of credit 5000',
     'WeChat ID: ******, Telegram: ******, line of credit 5000',
     {'account': 2}),
    ('姓名：欧阳娜娜 身份证号：110105199003071234 银行卡：6222021234567890123',
     '姓名：*** 身份证号：****************** 银行卡：**** **** **** ****',
     {'card': 1, 'id': 1, 'name': 1}),
    ('【个税APP】您有一笔2023年度医疗专项附加扣除补贴1,860元未领取，请用手机打开 http://gszt-tax.cn.com/bt 并输入身份证号、银行卡号及验证码领取。退订回T',
     '【个税APP】您有一笔2023年度医疗专项附加扣除补贴1,860元未领取，请用手机打开 hxxp://gszt-tax[.]cn[.]com/bt 并输入身份证号、银行卡号及验证码领取。退订回T',
     {'link': 1}),
    ('【财政部】关于发放2025年第二季度职工个人劳动补贴的通知：请扫描附件二维码或访问 btsq.top，截止日期2025年6月30日。咨询：010-6655 1234',
     '【财政部】关于发放2025年第二季度职工个人劳动补贴的通知：请扫描附件二维码或访问 btsq[.]top，截止日期2025年6月30日。咨询：********',
     {'link': 1, 'phone': 1}),
    ('尊敬的企业会计：根据税务总局要求，企业须安装新版发票查验插件，下载地址 fpcy-chinatax.com/setup.zip 解压密码 8866，安装后请联系技术员赵工 177 0123 4567。',
     '尊敬的企业会计：根据税务总局要求，企业须安装新版发票查验插件，下载地址 fpcy-chinatax[.]com/setup[.]zip 解压密码 8866，安装后请联系技术员赵工 177********。',
     {'link': 1, 'phone': 1}),
    ('【税务局通知】贵公司需升级"金税四期"系统，系统建设及维护费38,000元，请于本周内对公转账至深圳市鑫税通科技有限公司，账号 7559 3012 8812 001。联系人：黄经理 QQ 1739982046',
     '【税务局通知】贵公司需升级"金税四期"系统，系统建设及维护费38,000元，请于本周内对公转账至深圳市鑫税通科技有限公司，账号 **** **** **** ****。联系人：*** QQ ******',
     {'account': 1, 'card': 1, 'name': 1}),
    ('稽查通知：纳税人孙丽（身份证号 320102198804152347）涉嫌偷逃税款，限24小时内到 www.swjc-gov.net 提交说明，否则移送公安。',
     '稽查通知：纳税人***（身份证号 ******************）涉嫌偷逃税款，限24小时内到 www[.]swjc-gov[.]net 提交说明，否则移送公安。',
     {'id': 1, 'link': 1, 'name': 1}),
    ('IRS Notice: Dear Michael Johnson, we detected an error in your 2024 return (SSN ***-**-4821). Pay the balance of $2,340.00 via gift cards. Contact agent Smith at (415) 555-0198 or irs.gov.refund@outlook.com.',
     'IRS Notice: Dear ***, we detected an error in your 2024 return (SSN ***-**-4821). Pay the balance of $2,340.00 via gift cards. Contact agent Smith at (******* or ***@***.',
     {'email': 1, 'name': 1, 'number': 1}),
    ('ATO: Hi Sarah, you have an outstanding tax debt. Pay now at https://my-gov-ato.info/pay?ref=AU99812233 or your TFN 123 456 782 will be suspended.',
     'ATO: Hi ***, you have an outstanding tax debt. Pay now at hxxps://my-gov-ato[.]info/pay?ref=AU******** or your TFN ******* will be suspended.',
     {'link': 1, 'name': 1, 'number': 1, 'phone': 1}),
    ('CRA: Your tax refund of $845.67 is waiting. Accept via Interac e-Transfer: https://cra-refund.ca-secure.net/deposit. Name: Kevin Tremblay, SIN 130 692 544.',
     'CRA: Your tax refund of $845.67 is waiting. Accept via Interac e-Transfer: hxxps://cra-refund[.]ca-secure[.]net/deposit. Name: ***, SIN *******.',
     {'link': 1, 'name': 1, 'number': 1}),
]


@pytest.mark.parametrize(("text", "published", "counts"), EXAMPLES, ids=[f"example-{i}" for i in range(len(EXAMPLES))])
def test_example_is_redacted_exactly(text, published, counts):
    result = redact(text)
    assert result.text == published
    assert result.counts == counts
    assert redact(result.text).text == published  # redacting twice changes nothing more


@pytest.mark.parametrize(("text", "kept"), [
    ("【国家税务总局】提醒：退税请认准12366", "【国家税务总局】提醒：退税请认准12366"),
    ("拨打 0755-12366 或 +86 12366 咨询", "拨打 0755-12366 或 +86 12366 咨询"),
    ("Call the IRS on 800-829-1040 or (800) 829-4933", "Call the IRS on 800-829-1040 or (800) 829-4933"),
    ("金额 999,999.99 元，截止 2025/06/30 23:59:59", "金额 999,999.99 元，截止 2025/06/30 23:59:59"),
    ("工商银行客服 95588，建设银行 95533", "工商银行客服 95588，建设银行 95533"),
    ("尊敬的客户您好，尊敬的纳税人：Dear Taxpayer, Dear Sir or Madam", "尊敬的客户您好，尊敬的纳税人：Dear Taxpayer, Dear Sir or Madam"),
])
def test_what_makes_an_example_useful_is_kept(text, kept):
    result = redact(text)
    assert result.text == kept
    assert result.masked == 0


@pytest.mark.parametrize(("text", "published", "kind"), [
    ("电话13812345678", "电话138********", "phone"),
    ("电话 8613912345678", "电话 139********", "phone"),
    ("电话 0086 15012345678", "电话 150********", "phone"),
    ("电话 150.1234.5678", "电话 150********", "phone"),
    ("热线 800-810-8888", "热线 800*******", "phone"),
    ("座机 62345678 转 1", "座机 ******** 转 1", "phone"),
    ("Call +1 (202) 555-0147 now", "Call ******** now", "phone"),
    ("卡号6228480402564890018", "卡号**** **** **** ****", "card"),
    ("card 4111-1111-1111-1111", "card **** **** **** ****", "card"),
    ("身份证号 11010519491231002X。", "身份证号 ******************。", "id"),
    ("身份证 110105491231002", "身份证 ******************", "id"),
    ("编号 1234567", "编号 ********", "phone"),
    ("订单 202405311234567890123", "订单 *******", "number"),
    ("单号 一三八一二三四五六七八", "单号 138********", "phone"),
    ("单号 ١٣٨١٢٣٤٥٦٧٨", "单号 138********", "phone"),
    ("号码 1⃣3⃣8⃣1⃣2⃣3⃣4⃣5⃣6⃣7⃣8⃣", "号码 138********", "phone"),
    ("转账 1,234,567 元", "转账 ******** 元", "phone"),
    ("号码 ¹³⁸¹²³⁴⁵⁶⁷⁸", "号码 138********", "phone"),
    ("号码 ①③⑧①②③④⑤⑥⑦⑧", "号码 138********", "phone"),
    ("号码 𝟏𝟑𝟖𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖", "号码 138********", "phone"),
    ("电话138a1234b5678", "电话138********", "phone"),
    ("token=5f3a9c2e7b1d8 x", "token=******** x", "phone"),
    ("ref a1b2c3d4e5f6g7h", "ref a********h", "phone"),
    ("id abcd1efgh2ijkl3mnop4qrst5uvwx6yzab7", "id *******", "number"),
])
def test_numbers_are_masked_by_kind(text, published, kind):
    result = redact(text)
    assert result.text == published
    assert result.counts == {kind: 1}


def test_a_list_of_numbers_is_masked_one_by_one_but_short_pieces_stay_one_number():
    assert redact("13812345678, 13987654321，2024-05-31").text == "138********, 139********，2024-05-31"
    assert redact("138, 1234, 5678").text == "138********"
    assert redact("3,280.50, 1,200.00").text == "*******"  # amounts are not list pieces: 12 digits together


@pytest.mark.parametrize(("text", "published"), [
    ("尊敬的张三：", "尊敬的***："),
    ("亲爱的李四先生，", "亲爱的***先生，"),
    ("请王经理确认", "请***经理确认"),
    ("余额总计 100 元", "余额总计 100 元"),
    ("刘总，您好", "***总，您好"),
    ("陈小红您好，", "***您好，"),
    ("收款人：司马懿 账户名: 张三丰", "收款人：*** 账户名: ***"),
    ("Hello Ms. Jane Doe,", "Hello Ms. ***,"),
    ("Attn: Robert Brown", "Attn: ***"),
    ("Name: Alice Walker\nAccount holder: Bob Lee", "Name: ***\nAccount holder: ***"),
    ("Dear Valued Customer,", "Dear Valued Customer,"),
    ("纳税人孙丽（身份证", "纳税人***（身份证"),
    ("尊敬的客户王芳：", "尊敬的客户***："),
])
def test_names_of_people_addressed_are_masked(text, published):
    assert redact(text).text == published


@pytest.mark.parametrize(("text", "published"), [
    ("加QQ：12345", "加QQ：******"),
    ("微信号 abc_123", "微信号 ******"),
    ("加v: tax8899", "加v: ******"),
    ("vx taxhelp", "vx ******"),
    ("WhatsApp: +447700900123", "WhatsApp: ******"),
    ("Skype support team", "Skype support team"),
    ("online 24 hours", "online 24 hours"),
])
def test_chat_accounts_after_their_keyword_are_masked(text, published):
    assert redact(text).text == published


@pytest.mark.parametrize(("text", "published"), [
    ("https://www.chinatax.gov.cn/", "hxxps://www[.]chinatax[.]gov[.]cn/"),  # official ones too
    ("HTTP://ETAX.TOP", "hxxp://ETAX[.]TOP"),
    ("访问etax-gov.top办理", "访问etax-gov[.]top办理"),
    ("http://1.2.3.4/a.php", "hxxp://1[.]2[.]3[.]4/a[.]php"),
    ("https://www.chinatax.gov.cn@etax.top/x", "hxxps://www[.]chinatax[.]gov[.]cn@etax[.]top/x"),
    ("http :// strange", "hxxp :// strange"),
    ("www。etax。top", "www[.]etax[.]top"),
    ("irs.gov\u202e/pot.xe", "irs[.]gov/pot[.]xe"),
    ("ftp://files.example-tax.top/a", "fxp://files[.]example-tax[.]top/a"),
    ("pаypal-tax.com", "pаypal-tax[.]com"),  # Cyrillic а
    ("办理。中国税务局提醒", "办理。中国税务局提醒"),  # a sentence, not a domain
])
def test_links_are_defanged(text, published):
    assert redact(text).text == published


def test_defang_alone():
    assert defang("https://ｅｔａｘ．top/a.b") == "hxxps://etax[.]top/a[.]b"


def test_invisible_and_control_characters_are_removed():
    result = redact("退\u200b税\u202e\u2066 1\u00ad3\ufeff8\x00")
    assert result.text == "退税 138"
    assert result.counts == {"invisible": 6}


def test_the_result_is_plain_text_and_the_html_form_is_escaped():
    text = '<script>alert(1)</script> <a href="http://x.top">领取</a> & 尊敬的张三'
    assert redact(text).text.startswith("<script>")  # plain text: the caller escapes it
    safe = redact_html_safe(text)
    assert isinstance(safe, Markup)
    assert "<" not in safe and '"' not in safe and "&amp;" in safe
    assert "hxxp://x[.]top" in safe and "张三" not in safe


def test_only_strings_are_accepted():
    with pytest.raises(TypeError):
        redact(b"13812345678")


def test_safe_numbers_come_from_the_official_hotlines():
    assert {"8612366", "12366", "18008291040", "8008291040", "443002003300"} <= safe_numbers()


@pytest.mark.parametrize("text", [
    "1" * 100_000, "1 " * 50_000, "[" * 50_000 + "1" * 50_000 + "]" * 50_000, "\u200b1" * 50_000,
    "尊敬的" * 30_000, "Dear " * 30_000, "www." * 30_000, "a." * 100_000 + "top",
])
def test_hostile_inputs_leave_no_long_digit_run(text):
    out = redact(text).text
    assert not re.search(r"\d{7}", out)
    assert "www." not in out
