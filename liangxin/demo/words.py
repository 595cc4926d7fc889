"""The words the demo county is drawn from: names of people, trades, shops, associations, and
the shares of education and positions among members. Data only."""

from __future__ import annotations

from liangxin.registry.choices import Education, OrganizationType

# Names and words. Surnames roughly by frequency, with the Buyi and Yi surnames of the county.
SURNAMES = (
    "王李张刘陈杨黄赵周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤岑普"
)
MALE = "建国华军明强伟勇林平刚杰斌涛波磊超鹏辉俊峰文武海东春云龙成忠德福祥荣昌兴学志永光宏庆升贵发富"
FEMALE = "秀英华丽芳敏静燕娟霞琴梅艳玲萍红兰珍凤洁慧莉婷雪琳蓉春云琼彩美菊仙"
BRANDS = (  # noqa: SIM905 - four lines of words read better than eighty lines of list
    "鑫源 华泰 兴达 恒通 瑞丰 金鼎 宏盛 永兴 万福 富源 顺达 盛世 天成 金诚 博远 鸿运 丰泽 云岭 滇东 多依河 "
    "金鸡峰 花海 恒昌 德丰 佳禾 康达 利民 福源 祥和 吉祥 腾达 新星 隆昌 汇通 明珠 长青 百川 润丰 龙腾 凯达 "
    "嘉禾 安泰 宏达 金穗 昌盛 润泽 骏马 正通 同心 彩云 金山 青山 绿源 旺达 益民 惠民 兴旺 东升 红土 金沙 "
    "宏图 远航 和顺 泰丰 荣昌 宝丰 瑞祥 兴盛 金叶 花都 金岭 恒达 大成 聚源 众诚 合力 新城 通达 万盛 永昌"
).split()

