"""Word lists for generated Chinese names and addresses (a fictional city, 锦城)."""
import random

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉鹏飞鑫波宇浩凯健俊帆帅旭宁欣怡婷雪琳晨阳佳慧倩颖子涵梓轩浩然雨萱思远志强海燕春梅秋菊冬生"
COMMUNITY_HEAD = ["锦绣", "翠湖", "金沙", "芙蓉", "望江", "桂苑", "银杏", "紫荆", "玉林", "青枫", "碧云", "枫林",
                  "荷塘", "东篱", "南苑", "西岭", "北辰", "和平", "幸福", "阳光", "滨河", "书香", "梧桐", "锦华",
                  "兴隆", "长春", "华府", "嘉禾", "春晓", "月湾", "丽景", "雅居", "蓝湾", "香樟", "映山", "凤凰"]
COMMUNITY_TAIL = ["花园", "苑", "小区", "家园", "新村", "里", "雅居", "公寓", "华庭", "名都", "城", "湾"]
DISTRICTS = {
    "锦江区": ["春熙路街道", "书院街街道", "合江亭街道", "沙河街道"],
    "青羊区": ["草市街街道", "少城街道", "府南街道", "光华街道"],
    "金牛区": ["荷花池街道", "驷马桥街道", "抚琴街道", "营门口街道"],
    "武侯区": ["浆洗街街道", "玉林街道", "火车南站街道", "红牌楼街道"],
    "成华区": ["猛追湾街道", "建设路街道", "府青路街道", "跳蹬河街道"],
    "高新区": ["桂溪街道", "芳草街街道", "石羊街道", "肖家河街道"],
}
NEIGHBOURHOOD = ["东", "西", "南", "北", "中", "新", "和", "兴"]
ROADS = ["人民南路", "蜀都大道", "天府大道", "一环路", "二环路", "建设路", "红星路", "玉林北路", "芳草街", "府青路",
         "抚琴西路", "青华路", "光华大道", "科华北路", "双林路", "新华大道"]
BUILDING_KINDS = ["residential"] * 8 + ["mixed", "commercial"]


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def community_name(rng: random.Random, used: set[str]) -> str:
    for _ in range(1000):
        name = rng.choice(COMMUNITY_HEAD) + rng.choice(COMMUNITY_TAIL)
        if name not in used:
            used.add(name)
            return name
    name = f"{rng.choice(COMMUNITY_HEAD)}{len(used)}期"
    used.add(name)
    return name


def place(rng: random.Random) -> tuple[str, str, str, str]:
    """(district, street, neighbourhood, address)."""
    district = rng.choice(list(DISTRICTS))
    street = rng.choice(DISTRICTS[district])
    neighbourhood = street[:2] + rng.choice(NEIGHBOURHOOD) + "社区"
    address = f"锦城市{district}{rng.choice(ROADS)}{rng.randint(1, 399)}号"
    return district, street, neighbourhood, address
