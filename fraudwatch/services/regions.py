"""Provinces (provincial-level divisions of China, ISO 3166-2:CN codes) a public report may
name, and the province a mainland phone number is registered in (phonenumbers' geocoder)."""
from __future__ import annotations

import phonenumbers
from phonenumbers import geocoder

# code -> (the Chinese name, which the geocoder's descriptions start with; the English name)
PROVINCES: dict[str, tuple[str, str]] = {
    "CN-BJ": ("北京", "Beijing"), "CN-TJ": ("天津", "Tianjin"), "CN-HE": ("河北", "Hebei"),
    "CN-SX": ("山西", "Shanxi"), "CN-NM": ("内蒙古", "Inner Mongolia"), "CN-LN": ("辽宁", "Liaoning"),
    "CN-JL": ("吉林", "Jilin"), "CN-HL": ("黑龙江", "Heilongjiang"), "CN-SH": ("上海", "Shanghai"),
    "CN-JS": ("江苏", "Jiangsu"), "CN-ZJ": ("浙江", "Zhejiang"), "CN-AH": ("安徽", "Anhui"),
    "CN-FJ": ("福建", "Fujian"), "CN-JX": ("江西", "Jiangxi"), "CN-SD": ("山东", "Shandong"),
    "CN-HA": ("河南", "Henan"), "CN-HB": ("湖北", "Hubei"), "CN-HN": ("湖南", "Hunan"),
    "CN-GD": ("广东", "Guangdong"), "CN-GX": ("广西", "Guangxi"), "CN-HI": ("海南", "Hainan"),
    "CN-CQ": ("重庆", "Chongqing"), "CN-SC": ("四川", "Sichuan"), "CN-GZ": ("贵州", "Guizhou"),
    "CN-YN": ("云南", "Yunnan"), "CN-XZ": ("西藏", "Tibet"), "CN-SN": ("陕西", "Shaanxi"),
    "CN-GS": ("甘肃", "Gansu"), "CN-QH": ("青海", "Qinghai"), "CN-NX": ("宁夏", "Ningxia"),
    "CN-XJ": ("新疆", "Xinjiang"), "CN-HK": ("香港", "Hong Kong"), "CN-MO": ("澳门", "Macao"),
    "CN-TW": ("台湾", "Taiwan"),
}


def region_of_phone(text: str | None, default_region: str = "CN") -> str | None:
    """The province code of a phone number registered in mainland China (or Hong Kong, Macao),
    when the geocoder knows it; None otherwise."""
    if not text:
        return None
    try:
        number = phonenumbers.parse(text[:64], default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    place = geocoder.description_for_number(number, "zh")
    return next((code for code, (short, _) in PROVINCES.items() if place.startswith(short)), None)