# (name suffix, industry GB/T 4754, department code, tiers L/M/S, weight)
COMPANY_KINDS = [
    ("煤业", "B06", "KGXJ", "LM", 3),
    ("水泥", "C30", "KGXJ", "LM", 1),
    ("建材", "C30", "KGXJ", "LMS", 3),
    ("建筑工程", "E47", "ZJJ", "LMS", 4),
    ("路桥工程", "E48", "JTYSJ", "LMS", 1),
    ("房地产开发", "K70", "ZJJ", "LMS", 2),
    ("物业服务", "K70", "ZJJ", "MS", 1),
    ("商贸", "F51", "SWJ", "LMS", 5),
    ("超市", "F52", "SWJ", "LMS", 2),
    ("汽车销售服务", "F52", "SWJ", "MS", 1),
    ("医药", "F51", "SCJGJ", "MS", 1),
    ("物流", "G54", "JTYSJ", "LMS", 2),
    ("客运", "G54", "JTYSJ", "LM", 1),
    ("运输", "G54", "JTYSJ", "MS", 2),
    ("蜂业", "C14", "NYNCJ", "LMS", 2),
    ("菜籽油", "C13", "KGXJ", "LMS", 2),
    ("食品", "C14", "SCJGJ", "MS", 2),
    ("茶业", "C15", "NYNCJ", "MS", 1),
    ("酒业", "C15", "KGXJ", "MS", 1),
    ("农业开发", "A01", "NYNCJ", "MS", 3),
    ("生态农业", "A01", "NYNCJ", "S", 2),
    ("水电开发", "D44", "KGXJ", "LMS", 1),
    ("旅游开发", "N78", "WLJ", "LMS", 1),
    ("酒店管理", "H61", "WLJ", "MS", 2),
    ("餐饮管理", "H62", "SWJ", "S", 2),
    ("化工", "C26", "KGXJ", "LM", 1),
    ("矿业", "B09", "ZRZYJ", "MS", 1),
    ("石材", "C30", "ZRZYJ", "S", 1),
    ("家具", "C21", "KGXJ", "S", 1),
    ("服装", "C18", "KGXJ", "S", 1),
    ("印务", "C23", "KGXJ", "S", 1),
    ("广告传媒", "L72", "SCJGJ", "S", 1),
    ("劳务服务", "L72", "RSJ", "S", 1),
    ("电子商务", "F52", "SWJ", "S", 1),
    ("农机服务", "A05", "NYNCJ", "S", 1),
]
# Sole proprietorships and partnerships: named after a place, no 有限公司.
PRIVATE_KINDS = [
    ("煤矿", "B06", "KGXJ", "LMS", 3),
    ("砖厂", "C30", "ZRZYJ", "S", 2),
    ("采石场", "B10", "ZRZYJ", "S", 2),
    ("加油站", "F52", "SWJ", "S", 1),
    ("养殖场", "A03", "NYNCJ", "S", 2),
    ("酒厂", "C15", "SCJGJ", "S", 1),
    ("茶厂", "C15", "NYNCJ", "S", 1),
    ("榨油厂", "C13", "SCJGJ", "S", 1),
    ("木材加工厂", "C20", "KGXJ", "S", 1),
]
SHOPS = [
    ("米线店", "H62", 5),
    ("小吃店", "H62", 4),
    ("饭店", "H62", 4),
    ("烧烤店", "H62", 2),
    ("农家乐", "H62", 2),
    ("客栈", "H61", 2),
    ("便利店", "F52", 5),
    ("副食店", "F52", 4),
    ("五金店", "F52", 3),
    ("农资经营部", "F52", 4),
    ("建材经营部", "F52", 3),
    ("服装店", "F52", 3),
    ("手机店", "F52", 2),
    ("烟酒店", "F52", 2),
    ("茶叶店", "F52", 1),
    ("粮油店", "F52", 2),
    ("蜂蜜经营部", "F52", 3),
    ("药店", "F52", 2),
    ("汽车修理部", "O81", 3),
    ("摩托车修理部", "O81", 2),
    ("家电维修部", "O81", 1),
    ("洗车店", "O81", 1),
    ("理发店", "O80", 3),
    ("美容店", "O80", 2),
    ("照相馆", "O80", 1),
    ("诊所", "Q84", 1),
    ("货运部", "G54", 2),
    ("快递服务点", "G60", 1),
    ("豆腐坊", "C13", 1),
    ("榨油坊", "C13", 1),
    ("养殖场", "A03", 3),
]
SHOP_DEPARTMENT = {"H61": "WLJ", "Q84": "WJJ", "G54": "JTYSJ", "G60": "JTYSJ", "A03": "NYNCJ"}
COOP_PRODUCTS = [
    ("养蜂", "A03", 6),
    ("油菜种植", "A01", 4),
    ("小黄姜种植", "A01", 4),
    ("生猪养殖", "A03", 3),
    ("蔬菜种植", "A01", 3),
    ("烤烟种植", "A01", 2),
    ("肉牛养殖", "A03", 2),
    ("山羊养殖", "A03", 2),
    ("魔芋种植", "A01", 1),
    ("核桃种植", "A01", 1),
    ("茶叶种植", "A01", 1),
    ("水果种植", "A01", 2),
    ("中药材种植", "A01", 1),
    ("食用菌种植", "A01", 1),
    ("花卉种植", "A01", 1),
    ("土鸡养殖", "A03", 2),
    ("水产养殖", "A04", 1),
    ("农机服务", "A05", 1),
]
ASSOCIATIONS = [
    ("油菜花产业", "NYNCJ"),
    ("小黄姜产业", "NYNCJ"),
    ("生猪产业", "NYNCJ"),
    ("蔬菜产业", "NYNCJ"),
    ("茶叶产业", "NYNCJ"),
    ("中药材产业", "NYNCJ"),
    ("水产养殖", "NYNCJ"),
    ("农机", "NYNCJ"),
    ("旅游", "WLJ"),
    ("酒店业", "WLJ"),
    ("餐饮行业", "SWJ"),
    ("电子商务", "SWJ"),
    ("建筑业", "ZJJ"),
    ("房地产业", "ZJJ"),
    ("道路运输", "JTYSJ"),
    ("物流", "JTYSJ"),
    ("汽车维修", "JTYSJ"),
    ("煤炭行业", "KGXJ"),
    ("个体劳动者", "SCJGJ"),
    ("美容美发", "SCJGJ"),
    ("消费者", "SCJGJ"),
    ("私营企业", "GSL"),
    ("家政服务", "RSJ"),
    ("民办教育", "JYTYJ"),
    ("砂石行业", "ZRZYJ"),
]
CHAMBERS = ["浙江", "福建", "四川", "贵州", "湖南", "江西", "广东", "重庆", "湖北", "河南"]
SOCIAL_GROUPS = [
    "老年体育协会",
    "摄影家协会",
    "书法家协会",
    "作家协会",
    "音乐舞蹈家协会",
    "民间文艺家协会",
    "收藏家协会",
    "登山运动协会",
    "篮球协会",
    "钓鱼协会",
    "志愿者协会",
    "慈善协会",
    "布依族文化研究会",
    "彝族文化研究会",
    "诗词楹联学会",
    "老科技工作者协会",
]
NON_ENTERPRISES = [
    ("养老院", "Q85", "MZJ"),
    ("老年公寓", "Q85", "MZJ"),
    ("社会工作服务中心", "Q85", "MZJ"),
    ("文化艺术中心", "R88", "WLJ"),
    ("体育健身中心", "R89", "JYTYJ"),
    ("康复中心", "Q84", "WJJ"),
    ("托育中心", "Q85", "WJJ"),
    ("职业技能培训中心", "P83", "RSJ"),
]
SCHOOLS = [("幼儿园", "JYTYJ", 6), ("艺术培训学校", "JYTYJ", 2), ("职业技能培训学校", "RSJ", 2)]
HOSPITALS = ["中医医院", "口腔医院", "妇产医院"]

