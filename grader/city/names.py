"""Plausible names for a synthetic city: departments, counties, townships and people, and
resident ID numbers with a valid GB 11643 check digit. Places and people are made up from a seed
(a name that happens to match a real county or person is chance); the department names are the
generic organs every Chinese city has."""

from __future__ import annotations

import random
from datetime import date, timedelta

from grader.roster import check_digit

# The usual municipal organs and bodies of a Chinese prefecture-level city (generic: every city has them).
DEPARTMENTS = (
    "市纪委监委", "市委办公室", "市委组织部", "市委宣传部", "市委统战部", "市委政法委", "市委网信办",
    "市委编办", "市委党校", "市委老干部局", "市人大常委会机关", "市政府办公室", "市政协机关",
    "市发展和改革委员会", "市教育局", "市科学技术局", "市工业和信息化局", "市民族宗教事务局", "市公安局",
    "市民政局", "市司法局", "市财政局", "市人力资源和社会保障局", "市自然资源和规划局", "市生态环境局",
    "市住房和城乡建设局", "市城市管理局", "市交通运输局", "市水利局", "市农业农村局", "市商务局",
    "市文化广电和旅游局", "市卫生健康委员会", "市退役军人事务局", "市应急管理局", "市审计局",
    "市人民政府国有资产监督管理委员会", "市市场监督管理局", "市体育局", "市统计局", "市医疗保障局",
    "市信访局", "市机关事务管理局", "市林业局", "市粮食和物资储备局", "市中级人民法院", "市人民检察院",
    "市总工会", "共青团市委", "市妇联", "市科协", "市文联", "市残联", "市工商联", "市档案馆",
    "市住房公积金管理中心", "市公共资源交易中心", "市外事办公室", "市供销合作社", "市红十字会",
)
_PLACE_FIRST = "东西南北中青白清平安永长新宁丰临泉河山林金石龙凤桃柳梨杏柏松云泰华兴福康和广"
_PLACE_SECOND = "山川河源阳城水宁丰安泽陵州原坡岗桥集庄店寨营屯湖塘沟口岭台"
_DISTRICT_SUFFIX = "区"

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
_MALE = "伟强磊军洋勇杰涛明超刚平辉建文力斌宇浩凯鹏晨阳峰波亮鑫健永志国庆东海江瑞泽俊"
_FEMALE = "芳娜敏静丽艳娟秀霞桂英华玉兰萍红琳雪梅婷慧颖洁欣怡佳琪涵萱诺桐倩蕾璐莉丹"


def id_number(region: str, birth: date, sequence: int) -> str:
    """An 18-character resident ID: region (6 digits), birth date, sequence (odd for men), check."""
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + check_digit(body)


def place_names(rng: random.Random, count: int, suffixes: tuple[str, ...], taken: set[str]) -> list[str]:
    """`count` distinct two-character place names, each with one of the suffixes, none in `taken`."""
    names: list[str] = []
    while len(names) < count:
        name = rng.choice(_PLACE_FIRST) + rng.choice(_PLACE_SECOND) + rng.choice(suffixes)
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def county_names(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    """About a third urban districts (区), one county-level city (市), the rest counties (县)."""
    districts = max(1, count // 3)
    kinds = [_DISTRICT_SUFFIX] * districts + ["市"] * min(1, count - districts)
    kinds += ["县"] * (count - len(kinds))
    return [place_names(rng, 1, (suffix,), taken)[0] for suffix in kinds]


def township_suffixes(county: str) -> tuple[str, ...]:
    """Urban districts are divided into 街道; counties mostly into 镇 and 乡."""
    if county.endswith(_DISTRICT_SUFFIX):
        return ("街道", "街道", "街道", "镇")
    return ("镇", "镇", "镇", "乡", "乡", "街道")


def person_name(rng: random.Random, male: bool) -> str:
    given = _MALE if male else _FEMALE
    return rng.choice(SURNAMES) + "".join(rng.choice(given) for _ in range(1 if rng.random() < 0.3 else 2))


def birth_date(rng: random.Random, on: date, youngest: int, oldest: int) -> date:
    age_days = rng.randint(youngest * 365, oldest * 365)
    return on - timedelta(days=age_days)