DISSOLUTION_REASONS = [
    "煤矿停产整顿,党员外出务工,正式党员不足3名。",
    "企业经营困难大幅裁员,党员相继离职,正式党员不足3名。",
    "商会换届后党员会员退出,正式党员不足3名,组织关系已转出。",
]
EDUCATION_ECONOMIC = [
    (Education.PRIMARY, 4),
    (Education.JUNIOR, 24),
    (Education.SENIOR, 30),
    (Education.COLLEGE, 24),
    (Education.BACHELOR, 16),
    (Education.POSTGRADUATE, 2),
]
EDUCATION_SOCIAL = [
    (Education.SENIOR, 8),
    (Education.COLLEGE, 30),
    (Education.BACHELOR, 52),
    (Education.POSTGRADUATE, 10),
]
POSITIONS: dict[str, list[str]] = {
    OrganizationType.INDIVIDUAL_BUSINESS: ["业主", "店员"],
    OrganizationType.FARMERS_COOPERATIVE: ["理事长", "社员", "技术员"],
    OrganizationType.INDUSTRY_ASSOCIATION: ["会长", "秘书长", "工作人员"],
    OrganizationType.CHAMBER_OF_COMMERCE: ["会长", "秘书长", "工作人员"],
    OrganizationType.SOCIAL_GROUP: ["会长", "秘书长", "工作人员"],
    OrganizationType.PRIVATE_SCHOOL: ["教师", "教师", "教师", "校长", "副校长", "教务主任"],
    OrganizationType.PRIVATE_HOSPITAL: ["医生", "医生", "护士", "护士", "院长", "药剂师"],
    OrganizationType.LAW_FIRM: ["律师", "律师", "主任律师"],
    OrganizationType.ACCOUNTING_FIRM: ["注册会计师", "会计"],
    OrganizationType.PRIVATE_NON_ENTERPRISE: ["负责人", "工作人员", "工作人员"],
}
COMPANY_POSITIONS = [
    "职工",
    "职工",
    "职工",
    "技术员",
    "班组长",
    "车间主任",
    "安全员",
    "驾驶员",
    "办公室主任",
    "财务人员",
    "销售经理",
    "副总经理",
    "总经理",
]

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
