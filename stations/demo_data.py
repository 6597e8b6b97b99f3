"""The content of the demo city loaded by `manage.py load_demo` (see docs/demo-data.md).

Xiamen (厦门市) with two districts, the Guanren community sub-station modelled on
the news reports in shared/seeds, the traditional Chinese medicine health
sub-station and a street station in Huli. Every text a person reads is given in
both languages as a (Chinese, English) pair. Names of regions, the TCM hospital,
the Marco Polo hotel and the two international schools are real; people, law
firms, telephone numbers, e-mail addresses and document numbers are invented
(e-mail addresses use the reserved example.* domains).

The figures of the Guanren sub-station's year follow the report of its first
year: 29 Chinese-foreign neighbour events with 214 participant-times, 608
one-to-one consultations of which 326 were about the epidemic, nearly 300 hours
of psychological counselling, about 300 hours of volunteer service.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

# One password for every demo account, printed by the command and documented in
# docs/demo-data.md. Demo databases only: never load the demo into production.
DEMO_PASSWORD = "demo-station-2026"


def demo_totp_key(email: str) -> str:
    """The demo authenticator key of a demo login (hex, 20 bytes): fixed, so
    that the demo's codes can be printed (`manage.py demo_codes`). Demo data
    only; a real device gets a random key when its owner sets it up."""
    return hashlib.sha256(f"demo authenticator {email}".encode()).hexdigest()[:40]

DEMO_DOMAIN = "demo.example.org"

# --------------------------------------------------------------------------- regions

# (code, level, parent code, Chinese, English)
REGIONS = [
    ("xiamen", "city", None, "厦门市", "Xiamen"),
    ("xiamen-siming", "district", "xiamen", "思明区", "Siming District"),
    ("xiamen-huli", "district", "xiamen", "湖里区", "Huli District"),
    ("xiamen-siming-yundang", "street", "xiamen-siming", "筼筜街道", "Yundang Street"),
    ("xiamen-siming-jialian", "street", "xiamen-siming", "嘉莲街道", "Jialian Street"),
    ("xiamen-huli-jiangtou", "street", "xiamen-huli", "江头街道", "Jiangtou Street"),
    ("xiamen-siming-yundang-guanren", "community", "xiamen-siming-yundang", "官任社区",
     "Guanren Community"),
    ("xiamen-siming-yundang-xianyue", "community", "xiamen-siming-yundang", "仙岳社区",
     "Xianyue Community"),
    ("xiamen-siming-yundang-yuhou", "community", "xiamen-siming-yundang", "屿后社区",
     "Yuhou Community"),
]

# --------------------------------------------------------------------------- stations

GUANREN = "xiamen-guanren"
TCM = "xiamen-tcm-health"
JIANGTOU = "xiamen-jiangtou"

# The date each station opened; residents registered before it are dated after it.
OPENED = {GUANREN: date(2021, 7, 16), TCM: date(2023, 2, 1), JIANGTOU: date(2022, 5, 20)}

STATIONS = [
    {
        "slug": GUANREN,
        "region": "xiamen-siming-yundang-guanren",
        "kind": "community",
        "name": ("厦门市外国人才服务站官任社区分站",
                 "Xiamen Foreign Talent Service Station, Guanren Community Sub-station"),
        "description": (
            "2021年7月揭牌，是厦门市外国人才服务站的首个社区分站，由市科技局（市外国专家局）"
            "与筼筜街道联合建立。官任社区共有来自46个国家和地区的1536位境外居民，有“小联合国”"
            "之称。分站把服务窗口延伸到外国人才家门口，让外国友人办事不出社区：中外邻里活动、"
            "一对一咨询、语言培训与文化交流、心理咨询室和无国界调解工作室；及时把政策资讯译成"
            "双语，把热点问题录成短视频，并编写《外籍人才来厦工作生活手册》和双语社区公约。",
            "Opened in July 2021 as the first community sub-station of the Xiamen Foreign "
            "Talent Service Station, set up by the Municipal Science and Technology Bureau "
            "(Foreign Experts Bureau) together with Yundang Street. Guanren is home to 1,536 "
            "residents from 46 countries and regions outside the mainland and is known as the "
            "\"little United Nations\". The sub-station brings services to foreign residents' "
            "doorsteps: Chinese-foreign neighbour events, one-to-one consultations, language "
            "classes and cultural exchange, a psychological counselling room and the "
            "Borderless Mediation Studio. It translates policy notices into both languages, "
            "records short videos on questions of the moment, and keeps the Handbook for "
            "Foreign Talents Working and Living in Xiamen and a bilingual community convention.",
        ),
        "address": ("厦门市思明区筼筜街道官任社区党群服务中心",
                    "Guanren Community Service Centre, Yundang Street, Siming District, Xiamen"),
        "phone": "+86 592 5051234",
        "email": f"guanren@{DEMO_DOMAIN}",
        "opening_hours": (
            "周一至周五 8:30-12:00，14:30-17:30；周六 9:00-12:00（心理咨询请预约）",
            "Monday to Friday 8:30-12:00 and 14:30-17:30; Saturday 9:00-12:00 "
            "(psychological counselling by appointment)",
        ),
        "languages": ["zh", "en", "nan", "ko", "ja", "fr"],
    },
    {
        "slug": TCM,
        "region": "xiamen-huli",
        "kind": "special",
        "name": ("厦门市外国人才服务站中医保健分站",
                 "Xiamen Foreign Talent Service Station, Traditional Chinese Medicine "
                 "Health Sub-station"),
        "description": (
            "由市科技局、市卫健委、市中医院共同筹建，依托厦门市中医院为在厦外籍人才提供中医"
            "诊疗咨询、义诊、专家讲座和中医养生体验等专业服务。与官任分站签署共建协议，定期"
            "组织医疗专家到社区开展义诊，实现医疗部门与外籍人才服务的有效联动、资源共享。",
            "Set up by the Municipal Science and Technology Bureau, the Municipal Health "
            "Commission and Xiamen Hospital of Traditional Chinese Medicine. At the hospital it "
            "offers foreign talents TCM consultations, free clinics, expert lectures and "
            "hands-on TCM wellness sessions. It has signed a co-building agreement with the "
            "Guanren sub-station and regularly sends medical experts to the community for free "
            "clinics, linking medical services with the services for foreign talents.",
        ),
        "address": ("厦门市湖里区仙岳路 厦门市中医院门诊楼一楼",
                    "Ground floor, outpatient building, Xiamen Hospital of Traditional "
                    "Chinese Medicine, Xianyue Road, Huli District, Xiamen"),
        "phone": "+86 592 5579021",
        "email": f"tcm@{DEMO_DOMAIN}",
        "opening_hours": (
            "周一至周五 8:00-12:00，14:30-17:30（义诊和讲座时间另行通知）",
            "Monday to Friday 8:00-12:00 and 14:30-17:30 (free clinics and lectures as announced)",
        ),
        "languages": ["zh", "en", "nan"],
    },
    {
        "slug": JIANGTOU,
        "region": "xiamen-huli-jiangtou",
        "kind": "street",
        "name": ("湖里区江头街道国际社区服务站",
                 "Jiangtou Street International Community Service Station, Huli District"),
        "description": (
            "服务江头片区的外籍居民、港澳台居民和归侨侨眷：政策咨询、就业创业辅导、子女入学"
            "咨询、法律援助与调解，组织中外居民邻里活动和外籍志愿者服务队，与共建律师事务所、"
            "国际学校和医院结对，为居民提供“家门口”的一站式服务。",
            "Serves foreign residents, Hong Kong, Macao and Taiwan residents, and returned "
            "overseas Chinese and their relatives around Jiangtou: policy advice, employment "
            "and business guidance, school enrolment advice, legal aid and mediation, "
            "Chinese-foreign neighbour events and a team of foreign volunteers. Paired law "
            "firms, an international school and a hospital help it offer one-stop services "
            "close to home.",
        ),
        "address": ("厦门市湖里区台湾街289号 江头街道办事处一楼",
                    "Ground floor, Jiangtou Street Office, 289 Taiwan Street, Huli District, "
                    "Xiamen"),
        "phone": "+86 592 5552011",
        "email": f"jiangtou@{DEMO_DOMAIN}",
        "opening_hours": ("周一至周五 9:00-12:00，14:00-18:00",
                          "Monday to Friday 9:00-12:00 and 14:00-18:00"),
        "languages": ["zh", "en", "nan", "yue", "ja"],
    },
]

# Opening periods used to place consultations: weekday (Mon=0) -> [(start, end)].
_WEEKDAYS = {d: [((8, 30), (12, 0)), ((14, 30), (17, 30))] for d in range(5)}
OPENING_PERIODS = {
    GUANREN: {**_WEEKDAYS, 5: [((9, 0), (12, 0))]},
    TCM: {d: [((8, 0), (12, 0)), ((14, 30), (17, 30))] for d in range(5)},
    JIANGTOU: {d: [((9, 0), (12, 0)), ((14, 0), (18, 0))] for d in range(5)},
}

# (station, kind, (Chinese, English) name, (Chinese, English) description,
#  agreement signed, contact person, phone)
PARTNERS = [
    (GUANREN, "hospital", ("厦门市中医院", "Xiamen Hospital of Traditional Chinese Medicine"),
     ("通过中医保健分站提供医疗服务、义诊和专家讲座，并组织医疗专家到社区义诊。",
      "Provides medical services, free clinics and expert lectures through the TCM health "
      "sub-station and sends medical experts to the community."),
     date(2023, 1, 17), "叶清华", "+86 592 5579021"),
    (GUANREN, "hotel", ("厦门马哥孛罗酒店", "Marco Polo Xiamen"),
     ("长期支持分站活动，与酒店同业者共同开展公益慈善项目。",
      "A long-standing supporter of the sub-station; runs charity projects with other hotels."),
     date(2021, 9, 15), "王静怡", "+86 592 5091888"),
    (GUANREN, "school", ("珉厦国际学校", "Minxia International School"),
     ("提供活动场地与外籍教师志愿者，合作开展疫情期间儿童心理健康项目。",
      "Lends rooms and foreign teacher volunteers; works with the sub-station on children's "
      "mental health."),
     date(2021, 11, 10), "Rachel Adams", "+86 592 5213366"),
    (GUANREN, "law_firm", ("鹭岛涉外律师事务所", "Ludao Foreign-Related Law Firm"),
     ("结对律师为外籍居民提供法律咨询、法律援助，并参与无国界调解工作室。",
      "Paired lawyers give legal advice and legal aid and sit in the Borderless Mediation "
      "Studio."),
     date(2022, 3, 1), "陈志远", "+86 592 5107688"),
    (TCM, "hospital", ("厦门市中医院", "Xiamen Hospital of Traditional Chinese Medicine"),
     ("分站依托单位：提供诊室、医生和中医药文化体验。",
      "The host hospital: consulting rooms, doctors and TCM culture sessions."),
     date(2023, 1, 10), "叶清华", "+86 592 5579021"),
    (TCM, "school", ("厦门国际学校", "Xiamen International School"),
     ("为师生和家长开展中医养生讲座和健康咨询。",
      "TCM wellness talks and health advice for teachers, students and parents."),
     date(2023, 9, 5), "Michael Grant", "+86 592 6256581"),
    (JIANGTOU, "school", ("厦门国际学校", "Xiamen International School"),
     ("子女入学与择校讲座，国际学校家长志愿者参与社区活动。",
      "Talks on school enrolment; parents from the school volunteer at community events."),
     date(2022, 9, 1), "Michael Grant", "+86 592 6256581"),
    (JIANGTOU, "law_firm", ("江头明诚律师事务所", "Mingcheng Law Firm, Jiangtou"),
     ("为外籍和港澳台居民提供劳动、租房和创业相关法律咨询与法律援助。",
      "Legal advice and legal aid on employment, tenancy and starting a business."),
     date(2022, 6, 18), "林佩瑜", "+86 592 5813206"),
    (JIANGTOU, "hospital", ("厦门市中医院", "Xiamen Hospital of Traditional Chinese Medicine"),
     ("定期到街道开展中医义诊和健康讲座。",
      "Regular TCM free clinics and health talks in the street."),
     date(2023, 4, 12), "叶清华", "+86 592 5579021"),
]

# --------------------------------------------------------------------------- people with logins


@dataclass(frozen=True)
class Login:
    email: str
    full_name: str
    role: str  # superuser, manager, staff, counsellor, official, resident
    station: str | None = None  # station slug
    region: str | None = None  # region code, for officials

    @property
    def is_staff(self) -> bool:
        return self.role != "resident"


def _login(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


LOGINS = [
    Login(_login("admin"), "平台管理员 Portal administrator", "superuser"),
    Login(_login("guanren.manager"), "林晓燕 Lin Xiaoyan", "manager", GUANREN),
    Login(_login("guanren.staff"), "黄志明 Huang Zhiming", "staff", GUANREN),
    Login(_login("guanren.counsellor"), "郑思琪 Zheng Siqi", "counsellor", GUANREN),
    Login(_login("tcm.manager"), "李慧敏 Li Huimin", "manager", TCM),
    Login(_login("tcm.staff"), "吴俊杰 Wu Junjie", "staff", TCM),
    Login(_login("tcm.counsellor"), "陈立文 Chen Liwen", "counsellor", TCM),
    Login(_login("jiangtou.manager"), "张丽华 Zhang Lihua", "manager", JIANGTOU),
    Login(_login("jiangtou.staff"), "许文博 Xu Wenbo", "staff", JIANGTOU),
    Login(_login("jiangtou.counsellor"), "蔡佳怡 Cai Jiayi", "counsellor", JIANGTOU),
    Login(_login("official.siming"), "周国强 Zhou Guoqiang", "official", region="xiamen-siming"),
    Login(_login("official.xiamen"), "刘敏 Liu Min", "official", region="xiamen"),
    Login(_login("resident.guanren"), "Tereza Dvořáková", "resident", GUANREN),
]

# --------------------------------------------------------------------------- catalogues

# (slug, Chinese, English)
EVENT_CATEGORIES = [
    ("cultural-exchange", "文化交流", "Cultural exchange"),
    ("language-class", "语言课堂", "Language class"),
    ("free-clinic", "义诊", "Free clinic"),
    ("expert-lecture", "专家讲座", "Expert lecture"),
    ("support-group", "心理支持团体辅导", "Psychological support group"),
    ("environmental", "环保", "Environmental action"),
    ("charity", "公益慈善", "Charity"),
    ("festival", "节日活动", "Festival"),
    ("online-livestream", "线上直播", "Online livestream"),
    ("tree-planting", "植树", "Tree planting"),
]

# (slug, Chinese, English, (Chinese, English) description, epidemic-related, sensitive)
TOPICS = [
    ("daily-life", "日常生活", "Daily life",
     ("租房、水电燃气、银行卡、手机支付、快递等日常生活事务。",
      "Renting, utilities, bank cards, mobile payment, deliveries and other everyday matters."),
     False, False),
    ("medical-care", "就医", "Medical care",
     ("挂号、就诊陪同、医保与商业保险、中医诊疗咨询。",
      "Booking a doctor, being accompanied to hospital, insurance, TCM consultations."),
     False, True),
    ("vaccination", "疫苗接种", "Vaccination",
     ("疫苗接种预约、接种点和接种记录。",
      "Booking a vaccination, vaccination sites and vaccination records."),
     True, False),
    ("health-code", "健康码", "Health code",
     ("外籍人士注册健康码、闽政通健康码信息同步。",
      "Registering a health code as a foreign national; syncing health code data in the "
      "Minzhengtong app."),
     True, False),
    ("visas-residence", "签证与居留许可", "Visas and residence permits",
     ("签证延期、居留许可申请与变更、住宿登记。",
      "Visa extensions, applying for or changing a residence permit, registering an address."),
     False, False),
    ("work-permits", "工作许可", "Work permits",
     ("外国人来华工作许可的申请、延期、变更和注销。",
      "Applying for, extending, changing and cancelling a foreigner's work permit."),
     False, False),
    ("employment-business", "就业创业", "Employment and business",
     ("求职、劳动合同、注册公司和创业扶持政策。",
      "Finding work, employment contracts, registering a company and start-up support."),
     False, False),
    ("legal-aid", "法律援助", "Legal aid",
     ("由共建律师事务所提供的法律咨询和法律援助。",
      "Legal advice and legal aid from the paired law firms."),
     False, False),
    ("mediation", "调解", "Mediation",
     ("无国界调解工作室：邻里、租赁和消费纠纷调解。",
      "The Borderless Mediation Studio: disputes between neighbours, tenants and landlords, "
      "shops and customers."),
     False, False),
    ("psychological-counselling", "心理咨询", "Psychological counselling",
     ("由外籍心理咨询师提供的个体心理咨询：压力、人际关系、适应与应激。",
      "Individual counselling by a foreign psychologist: stress, relationships, adjustment "
      "and acute strain."),
     False, True),
    ("schooling", "子女入学", "Schooling",
     ("外籍子女入读公办学校、国际学校和幼儿园。",
      "Enrolling children in public schools, international schools and kindergartens."),
     False, False),
]

# --------------------------------------------------------------------------- counsellors


@dataclass(frozen=True)
class CounsellorSpec:
    station: str
    name: str
    title: tuple[str, str]
    bio: tuple[str, str]
    languages: tuple[str, ...]
    topics: tuple[str, ...]
    login: str | None = None  # e-mail of the staff account, None for outside professionals
    # office hours when narrower than the station's: weekday -> [((h, m), (h, m))]
    periods: dict | None = None

    @property
    def is_external(self) -> bool:
        return self.login is None


COUNSELLORS = [
    CounsellorSpec(
        GUANREN, "郑思琪 Zheng Siqi", ("涉外社工", "Social worker for foreign residents"),
        ("负责分站一对一咨询和无国界调解工作室的日常工作。",
         "Runs the sub-station's one-to-one consultations and the Borderless Mediation "
         "Studio day to day."),
        ("zh", "en", "nan"),
        ("daily-life", "medical-care", "vaccination", "health-code", "visas-residence",
         "work-permits", "employment-business", "mediation", "schooling"),
        login=_login("guanren.counsellor"),
    ),
    CounsellorSpec(
        GUANREN, "黄志明 Huang Zhiming", ("分站工作人员", "Sub-station officer"),
        ("负责政策咨询、证件办理指引和双语政策资讯翻译。",
         "Policy questions, guidance on permits and bilingual policy notices."),
        ("zh", "en", "nan"),
        ("daily-life", "vaccination", "health-code", "visas-residence", "work-permits"),
        login=_login("guanren.staff"),
    ),
    CounsellorSpec(
        GUANREN, "Sophie Laurent", ("特聘外籍心理咨询师", "Contracted foreign psychologist"),
        ("临床心理学硕士，在厦生活十余年，用英语和法语提供个体心理咨询，并带领分站的心理支持"
         "团体辅导。",
         "Clinical psychologist (MSc) who has lived in Xiamen for over ten years; gives "
         "individual counselling in English and French and leads the sub-station's "
         "psychological support groups."),
        ("en", "fr", "zh"),
        ("psychological-counselling",),
    ),
    CounsellorSpec(
        GUANREN, "陈志远 Chen Zhiyuan",
        ("鹭岛涉外律师事务所律师（共建单位）", "Lawyer, Ludao Foreign-Related Law Firm (partner)"),
        ("每周二下午在分站坐班，提供法律咨询和法律援助，参与无国界调解。",
         "Holds office hours at the sub-station on Tuesday afternoons: legal advice, legal aid "
         "and borderless mediation."),
        ("zh", "en", "nan"),
        ("legal-aid", "mediation", "employment-business"),
        periods={1: [((14, 30), (17, 30))]},
    ),
    CounsellorSpec(
        TCM, "陈立文 Chen Liwen", ("主治中医师", "Attending TCM physician"),
        ("厦门市中医院主治中医师，擅长针灸和体质调理，可用英语问诊。",
         "Attending physician at Xiamen Hospital of TCM; acupuncture and constitution-based "
         "care; consults in English."),
        ("zh", "en", "nan"),
        ("medical-care", "daily-life"),
        login=_login("tcm.counsellor"),
    ),
    CounsellorSpec(
        TCM, "吴俊杰 Wu Junjie", ("涉外医疗协调员", "International patient coordinator"),
        ("协助外籍患者预约、就诊陪同、医保和商业保险结算。",
         "Helps foreign patients book appointments, accompanies them and sorts out insurance."),
        ("zh", "en"),
        ("medical-care", "daily-life", "vaccination"),
        login=_login("tcm.staff"),
    ),
    CounsellorSpec(
        TCM, "叶清华 Ye Qinghua", ("主任中医师（厦门市中医院）",
                                "Chief TCM physician (Xiamen Hospital of TCM)"),
        ("每周三上午在分站坐诊，负责义诊和专家讲座。",
         "Sees patients at the sub-station on Wednesday mornings; leads free clinics and "
         "lectures."),
        ("zh", "nan"),
        ("medical-care",),
        periods={2: [((8, 0), (12, 0))]},
    ),
    CounsellorSpec(
        JIANGTOU, "蔡佳怡 Cai Jiayi", ("涉外社工", "Social worker for foreign residents"),
        ("负责政策咨询、子女入学咨询和港澳台居民服务。",
         "Policy questions, school enrolment and services for Hong Kong, Macao and Taiwan "
         "residents."),
        ("zh", "en", "nan", "yue"),
        ("daily-life", "visas-residence", "work-permits", "employment-business", "schooling",
         "vaccination", "health-code", "medical-care", "mediation"),
        login=_login("jiangtou.counsellor"),
    ),
    CounsellorSpec(
        JIANGTOU, "许文博 Xu Wenbo", ("服务站工作人员", "Station officer"),
        ("负责就业创业辅导和证件办理指引。",
         "Employment and business guidance, help with permits."),
        ("zh", "en", "ja"),
        ("daily-life", "visas-residence", "work-permits", "employment-business"),
        login=_login("jiangtou.staff"),
    ),
    CounsellorSpec(
        JIANGTOU, "林佩瑜 Lin Peiyu",
        ("江头明诚律师事务所律师（共建单位）", "Lawyer, Mingcheng Law Firm (partner)"),
        ("提供劳动、租房和创业相关法律咨询与法律援助。",
         "Legal advice and legal aid on employment, tenancy and starting a business."),
        ("zh", "en", "nan"),
        ("legal-aid", "mediation", "employment-business"),
    ),
]

# --------------------------------------------------------------------------- residents

# Names by nationality: a list of pools, each (male given names, female given
# names, family names). "Romanised|汉字" carries the name in Chinese characters;
# "Male/Female" gives the two forms of a family name that changes with gender.
NAMES: dict[str, list[tuple[list[str], list[str], list[str]]]] = {
    "KR": [(["Min-jun|敏俊", "Ji-hoon|志勋", "Hyun-woo|贤宇", "Jae-won|在元", "Seung-ho|承浩",
             "Dong-hyun|东贤"],
            ["Seo-yeon|瑞妍", "Ji-yeon|智妍", "Soo-jin|秀珍", "Eun-ji|恩智", "Min-ji|敏智",
             "Hye-jin|慧珍"],
            ["Kim|金", "Lee|李", "Park|朴", "Choi|崔", "Jung|郑", "Kang|姜", "Yoon|尹", "Han|韩"])],
    "JP": [(["Haruto|阳翔", "Kenji|健二", "Takashi|隆", "Sota|苍太", "Daiki|大辉", "Hiroshi|博"],
            ["Yui|结衣", "Akiko|明子", "Naoko|直子", "Haruka|遥", "Misaki|美咲", "Yuka|由佳"],
            ["Sato|佐藤", "Suzuki|铃木", "Takahashi|高桥", "Tanaka|田中", "Watanabe|渡边",
             "Ito|伊藤", "Yamamoto|山本", "Nakamura|中村"])],
    "US": [(["James", "Michael", "Daniel", "Christopher", "Ryan", "Tyler"],
            ["Emily", "Jessica", "Sarah", "Ashley", "Megan", "Olivia"],
            ["Smith", "Johnson", "Williams", "Brown", "Miller", "Davis", "Wilson", "Anderson"])],
    "GB": [(["Oliver", "Harry", "Jack", "Thomas", "George"],
            ["Amelia", "Charlotte", "Sophie", "Emma", "Lucy"],
            ["Taylor", "Evans", "Roberts", "Walker", "Wright", "Hughes", "Clarke"])],
    "CA": [(["Liam", "Ethan", "Noah", "Benjamin"], ["Chloe", "Emma", "Madison", "Ava"],
            ["Tremblay", "Roy", "Gagnon", "Campbell", "MacDonald", "Martin"])],
    "AU": [(["Jack", "William", "Lachlan", "Cooper"], ["Isla", "Mia", "Grace", "Zoe"],
            ["Smith", "Jones", "Murphy", "Wilson", "Ryan", "Taylor"])],
    "NZ": [(["Oliver", "Leo", "Finn"], ["Ruby", "Isla", "Aria"],
            ["Wilson", "Thompson", "Walker", "Ngata"])],
    "IE": [(["Conor", "Cian", "Seán", "Patrick"], ["Aoife", "Niamh", "Siobhán", "Ciara"],
            ["Murphy", "Kelly", "O'Brien", "Byrne", "Walsh"])],
    "DE": [(["Lukas", "Jonas", "Felix", "Maximilian", "Tobias"],
            ["Anna", "Lea", "Laura", "Katharina", "Julia"],
            ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Wagner",
             "Hoffmann"])],
    "FR": [(["Julien", "Thomas", "Nicolas", "Antoine", "Pierre"],
            ["Camille", "Léa", "Manon", "Chloé", "Claire"],
            ["Martin", "Bernard", "Dubois", "Moreau", "Lefèvre", "Girard", "Roux"])],
    "IT": [(["Marco", "Luca", "Alessandro", "Matteo", "Giovanni"],
            ["Giulia", "Francesca", "Chiara", "Sara", "Martina"],
            ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo"])],
    "ES": [(["Javier", "Alejandro", "Pablo", "Daniel", "Sergio"],
            ["Lucía", "María", "Paula", "Laura", "Carmen"],
            ["García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez"])],
    "NL": [(["Daan", "Sem", "Lars", "Thijs"], ["Emma", "Sanne", "Lotte", "Fleur"],
            ["de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser"])],
    "SE": [(["Erik", "Lars", "Oscar", "Johan"], ["Elsa", "Maja", "Ebba", "Linnea"],
            ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson"])],
    "CZ": [(["Jakub", "Tomáš", "Jan", "Lukáš", "Petr"],
            ["Tereza", "Eliška", "Anna", "Lucie", "Kateřina"],
            ["Novák/Nováková", "Svoboda/Svobodová", "Dvořák/Dvořáková", "Černý/Černá",
             "Procházka/Procházková", "Kučera/Kučerová"])],
    "PL": [(["Jakub", "Michał", "Piotr", "Kacper"],
            ["Zuzanna", "Julia", "Aleksandra", "Katarzyna"],
            ["Nowak", "Kowalski/Kowalska", "Wiśniewski/Wiśniewska", "Wójcik",
             "Kamiński/Kamińska"])],
    "RU": [(["Aleksandr", "Dmitry", "Sergey", "Ivan", "Mikhail"],
            ["Anastasia", "Ekaterina", "Olga", "Natalia", "Maria"],
            ["Ivanov/Ivanova", "Smirnov/Smirnova", "Kuznetsov/Kuznetsova", "Popov/Popova",
             "Volkov/Volkova", "Sokolov/Sokolova"])],
    "UA": [(["Oleksandr", "Andriy", "Dmytro", "Taras"], ["Olena", "Iryna", "Oksana", "Yulia"],
            ["Shevchenko", "Bondarenko", "Kovalenko", "Tkachenko", "Melnyk"])],
    "PH": [(["Mark", "John Paul", "Christian", "Joshua"],
            ["Maria", "Kristine", "Angelica", "Jasmine"],
            ["Santos", "Reyes", "Cruz", "Bautista", "Mendoza", "dela Cruz", "Villanueva"])],
    "MY": [(["Wei Jie|伟杰", "Jun Hao|俊豪", "Chee Keong|志强"],
            ["Mei Ling|美玲", "Siew Ling|秀玲", "Hui Shan|慧珊"],
            ["Tan|陈", "Lim|林", "Wong|黄", "Lee|李", "Ong|王"]),
           (["Ahmad Hafiz", "Muhammad Faiz", "Amirul"], ["Nur Aisyah", "Nurul Huda", "Farah"],
            ["Ismail", "Rahman", "Abdullah", "Hassan"])],
    "SG": [(["Wei Ming|伟明", "Zhi Wei|志伟", "Kai Xiang|凯翔"],
            ["Jia Hui|佳慧", "Hui Min|慧敏", "Xin Yi|欣怡"],
            ["Tan|陈", "Lim|林", "Goh|吴", "Ong|王", "Teo|张"])],
    "ID": [(["Budi", "Agus", "Rizky", "Dimas"], ["Siti", "Dewi", "Putri", "Ayu"],
            ["Santoso", "Wijaya", "Susanto", "Hidayat", "Pratama", "Saputra"])],
    "TH": [(["Somchai", "Anan", "Kittisak", "Nattapong"],
            ["Siriporn", "Nattaya", "Kanokwan", "Pimchanok"],
            ["Srisuk", "Wongsawat", "Chaiyaporn", "Saetang", "Rattanakorn"])],
    "VN": [(["Van Minh", "Duc Anh", "Quoc Tuan"], ["Thi Linh", "Thu Trang", "Thi Huong"],
            ["Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu"])],
    "IN": [(["Arjun", "Rahul", "Vikram", "Rohan", "Aditya"],
            ["Priya", "Ananya", "Neha", "Kavya", "Pooja"],
            ["Sharma", "Patel", "Gupta", "Iyer", "Reddy", "Singh", "Nair"])],
    "PK": [(["Ali", "Hassan", "Usman", "Bilal"], ["Ayesha", "Fatima", "Sana", "Hira"],
            ["Khan", "Ahmed", "Hussain", "Malik", "Qureshi"])],
    "BD": [(["Rahim", "Tanvir", "Arif"], ["Nusrat", "Farhana", "Tasnim"],
            ["Hossain", "Rahman", "Islam", "Chowdhury"])],
    "LK": [(["Kasun", "Nuwan", "Chamara"], ["Dilani", "Nadeesha", "Sachini"],
            ["Perera", "Fernando", "Silva", "Jayasinghe"])],
    # Burmese names have no family name: the whole name goes into family_name.
    "MM": [([""], [""], ["Aung Kyaw Moe", "Min Thu Aung", "Zaw Win Htet", "Thandar Hlaing",
                         "Su Myat Noe", "Hnin Wai Phyo"])],
    "KH": [(["Sokha", "Dara", "Vannak"], ["Sreymom", "Chanthy", "Bopha"],
            ["Sok", "Chan", "Keo", "Heng", "Chea"])],
    "MN": [(["Bat-Erdene", "Tuvshin", "Ganbold"], ["Oyunchimeg", "Enkhjargal", "Nomin"],
            ["Batbayar", "Ganzorig", "Tserendorj", "Bold"])],
    "KZ": [(["Nurlan", "Yerlan", "Aidos"], ["Aigerim", "Dana", "Madina"],
            ["Nurlanov/Nurlanova", "Akhmetov/Akhmetova", "Zhakupov/Zhakupova", "Seitkali"])],
    "TR": [(["Mehmet", "Emre", "Burak", "Can"], ["Elif", "Zeynep", "Ayşe", "Merve"],
            ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Aydın"])],
    "IR": [(["Ali", "Reza", "Amir", "Mehdi"], ["Maryam", "Zahra", "Sara", "Niloofar"],
            ["Mohammadi", "Hosseini", "Ahmadi", "Rezaei", "Karimi"])],
    "IL": [(["Yonatan", "Noam", "Itai"], ["Noa", "Tamar", "Yael"],
            ["Cohen", "Levi", "Mizrahi", "Friedman"])],
    "EG": [(["Ahmed", "Mohamed", "Omar", "Youssef"], ["Nour", "Salma", "Mariam", "Yasmin"],
            ["Hassan", "Mahmoud", "Ibrahim", "Abdelrahman", "Mostafa"])],
    "NG": [(["Chinedu", "Emeka", "Oluwaseun", "Tunde"], ["Ngozi", "Chioma", "Funmilayo", "Aisha"],
            ["Okafor", "Adeyemi", "Okonkwo", "Balogun", "Eze"])],
    "KE": [(["Brian", "Kevin", "Otieno"], ["Wanjiru", "Akinyi", "Faith"],
            ["Kamau", "Odhiambo", "Mwangi", "Kiprop", "Njoroge"])],
    "GH": [(["Kwame", "Kofi", "Yaw"], ["Ama", "Akosua", "Abena"],
            ["Mensah", "Owusu", "Boateng", "Asante"])],
    "ZA": [(["Thabo", "Sipho", "Johan", "Pieter"], ["Lerato", "Naledi", "Anika"],
            ["Nkosi", "Dlamini", "van der Merwe", "Botha", "Mokoena"])],
    "ET": [(["Abebe", "Dawit", "Yonas"], ["Hiwot", "Selam", "Meron"],
            ["Tesfaye", "Bekele", "Haile", "Girma"])],
    "BR": [(["Lucas", "Gabriel", "Rafael", "Mateus"], ["Ana", "Beatriz", "Juliana", "Larissa"],
            ["Silva", "Santos", "Oliveira", "Souza", "Pereira", "Costa"])],
    "MX": [(["José", "Luis", "Diego", "Carlos"], ["Valeria", "Fernanda", "Daniela", "Sofía"],
            ["Hernández", "García", "Martínez", "López", "Ramírez", "Flores"])],
    "AR": [(["Matías", "Santiago", "Federico"], ["Florencia", "Camila", "Agustina"],
            ["González", "Rodríguez", "Fernández", "Gómez", "Díaz"])],
    "CO": [(["Andrés", "Juan Carlos", "Felipe"], ["Valentina", "Catalina", "Laura"],
            ["Rodríguez", "Gómez", "Restrepo", "Castro", "Vargas"])],
    "HK": [(["Chi Keung|志强", "Ho Yin|浩然", "Man Kit|文杰", "Ka Chun|家俊"],
            ["Ka Yan|嘉欣", "Wing Sze|咏诗", "Hoi Ying|凯莹", "Mei Kuen|美娟"],
            ["Chan|陈", "Wong|黄", "Leung|梁", "Cheung|张", "Lau|刘", "Ho|何"])],
    "MO": [(["Chi Hou|志豪", "Ka Hou|家豪", "Kin Wa|建华"],
            ["Sio Man|少雯", "Ka I|嘉仪", "Weng Ian|咏欣"],
            ["Chan|陈", "Leong|梁", "Wong|黄", "Lei|李", "Ho|何", "Lam|林"])],
    "TW": [(["Chia-Hao|家豪", "Chih-Wei|志伟", "Tsung-Han|宗翰", "Chun-Hung|俊宏"],
            ["Yi-Ting|怡婷", "Ya-Ting|雅婷", "Shu-Fen|淑芬", "Hsin-Yi|欣怡"],
            ["Chen|陈", "Lin|林", "Huang|黄", "Chang|张", "Wang|王", "Tsai|蔡"])],
    # Returned overseas Chinese and relatives of overseas Chinese: Chinese
    # citizens, most of them from families of southern Fujian.
    "CN": [(["Zhiming|志明", "Jianhua|建华", "Guoqiang|国强", "Xiaodong|晓东", "Wenbin|文斌"],
            ["Xiuying|秀英", "Meiling|美玲", "Lihua|丽华", "Yaqin|雅琴", "Shuzhen|淑珍"],
            ["Chen|陈", "Lin|林", "Huang|黄", "Zheng|郑", "Wu|吴", "Xu|许", "Cai|蔡",
             "Zhuang|庄"])],
}

# Languages spoken, by nationality (ISO 639-1 codes from stations.languages).
LANGUAGES = {
    "KR": ["ko", "en"], "JP": ["ja", "en"], "US": ["en"], "GB": ["en"], "CA": ["en", "fr"],
    "AU": ["en"], "NZ": ["en"], "IE": ["en"], "DE": ["de", "en"], "FR": ["fr", "en"],
    "IT": ["it", "en"], "ES": ["es", "en"], "NL": ["nl", "en"], "SE": ["sv", "en"],
    "CZ": ["cs", "en"], "PL": ["pl", "en"], "RU": ["ru", "en"], "UA": ["uk", "ru", "en"],
    "PH": ["tl", "en"], "MY": ["ms", "en", "zh"], "SG": ["en", "zh", "ms"], "ID": ["id", "en"],
    "TH": ["th", "en"], "VN": ["vi", "en"], "IN": ["hi", "en"], "PK": ["ur", "en"],
    "BD": ["bn", "en"], "LK": ["en"], "MM": ["my", "en"], "KH": ["km", "en"],
    "MN": ["mn", "en"], "KZ": ["kk", "ru"], "TR": ["tr", "en"], "IR": ["fa", "en"],
    "IL": ["he", "en"], "EG": ["ar", "en"], "NG": ["en"], "KE": ["sw", "en"], "GH": ["en"],
    "ZA": ["en"], "ET": ["am", "en"], "BR": ["pt", "en"], "MX": ["es", "en"],
    "AR": ["es", "en"], "CO": ["es", "en"], "HK": ["yue", "zh", "en"], "MO": ["yue", "zh", "pt"],
    "TW": ["zh", "nan"], "CN": ["zh", "nan"],
}

# Where the returned overseas Chinese of the demo came back from (languages kept).
RETURNED_FROM_LANGUAGES = ["id", "ms", "th", "vi", "tl", "my", "en"]

# Residents with a Chinese name of their own choosing:
# (station, nationality, gender, given, family, Chinese name)
PERSONAS = [
    (GUANREN, "CZ", "f", "Tereza", "Dvořáková", "戴泰莉"),
    (GUANREN, "DE", "m", "Jonas", "Becker", "贝乔纳"),
    (GUANREN, "FR", "m", "Julien", "Moreau", "莫于连"),
    (GUANREN, "US", "m", "Daniel", "Brooks", "白丹尼"),
    (GUANREN, "CA", "f", "Sarah", "Thompson", "唐莎拉"),
    (GUANREN, "GB", "m", "Oliver", "Bennett", "班奥利"),
    (GUANREN, "RU", "f", "Natalia", "Sokolova", "索娜塔"),
    (GUANREN, "PH", "m", "Mark", "Santos", "桑马克"),
    (GUANREN, "IT", "m", "Marco", "Ricci", "李马可"),
    (GUANREN, "US", "f", "Emily", "Carter", "柯爱美"),
    (JIANGTOU, "ES", "f", "Lucía", "García", "贾露西"),
    (JIANGTOU, "BR", "m", "Rafael", "Souza", "苏拉斐"),
    (JIANGTOU, "IN", "m", "Arjun", "Sharma", "夏阿俊"),
    (TCM, "AU", "f", "Grace", "Murphy", "穆格蕾"),
    (TCM, "NG", "m", "Emeka", "Okafor", "奥埃梅"),
]

# The persona who has a login account for the public site.
RESIDENT_LOGIN = (GUANREN, "Dvořáková", _login("resident.guanren"))

# The 46 countries and regions of the Guanren sub-station, with weights.
GUANREN_NATIONALITIES = {
    "KR": 26, "JP": 20, "US": 24, "GB": 10, "CA": 9, "AU": 7, "NZ": 3, "IE": 3, "DE": 9,
    "FR": 9, "IT": 5, "ES": 5, "NL": 4, "SE": 3, "CZ": 4, "PL": 3, "RU": 10, "UA": 4,
    "PH": 16, "MY": 12, "SG": 9, "ID": 7, "TH": 6, "VN": 6, "IN": 9, "PK": 3, "BD": 2,
    "LK": 2, "MM": 2, "KH": 2, "MN": 2, "KZ": 2, "TR": 3, "IR": 2, "IL": 2, "EG": 3,
    "NG": 5, "KE": 3, "GH": 2, "ZA": 3, "ET": 2, "BR": 4, "MX": 3, "AR": 2,
    "HK": 6, "TW": 8,
}

JIANGTOU_NATIONALITIES = {
    "TW": 22, "HK": 8, "MO": 4, "KR": 10, "JP": 10, "US": 8, "GB": 3, "DE": 3, "FR": 2,
    "RU": 4, "PH": 6, "MY": 6, "SG": 4, "ID": 4, "TH": 3, "VN": 4, "IN": 4, "PK": 2,
    "NG": 3, "ES": 2, "BR": 2, "CO": 2, "TR": 2, "EG": 2,
}

TCM_NATIONALITIES = {
    "US": 8, "GB": 4, "AU": 4, "CA": 3, "DE": 4, "FR": 3, "IT": 2, "RU": 4, "KR": 6, "JP": 5,
    "PH": 3, "MY": 3, "SG": 2, "IN": 3, "NG": 2, "BR": 2, "NL": 2, "IE": 2, "HK": 2, "TW": 3,
}


@dataclass(frozen=True)
class ResidentPlan:
    count: int
    nationalities: dict[str, int]
    returned: int  # returned overseas Chinese
    relatives: int  # relatives of overseas Chinese
    address: tuple[str, ...]  # address patterns, {b} building, {r} room
    health_consent_share: float  # share with the sensitive health/counselling consent
    volunteers: int  # residents who volunteer


RESIDENT_PLANS = {
    GUANREN: ResidentPlan(
        300, GUANREN_NATIONALITIES, returned=4, relatives=6,
        address=("厦门市思明区筼筜街道官任社区{b}号楼{r}室",),
        health_consent_share=0.4, volunteers=45,
    ),
    JIANGTOU: ResidentPlan(
        130, JIANGTOU_NATIONALITIES, returned=14, relatives=16,
        address=("厦门市湖里区江头街道{b}号{r}室",),
        health_consent_share=0.2, volunteers=18,
    ),
    TCM: ResidentPlan(
        70, TCM_NATIONALITIES, returned=0, relatives=0,
        address=("厦门市思明区{b}号{r}室", "厦门市湖里区{b}号{r}室"),
        health_consent_share=0.9, volunteers=8,
    ),
}

# --------------------------------------------------------------------------- events

# Festival dates (Chinese calendar festivals move; the demo places its festival
# events on the weekend before the date in the last twelve months).
FESTIVALS: dict[str, dict[int, date]] = {
    "spring": {2024: date(2024, 2, 10), 2025: date(2025, 1, 29), 2026: date(2026, 2, 17),
               2027: date(2027, 2, 6), 2028: date(2028, 1, 26), 2029: date(2029, 2, 13),
               2030: date(2030, 2, 3)},
    "lantern": {2024: date(2024, 2, 24), 2025: date(2025, 2, 12), 2026: date(2026, 3, 3),
                2027: date(2027, 2, 20), 2028: date(2028, 2, 9), 2029: date(2029, 2, 27),
                2030: date(2030, 2, 17)},
    "dragon_boat": {2024: date(2024, 6, 10), 2025: date(2025, 5, 31), 2026: date(2026, 6, 19),
                    2027: date(2027, 6, 9), 2028: date(2028, 5, 28), 2029: date(2029, 6, 16),
                    2030: date(2030, 6, 5)},
    "mid_autumn": {2024: date(2024, 9, 17), 2025: date(2025, 10, 6), 2026: date(2026, 9, 25),
                   2027: date(2027, 9, 15), 2028: date(2028, 10, 3), 2029: date(2029, 9, 22),
                   2030: date(2030, 9, 12)},
}
# Festivals on a fixed day of the Gregorian calendar: (month, day).
FIXED_DAYS = {
    "tree_planting": (3, 12),
    "winter_solstice": (12, 21),
    "environment_day": (6, 5),
    "tax_season": (4, 15),
    "mental_health_day": (10, 10),
}

T = tuple[str, str]


@dataclass(frozen=True)
class EventSpec:
    category: str
    title: T
    description: T
    place: T
    when: str | int  # a festival key, or days before (past) / after (upcoming) today
    slot: str = "sat_am"  # sat_am, sat_pm, sun_am, sun_pm, eve
    minutes: int = 120
    capacity: int | None = 40
    weight: int = 6  # share of the year's participant-times
    full: bool = False  # upcoming only: fully booked, with a waiting list
    published: bool = True
    online: bool = False


G_HALL = ("官任社区党群服务中心多功能厅", "Multi-purpose hall, Guanren Community Service Centre")
G_ROOM = ("官任分站心理咨询室", "Counselling room, Guanren sub-station")
G_SQUARE = ("官任社区文化广场", "Guanren community square")
G_LAKE = ("筼筜湖环湖步道（白鹭洲公园入口集合）",
          "Yundang Lake path (meet at the Egret Island Park entrance)")
ONLINE = ("线上（分站视频号直播）", "Online (livestream on the station's WeChat channel)")
J_HALL = ("江头街道国际社区服务站活动室", "Activity room, Jiangtou station")
J_RESERVOIR = ("湖边水库环湖步道（东入口集合）", "Hubian Reservoir path (meet at the east gate)")
H_HALL = ("厦门市中医院门诊楼三楼学术报告厅", "Lecture hall, 3rd floor, outpatient building, "
          "Xiamen Hospital of TCM")
H_CLINIC = ("厦门市中医院中医保健分站诊室", "TCM health sub-station clinic, Xiamen Hospital of TCM")
H_GARDEN = ("厦门市中医院中药百草园", "Medicinal herb garden, Xiamen Hospital of TCM")

GUANREN_PAST = [
    EventSpec("festival", ("中秋博饼·中外邻里同乐", "Mid-Autumn Bobing: dice game for neighbours"),
              ("体验厦门独有的中秋博饼习俗，中外家庭同桌掷骰子、赢月饼，了解“状元”“榜眼”的来历。",
               "Try Xiamen's own Mid-Autumn dice game: Chinese and foreign families share a "
               "table, roll the dice for mooncakes and learn what the prizes mean."),
              G_HALL, "mid_autumn", "sat_pm", 150, 60, weight=16),
    EventSpec("festival", ("中外邻里迎新春：写春联、包饺子",
                           "Spring Festival: couplets and dumplings"),
              ("请书法老师现场写春联送福字，中外居民一起包饺子，提前感受中国年的味道。",
               "A calligrapher writes New Year couplets and 'fu' characters for every family; "
               "neighbours make dumplings together."),
              G_HALL, "spring", "sat_am", 150, 50, weight=14),
    EventSpec("festival", ("元宵猜灯谜", "Lantern Festival riddles"),
              ("双语灯谜、做汤圆，孩子们提灯笼在社区里走一圈。",
               "Bilingual lantern riddles and sweet rice balls; children walk the community "
               "with lanterns."),
              G_SQUARE, "lantern", "sat_pm", 120, 40, weight=10),
    EventSpec("festival", ("端午包粽子·做香囊", "Dragon Boat Festival: zongzi and herbal sachets"),
              ("学包闽南烧肉粽，用中药材缝制端午香囊，听龙舟的故事。",
               "Wrap Minnan-style pork zongzi, sew herbal sachets and hear the story of the "
               "dragon boats."),
              G_HALL, "dragon_boat", "sat_am", 150, 40, weight=10),
    EventSpec("tree-planting", ("植树节：中外家庭共植友谊林",
                                "Tree Planting Day: a friendship grove"),
              ("与筼筜街道一起在筼筜湖畔绿地种下友谊树，每个家庭挂上双语树牌。",
               "With Yundang Street, families plant friendship trees by Yundang Lake and hang a "
               "bilingual name tag on each."),
              G_LAKE, "tree_planting", "sat_am", 150, 40, weight=9),
    EventSpec("festival", ("冬至搓圆", "Winter Solstice: rolling rice balls"),
              ("闽南人冬至要“搓圆”，一家人团团圆圆。邀请外籍邻居一起搓汤圆、吃汤圆。",
               "In southern Fujian families roll sweet rice balls at the winter solstice; "
               "foreign neighbours join in."),
              G_HALL, "winter_solstice", "sun_pm", 120, 40, weight=8),
    EventSpec("language-class", ("闽南语课堂：日常问候", "Minnan class: everyday greetings"),
              ("从“食饱未”开始，学几句厦门人天天说的闽南话。",
               "Start with 'tsia̍h-pá--buē?' (have you eaten?) and learn the Minnan phrases "
               "Xiamen people use every day."),
              G_HALL, 330, "eve", 90, 25, weight=5),
    EventSpec("language-class", ("闽南语课堂：菜市场用语", "Minnan class: at the market"),
              ("认识海鲜和蔬菜的闽南语叫法，学会讲价和问路。",
               "Names of seafood and vegetables in Minnan, bargaining and asking the way."),
              G_HALL, 300, "eve", 90, 25, weight=5),
    EventSpec("language-class", ("闽南语课堂：厦门老地名",
                                 "Minnan class: Xiamen's old place names"),
              ("“筼筜”“思明”“鼓浪屿”，用闽南语读老地名，听地名背后的故事。",
               "Read Yundang, Siming and Gulangyu in Minnan and hear the stories behind the "
               "names."),
              G_HALL, 205, "eve", 90, 25, weight=5),
    EventSpec("language-class", ("中文角：看病就医常用语", "Chinese corner: at the doctor's"),
              ("挂号、描述症状、取药，情景练习就医中文。",
               "Registering, describing symptoms and collecting medicine: role-play in Chinese."),
              G_HALL, 120, "eve", 90, 20, weight=5),
    EventSpec("language-class", ("韩语兴趣课：给中国邻居的第一课", "Korean for Chinese neighbours"),
              ("由韩国籍居民当老师，教中国邻居韩文字母和简单问候。",
               "Korean residents teach their Chinese neighbours the alphabet and simple "
               "greetings."),
              G_HALL, 60, "eve", 90, 20, weight=5),
    EventSpec("free-clinic", ("中医义诊进社区", "TCM free clinic in the community"),
              ("厦门市中医院专家到社区义诊：把脉问诊、体质辨识、推拿体验，配双语志愿者。",
               "Specialists from Xiamen Hospital of TCM see residents in the community: pulse "
               "diagnosis, constitution check, tuina massage, with bilingual volunteers."),
              G_SQUARE, 250, "sat_am", 180, 60, weight=9),
    EventSpec("free-clinic", ("中医义诊：体质辨识与养生建议",
                              "TCM free clinic: constitution and wellbeing"),
              ("中医师为外籍居民做体质辨识，给出饮食和作息建议。",
               "TCM doctors assess each resident's constitution and advise on diet and rest."),
              G_HALL, 90, "sat_am", 180, 50, weight=8),
    EventSpec("expert-lecture", ("外国人来华工作许可与居留许可政策解读",
                                 "Work and residence permits: what the rules say"),
              ("出入境和科技部门专家讲解工作许可、居留许可的申请、延期和变更，现场答疑。",
               "Officials explain applying for, extending and changing work and residence "
               "permits, and answer questions."),
              G_HALL, 280, "eve", 120, 60, weight=7),
    EventSpec("expert-lecture", ("在厦就医与医疗保险指南", "Seeing a doctor in Xiamen: a guide"),
              ("介绍预约挂号、国际医疗部、医保与商业保险结算流程。",
               "Booking appointments, international medical departments, public and private "
               "insurance."),
              G_HALL, 160, "eve", 120, 60, weight=6),
    EventSpec("expert-lecture", ("个人所得税年度汇算（外籍人士专场）",
                                 "Annual income tax reconciliation for foreign nationals"),
              ("税务专家讲解外籍人士年度汇算、专项附加扣除和补贴政策，现场指导APP操作。",
               "Tax experts explain the annual reconciliation, deductions and allowances for "
               "foreign nationals and help with the app."),
              G_HALL, "tax_season", "eve", 120, 50, weight=6),
    EventSpec("support-group", ("心理支持团体辅导：异乡生活的压力与调适",
                                "Support group: stress and adjustment far from home"),
              ("由特聘外籍心理咨询师带领的小组辅导，分享在异乡工作生活的压力和调适方法。",
               "A small group led by the station's foreign psychologist: sharing the pressures "
               "of living abroad and ways to cope."),
              G_ROOM, 310, "sat_pm", 120, 12, weight=4),
    EventSpec("support-group", ("心理支持团体辅导：外籍家长与孩子的沟通",
                                "Support group: talking with our children"),
              ("面向外籍家长，讨论孩子在双语环境和疫情后的情绪与沟通。",
               "For foreign parents: children's feelings and communication in a bilingual "
               "home."),
              G_ROOM, "mental_health_day", "sat_pm", 120, 12, weight=4),
    EventSpec("support-group", ("心理支持团体辅导：孤独感与社交连接",
                                "Support group: loneliness and making connections"),
              ("在安全的小组里谈孤独感，练习建立新的社交关系。",
               "Talking about loneliness in a safe group and practising new connections."),
              G_ROOM, 45, "sat_pm", 120, 12, weight=4),
    EventSpec("environmental", ("筼筜湖环湖净滩", "Yundang Lake clean-up walk"),
              ("沿筼筜湖步道捡拾垃圾，认识湖区的白鹭和红树林。",
               "Pick up litter along Yundang Lake and meet its egrets and mangroves."),
              G_LAKE, "environment_day", "sun_am", 120, 40, weight=7),
    EventSpec("environmental", ("垃圾分类中外家庭挑战赛", "Waste sorting challenge for families"),
              ("用游戏学会厦门的四分类，赢取环保小礼品。",
               "Learn Xiamen's four-bin sorting through games and win small prizes."),
              G_SQUARE, 215, "sun_am", 120, 40, weight=7),
    EventSpec("environmental", ("旧物交换市集", "Swap market"),
              ("带上闲置的书、玩具和衣物，与邻居交换，让物品继续被使用。",
               "Bring books, toys and clothes you no longer use and swap them with neighbours."),
              G_SQUARE, 130, "sun_am", 180, None, weight=8),
    EventSpec("charity", ("邻里慈善义卖：酒店烘焙日", "Neighbourhood charity bake sale"),
              ("厦门马哥孛罗酒店团队与居民一起烘焙义卖，所得善款用于社区困难家庭。",
               "The Marco Polo Xiamen team bakes with residents; proceeds go to families in "
               "need in the community."),
              G_SQUARE, 75, "sat_pm", 180, None, weight=9),
    EventSpec("charity", ("关爱独居老人：中外志愿者送温暖",
                          "Visiting elderly neighbours who live alone"),
              ("中外志愿者分组走访社区独居老人，送上慰问品，陪老人聊聊天。",
               "Chinese and foreign volunteers visit elderly neighbours who live alone, bring "
               "small gifts and keep them company."),
              G_HALL, 20, "sat_am", 150, 20, weight=5),
    EventSpec("online-livestream", ("《答“疫”解惑》外籍咨询官直播答疑",
                                    "Your epidemic questions answered, live"),
              ("外籍咨询官在线解答健康码注册、疫苗接种等问题，中英双语。",
               "Foreign 'consultation officers' answer questions on health codes and "
               "vaccination online, in Chinese and English."),
              ONLINE, 345, "eve", 60, None, weight=5, online=True),
    EventSpec("online-livestream", ("《外籍人才来厦工作生活手册》导读",
                                    "A guided tour of the Handbook for Foreign Talents"),
              ("逐章介绍手册内容：证件办理、就医、子女入学、交通出行。",
               "Chapter by chapter: permits, medical care, schooling and getting around."),
              ONLINE, 180, "eve", 60, None, weight=5, online=True),
    EventSpec("cultural-exchange", ("闽南功夫茶体验", "Minnan gongfu tea"),
              ("茶艺师演示功夫茶冲泡，品铁观音，学说茶桌上的礼仪。",
               "A tea master shows gongfu brewing; taste Tieguanyin and learn tea-table "
               "manners."),
              G_HALL, 260, "sat_pm", 120, 30, weight=6),
    EventSpec("cultural-exchange", ("国际文化分享日：一人一国一展示",
                                    "International day: one person, one country"),
              ("外籍居民带来家乡的美食、音乐和故事，中外邻里互相认识。",
               "Foreign residents bring food, music and stories from home; neighbours get to "
               "know each other."),
              G_SQUARE, 235, "sun_pm", 180, None, weight=10),
    EventSpec("cultural-exchange", ("南音欣赏与体验", "Nanyin music: listen and try"),
              ("欣赏被誉为“中国音乐活化石”的南音，学弹几个音。",
               "Listen to Nanyin, one of China's oldest living music traditions, and try a "
               "few notes."),
              G_HALL, 100, "eve", 90, 30, weight=5),
]

GUANREN_UPCOMING = [
    EventSpec("free-clinic", ("中医义诊进社区", "TCM free clinic in the community"),
              ("厦门市中医院专家到社区义诊：把脉问诊、体质辨识、推拿体验，配双语志愿者。",
               "Specialists from Xiamen Hospital of TCM see residents in the community: pulse "
               "diagnosis, constitution check, tuina massage, with bilingual volunteers."),
              G_SQUARE, 6, "sat_am", 180, 40),
    EventSpec("language-class", ("闽南语课堂：吉祥话", "Minnan class: words of good luck"),
              ("学几句节日里用得上的闽南语吉祥话。",
               "Learn a few Minnan phrases of good wishes for the holidays."),
              G_HALL, 10, "eve", 90, 20, full=True),
    EventSpec("support-group", ("心理支持团体辅导：整理一年的情绪",
                                "Support group: looking back on the year"),
              ("小组回顾一年来的变化与感受，给自己定一个温和的小目标。",
               "A small group looks back on the year's changes and sets gentle goals."),
              G_ROOM, 13, "sat_pm", 120, 12, full=True),
    EventSpec("environmental", ("筼筜湖环湖净滩", "Yundang Lake clean-up walk"),
              ("沿筼筜湖步道捡拾垃圾，认识湖区的白鹭和红树林。",
               "Pick up litter along Yundang Lake and meet its egrets and mangroves."),
              G_LAKE, 20, "sun_am", 120, 40),
    EventSpec("online-livestream", ("线上直播：工作许可与居留许可年度更新答疑",
                                    "Live Q&A: renewing work and residence permits"),
              ("科技和出入境部门工作人员在线答疑，提前准备好你的问题。",
               "Officials answer your questions on renewals online; send questions in advance."),
              ONLINE, 16, "eve", 60, None, online=True),
    EventSpec("cultural-exchange", ("国际文化分享日：一人一国一展示",
                                    "International day: one person, one country"),
              ("外籍居民带来家乡的美食、音乐和故事，中外邻里互相认识。",
               "Foreign residents bring food, music and stories from home."),
              G_SQUARE, 48, "sun_pm", 180, None, published=False),
]

JIANGTOU_PAST = [
    EventSpec("festival", ("中外邻里迎新春", "Spring Festival with the neighbours"),
              ("写福字、剪窗花、吃年糕，港澳台和外籍居民一起过大年。",
               "Write 'fu', cut paper window decorations and share rice cakes."),
              J_HALL, "spring", "sat_am", 150, 50, weight=12),
    EventSpec("festival", ("端午龙舟文化体验", "Dragon boat culture"),
              ("了解龙舟习俗，包粽子、立蛋、挂艾草。",
               "Dragon boat customs, zongzi, egg standing and mugwort."),
              J_HALL, "dragon_boat", "sat_am", 150, 40, weight=9),
    EventSpec("festival", ("中秋博饼", "Mid-Autumn Bobing"),
              ("厦门中秋博饼，中外邻里一起掷骰子。",
               "Xiamen's Mid-Autumn dice game for neighbours."),
              J_HALL, "mid_autumn", "sat_pm", 150, 60, weight=14),
    EventSpec("tree-planting", ("植树节：湖边水库补绿", "Tree Planting Day at Hubian Reservoir"),
              ("与街道园林志愿者在湖边水库周边补种树苗。",
               "Plant saplings around Hubian Reservoir with the street's gardeners."),
              J_RESERVOIR, "tree_planting", "sat_am", 150, 30, weight=7),
    EventSpec("language-class", ("中文角：租房与水电缴费",
                                 "Chinese corner: renting and paying bills"),
              ("看懂租房合同，学会在手机上缴水电燃气费。",
               "Read a tenancy agreement and pay utilities on your phone."),
              J_HALL, 300, "eve", 90, 20, weight=5),
    EventSpec("language-class", ("英语角：中外邻里口语交流", "English corner for neighbours"),
              ("外籍居民当主持，中国居民练口语。",
               "Foreign residents host; Chinese neighbours practise speaking."),
              J_HALL, 150, "eve", 90, 25, weight=6),
    EventSpec("language-class", ("日语兴趣课", "Japanese taster class"),
              ("日本籍居民教中国邻居五十音和生活用语。",
               "Japanese residents teach kana and everyday phrases."),
              J_HALL, 75, "eve", 90, 20, weight=5),
    EventSpec("expert-lecture", ("外籍人员在厦创业与企业注册", "Starting a business in Xiamen"),
              ("市场监管和人才部门讲解企业注册流程与创业扶持政策。",
               "Company registration and start-up support, explained by the agencies."),
              J_HALL, 240, "eve", 120, 50, weight=6),
    EventSpec("expert-lecture", ("子女入学与国际学校择校",
                                 "School enrolment and choosing a school"),
              ("教育部门和厦门国际学校老师讲解入学政策与择校。",
               "Education officials and Xiamen International School on enrolment and choice."),
              J_HALL, 190, "sat_am", 120, 50, weight=7),
    EventSpec("expert-lecture", ("劳动合同与外籍员工权益", "Employment contracts and your rights"),
              ("共建律所律师讲解劳动合同、社保和解除合同的注意事项。",
               "A partner lawyer on contracts, social insurance and termination."),
              J_HALL, 110, "eve", 120, 40, weight=6),
    EventSpec("online-livestream", ("线上直播：港澳台居民居住证办理答疑",
                                    "Live Q&A: residence permits for Hong Kong, Macao and "
                                    "Taiwan residents"),
              ("在线解答居住证申领条件、材料和办理地点。",
               "Eligibility, documents and where to apply, answered online."),
              ONLINE, 200, "eve", 60, None, weight=6, online=True),
    EventSpec("environmental", ("湖边水库健步走·随手捡垃圾",
                                "Hubian Reservoir walk and litter pick"),
              ("环湖健步走，沿途捡拾垃圾。",
               "A walk round the reservoir, picking up litter on the way."),
              J_RESERVOIR, 90, "sun_am", 120, 40, weight=7),
    EventSpec("charity", ("爱心义卖：为山区儿童筹集图书",
                          "Charity sale: books for mountain schools"),
              ("义卖所得用于为山区学校购买图书。",
               "Proceeds buy books for schools in the mountains."),
              J_HALL, 50, "sun_pm", 180, None, weight=8),
    EventSpec("cultural-exchange", ("闽台美食文化交流", "Fujian and Taiwan food culture"),
              ("一起做沙茶面和卤肉饭，聊两岸的家乡味道。",
               "Cook shacha noodles and braised pork rice together."),
              J_HALL, 30, "sat_pm", 150, 30, weight=6),
]

JIANGTOU_UPCOMING = [
    EventSpec("language-class", ("英语角：中外邻里口语交流", "English corner for neighbours"),
              ("外籍居民当主持，中国居民练口语。",
               "Foreign residents host; Chinese neighbours practise speaking."),
              J_HALL, 9, "eve", 90, 25),
    EventSpec("expert-lecture", ("外籍人士个人所得税政策讲座", "Income tax for foreign nationals"),
              ("税务专家讲解外籍人士个人所得税政策与常见问题。",
               "Tax rules and common questions for foreign nationals."),
              J_HALL, 17, "eve", 120, 50),
    EventSpec("online-livestream", ("线上直播：外籍子女入学政策答疑", "Live Q&A: school enrolment"),
              ("在线解答外籍和港澳台子女入学政策。",
               "School enrolment for children of foreign and HK/Macao/Taiwan residents."),
              ONLINE, 24, "eve", 60, None, online=True),
    EventSpec("cultural-exchange", ("中外家庭亲子运动会", "Family sports day"),
              ("亲子接力、拔河和趣味游戏。", "Relays, tug of war and games for families."),
              J_RESERVOIR, 27, "sat_am", 180, 24, full=True),
]

TCM_PAST = [
    EventSpec("free-clinic", ("中医义诊：外籍人士专场", "TCM free clinic for foreign nationals"),
              ("主任中医师坐诊，涉外医疗协调员全程英语陪同。",
               "Chief physicians see foreign patients, with an English-speaking coordinator."),
              H_CLINIC, 320, "sat_am", 180, 30, weight=9),
    EventSpec("free-clinic", ("中医义诊：外籍人士专场", "TCM free clinic for foreign nationals"),
              ("主任中医师坐诊，涉外医疗协调员全程英语陪同。",
               "Chief physicians see foreign patients, with an English-speaking coordinator."),
              H_CLINIC, 200, "sat_am", 180, 30, weight=9),
    EventSpec("free-clinic", ("中医义诊进官任社区", "TCM free clinic at Guanren"),
              ("分站医生到官任社区为居民义诊。",
               "The sub-station's doctors hold a free clinic in Guanren community."),
              G_SQUARE, 100, "sat_am", 180, 40, weight=10),
    EventSpec("free-clinic", ("中医体质辨识与养生咨询", "TCM constitution check and advice"),
              ("体质辨识问卷与医生面诊，给出个性化养生建议。",
               "A constitution questionnaire and a doctor's advice for each person."),
              H_CLINIC, 40, "sat_am", 180, 30, weight=8),
    EventSpec("expert-lecture", ("中医与日常保健", "TCM for everyday health"),
              ("用通俗的英语讲中医的基本概念和日常保健方法。",
               "The basics of TCM and everyday care, in plain English."),
              H_HALL, 280, "eve", 90, 60, weight=7),
    EventSpec("expert-lecture", ("针灸推拿是怎么回事", "What acupuncture and tuina are"),
              ("针灸推拿科医生讲解原理并现场演示。",
               "Doctors explain and demonstrate acupuncture and tuina."),
              H_HALL, 150, "eve", 90, 60, weight=7),
    EventSpec("cultural-exchange", ("八段锦晨练体验", "Baduanjin morning exercise"),
              ("跟着康复科医生学练八段锦。",
               "Learn Baduanjin qigong with a rehabilitation doctor."),
              H_GARDEN, 230, "sat_am", 60, 30, weight=6),
    EventSpec("festival", ("端午中药香囊制作", "Dragon Boat Festival herbal sachets"),
              ("认识艾叶、藿香等芳香中药，亲手做一个香囊。",
               "Meet aromatic herbs such as mugwort and patchouli and sew your own sachet."),
              H_GARDEN, "dragon_boat", "sat_am", 120, 30, weight=8),
    EventSpec("online-livestream", ("线上直播：中医如何调理失眠", "Live: TCM and sleep"),
              ("中医师在线讲解失眠的中医调理并答疑。",
               "A TCM doctor on sleep problems, with questions answered live."),
              ONLINE, 120, "eve", 60, None, weight=6, online=True),
    EventSpec("cultural-exchange", ("走进厦门市中医院：中医药文化参观",
                                    "Inside Xiamen Hospital of TCM"),
              ("参观中药房和百草园，了解中药从田间到药房。",
               "Visit the pharmacy and the herb garden: from field to dispensary."),
              H_GARDEN, 60, "sat_am", 120, 25, weight=6),
]

TCM_UPCOMING = [
    EventSpec("free-clinic", ("中医义诊：外籍人士专场", "TCM free clinic for foreign nationals"),
              ("主任中医师坐诊，涉外医疗协调员全程英语陪同。",
               "Chief physicians see foreign patients, with an English-speaking coordinator."),
              H_CLINIC, 13, "sat_am", 180, 30, full=True),
    EventSpec("expert-lecture", ("中医谈睡眠与情绪", "TCM on sleep and mood"),
              ("中医师讲解睡眠、情绪与饮食作息的关系。",
               "How sleep, mood, diet and daily rhythm connect in TCM."),
              H_HALL, 18, "eve", 90, 60),
    EventSpec("cultural-exchange", ("八段锦晨练体验", "Baduanjin morning exercise"),
              ("跟着康复科医生学练八段锦。",
               "Learn Baduanjin qigong with a rehabilitation doctor."),
              H_GARDEN, 34, "sat_am", 60, 30),
]

# An upcoming event for the next festival, when one falls in the next months.
FESTIVAL_UPCOMING = {
    "winter_solstice": EventSpec(
        "festival", ("冬至搓圆", "Winter Solstice: rolling rice balls"),
        ("闽南人冬至要“搓圆”，一家人团团圆圆。邀请外籍邻居一起搓汤圆、吃汤圆。",
         "In southern Fujian families roll sweet rice balls at the winter solstice; foreign "
         "neighbours join in."),
        G_HALL, "winter_solstice", "sun_pm", 120, 40),
    "spring": EventSpec(
        "festival", ("中外邻里迎新春：写春联、包饺子", "Spring Festival: couplets and dumplings"),
        ("请书法老师现场写春联送福字，中外居民一起包饺子。",
         "A calligrapher writes New Year couplets; neighbours make dumplings together."),
        G_HALL, "spring", "sat_am", 150, 50),
    "lantern": EventSpec(
        "festival", ("元宵猜灯谜", "Lantern Festival riddles"),
        ("双语灯谜、做汤圆。", "Bilingual lantern riddles and sweet rice balls."),
        G_SQUARE, "lantern", "sat_pm", 120, 40),
    "tree_planting": EventSpec(
        "tree-planting", ("植树节：中外家庭共植友谊林", "Tree Planting Day: a friendship grove"),
        ("在筼筜湖畔绿地种下友谊树。", "Plant friendship trees by Yundang Lake."),
        G_LAKE, "tree_planting", "sat_am", 150, 40),
    "dragon_boat": EventSpec(
        "festival", ("端午包粽子·做香囊", "Dragon Boat Festival: zongzi and herbal sachets"),
        ("学包闽南烧肉粽，缝制端午香囊。", "Wrap Minnan-style zongzi and sew herbal sachets."),
        G_HALL, "dragon_boat", "sat_am", 150, 40),
    "mid_autumn": EventSpec(
        "festival", ("中秋博饼·中外邻里同乐", "Mid-Autumn Bobing: dice game for neighbours"),
        ("体验厦门独有的中秋博饼习俗。", "Try Xiamen's own Mid-Autumn dice game."),
        G_HALL, "mid_autumn", "sat_pm", 150, 60),
}


@dataclass(frozen=True)
class EventPlan:
    past: list[EventSpec]
    upcoming: list[EventSpec]
    participant_times: int  # check-ins over the past twelve months
    festival_upcoming: bool = False


EVENT_PLANS = {
    # The Guanren report: 29 events, 214 participant-times in one year.
    GUANREN: EventPlan(GUANREN_PAST, GUANREN_UPCOMING, 214, festival_upcoming=True),
    JIANGTOU: EventPlan(JIANGTOU_PAST, JIANGTOU_UPCOMING, 128),
    TCM: EventPlan(TCM_PAST, TCM_UPCOMING, 96),
}

# --------------------------------------------------------------------------- consultations


@dataclass(frozen=True)
class ConsultationPlan:
    completed: dict[str, int]  # topic slug -> completed consultations in the past year
    cancelled_share: float
    no_show_share: float
    upcoming: int  # booked in the next three weeks


CONSULTATION_PLANS = {
    # 608 consultations, 326 of them about the epidemic (vaccination, health code).
    GUANREN: ConsultationPlan(
        {"vaccination": 180, "health-code": 146, "psychological-counselling": 176,
         "daily-life": 32, "visas-residence": 20, "medical-care": 20, "work-permits": 12,
         "employment-business": 8, "legal-aid": 6, "mediation": 5, "schooling": 3},
        cancelled_share=0.05, no_show_share=0.025, upcoming=18,
    ),
    JIANGTOU: ConsultationPlan(
        {"daily-life": 30, "visas-residence": 28, "employment-business": 22,
         "work-permits": 20, "schooling": 18, "legal-aid": 12, "mediation": 6,
         "vaccination": 6, "health-code": 4, "medical-care": 4},
        cancelled_share=0.05, no_show_share=0.03, upcoming=8,
    ),
    TCM: ConsultationPlan(
        {"medical-care": 70, "vaccination": 12, "daily-life": 8},
        cancelled_share=0.05, no_show_share=0.03, upcoming=6,
    ),
}

# Minutes a consultation takes, by topic (choices are drawn evenly).
DURATIONS = {
    "vaccination": (20, 30, 30),
    "health-code": (20, 30),
    "psychological-counselling": (60, 90, 120, 120),
    "daily-life": (30, 30, 45),
    "medical-care": (30, 45, 60),
    "visas-residence": (30, 45, 60),
    "work-permits": (30, 45, 60),
    "employment-business": (45, 60),
    "legal-aid": (45, 60, 90),
    "mediation": (60, 90),
    "schooling": (30, 45),
}

# Channel weights by topic: (at station, phone, online, home visit).
CHANNELS = {
    "health-code": (5, 4, 1, 0),
    "vaccination": (6, 3, 1, 0),
    "psychological-counselling": (6, 0, 4, 0),
    "mediation": (8, 0, 0, 2),
    "daily-life": (6, 2, 1, 1),
}
DEFAULT_CHANNELS = (7, 2, 1, 0)

# Short record notes by topic, written by the counsellor after a consultation.
NOTES = {
    "vaccination": ["已协助预约社区卫生服务中心接种。", "说明接种所需证件，协助在线预约。",
                    "Helped book a vaccination slot at the community health centre."],
    "health-code": ["协助用护照号注册健康码。", "闽政通健康码信息未同步，已协助提交核验。",
                    "Explained how to sync the health code in the Minzhengtong app."],
    "psychological-counselling": ["Follow-up session as agreed.", "Initial assessment; "
                                  "next session booked.", "Session held; no further action."],
    "daily-life": ["协助办理银行卡和手机支付绑定。", "解答租房合同问题。",
                   "Explained utility payments and deliveries."],
    "medical-care": ["已协助预约专科门诊。", "陪同就诊，协助与医生沟通。",
                     "Explained insurance claims for outpatient care."],
    "visas-residence": ["说明居留许可延期所需材料。", "提醒办理住宿登记。",
                        "Checked documents for a residence permit renewal."],
    "work-permits": ["说明工作许可延期流程。", "Explained the change of employer procedure."],
    "employment-business": ["介绍创业扶持政策。", "Reviewed an employment contract with the "
                            "resident."],
    "legal-aid": ["提供法律咨询，建议保留相关证据。", "已转介共建律所跟进。"],
    "mediation": ["无国界调解工作室调解邻里噪音纠纷，双方达成一致。", "租赁押金纠纷调解成功。"],
    "schooling": ["介绍公办学校入学流程和国际学校。", "Explained kindergarten enrolment."],
}

# --------------------------------------------------------------------------- volunteering


@dataclass(frozen=True)
class OpportunitySpec:
    category: str
    title: T
    description: T
    past_shifts: int
    upcoming_shifts: int
    slot: str  # sat_am, sat_pm, sun_am, weekday_am, weekday_pm
    hours: float
    capacity: tuple[int, int]
    activity: str  # what a volunteer logs
    adhoc_entries: int = 0  # hours logged without a shift (work done at home)
    published: bool = True
    past_from_days: int = 360  # past shifts fall between these many days ago
    past_to_days: int = 2


@dataclass(frozen=True)
class VolunteerPlan:
    opportunities: list[OpportunitySpec]
    approved_hours: int | None  # approved hours over the past year, when the report gives it


VOLUNTEER_PLANS = {
    GUANREN: VolunteerPlan(
        [
            OpportunitySpec(
                "epidemic", ("核酸采样点志愿服务", "Volunteering at nucleic acid testing sites"),
                ("在社区核酸采样点用中英文维持秩序，引导居民进行信息登记。",
                 "Keep order at the community testing site in Chinese and English and help "
                 "residents register."),
                6, 0, "sat_am", 3.0, (4, 6), "采样点秩序维护与信息登记引导",
                past_from_days=360, past_to_days=220,
            ),
            OpportunitySpec(
                "environment", ("筼筜湖环保志愿行动", "Yundang Lake environmental volunteers"),
                ("带领中外家庭净湖捡拾垃圾，宣传垃圾分类。",
                 "Lead clean-up walks around the lake and explain waste sorting."),
                7, 2, "sun_am", 2.5, (4, 6), "筼筜湖净湖与垃圾分类宣传",
            ),
            OpportunitySpec(
                "education", ("慈善教育：英语绘本伴读", "Charity education: English picture books"),
                ("每月两次为社区儿童读英文绘本，陪伴阅读。",
                 "Read English picture books with community children twice a month."),
                9, 2, "sat_pm", 2.0, (3, 4), "英语绘本伴读",
            ),
            OpportunitySpec(
                "interpretation", ("双语翻译志愿者", "Bilingual translation volunteers"),
                ("把政策资讯和《外籍人才来厦工作生活手册》译成英文，活动现场做口译。",
                 "Translate policy notices and the Handbook for Foreign Talents into English "
                 "and interpret at events."),
                6, 1, "weekday_pm", 2.0, (2, 3), "活动现场口译", adhoc_entries=10,
            ),
            OpportunitySpec(
                "ambassador", ("文化大使入户走访", "Cultural ambassadors: home visits"),
                ("与社区工作人员一起走访新到的外籍家庭，介绍社区服务。",
                 "Visit newly arrived foreign households with staff and introduce the "
                 "community's services."),
                9, 2, "weekday_am", 2.0, (2, 2), "陪同社区工作人员入户走访外籍家庭",
            ),
            OpportunitySpec(
                "community", ("邻里慈善义卖志愿者", "Charity sale volunteers"),
                ("义卖摊位布置、收银和宣传。", "Set up stalls, take payments and spread the word."),
                2, 0, "sat_pm", 3.0, (5, 6), "慈善义卖摊位服务",
            ),
        ],
        approved_hours=300,
    ),
    JIANGTOU: VolunteerPlan(
        [
            OpportunitySpec(
                "environment", ("湖边水库环保行动", "Hubian Reservoir clean-up"),
                ("环湖捡拾垃圾，宣传垃圾分类。", "Litter picking around the reservoir."),
                5, 1, "sun_am", 2.0, (3, 5), "湖边水库环湖捡拾垃圾",
            ),
            OpportunitySpec(
                "interpretation", ("社区双语服务台", "Bilingual help desk"),
                ("在服务站双语服务台为来访居民做翻译。",
                 "Interpret for visitors at the station's help desk."),
                8, 2, "weekday_am", 3.0, (1, 2), "双语服务台翻译",
            ),
            OpportunitySpec(
                "ambassador", ("文化大使", "Cultural ambassadors"),
                ("走访外籍和港澳台家庭，介绍社区服务。",
                 "Visit foreign and HK/Macao/Taiwan households."),
                4, 1, "weekday_pm", 2.0, (2, 2), "入户走访",
            ),
        ],
        approved_hours=None,
    ),
    TCM: VolunteerPlan(
        [
            OpportunitySpec(
                "interpretation", ("义诊现场翻译志愿者", "Interpreters at free clinics"),
                ("在中医义诊现场为外籍患者做翻译。",
                 "Interpret for foreign patients at TCM free clinics."),
                4, 1, "sat_am", 3.0, (2, 3), "义诊现场翻译",
            ),
            OpportunitySpec(
                "ambassador", ("中医药文化推广大使", "TCM culture ambassadors"),
                ("协助组织中医药文化体验活动，向外籍朋友介绍中医药。",
                 "Help run TCM culture sessions and introduce TCM to foreign friends."),
                3, 1, "sat_am", 2.0, (2, 3), "中医药文化体验活动协助",
            ),
        ],
        approved_hours=None,
    ),
}


@dataclass
class Plan:
    """Everything generated for one station (see load_demo)."""

    residents: ResidentPlan
    events: EventPlan
    consultations: ConsultationPlan
    volunteers: VolunteerPlan
    opening: dict = field(default_factory=dict)


PLANS = {
    slug: Plan(RESIDENT_PLANS[slug], EVENT_PLANS[slug], CONSULTATION_PLANS[slug],
               VOLUNTEER_PLANS[slug], OPENING_PERIODS[slug])
    for slug in (GUANREN, JIANGTOU, TCM)
}


# Notices and guide pages: (station, kind/topic, (title zh, en), (body zh, en)).
NOTICES = [
    (GUANREN, "policy", ("外国人居留许可延期办理提示", "Renewing your residence permit"),
     ("居留许可有效期届满前30日内，请携带护照、照片和单位证明到出入境管理部门办理延期。"
      "服务站可提供材料清单和中英文填表指导。\n\n如需预约一对一咨询，请在本站点选择“签证与居留许可”主题。",
      "Apply for an extension within 30 days before your residence permit expires, at the "
      "exit-entry administration, with your passport, a photo and a letter from your "
      "employer.\n\nThe station has the list of documents and helps with the forms in "
      "English and Chinese: book a consultation on \"Visas and residence permits\".")),
    (GUANREN, "health", ("秋冬季流感疫苗接种通知", "Flu vaccination this autumn and winter"),
     ("社区卫生服务中心为辖区居民（含外籍人士）提供流感疫苗接种，工作日上午可现场登记。"
      "请携带护照或居留证件。",
      "The community health centre vaccinates residents, foreign residents included, "
      "against flu. Register on the spot on weekday mornings and bring your passport or "
      "residence permit.")),
    (TCM, "health", ("中医义诊每月一次", "Free Chinese medicine clinic every month"),
     ("厦门市中医院专家每月第二个周六上午在分站义诊，提供中英文翻译。",
      "Doctors of Xiamen Hospital of Traditional Chinese Medicine hold a free clinic at the "
      "sub-station on the second Saturday morning of every month, with interpretation.")),
    (JIANGTOU, "policy", ("外国人工作许可线上办理指引", "Work permits can be handled online"),
     ("外国人工作许可的申请、延期和注销可通过线上系统办理，服务站可协助核对材料。",
      "Applications, extensions and cancellations of foreigners' work permits are handled "
      "online; the station helps you check your documents.")),
]

GUIDES = [
    (GUANREN, "housing", "registration-of-residence", ("住宿登记", "Registering where you live"),
     ("入住后24小时内须到辖区派出所或通过线上办理住宿登记；住在酒店的由酒店代为登记。",
      "Within 24 hours of moving in, register your address at the local police station or "
      "online; hotels register their guests themselves.")),
    (GUANREN, "medical", "seeing-a-doctor", ("就医指南", "Seeing a doctor"),
     ("大型医院需先挂号，可通过医院公众号或自助机预约；部分医院设有国际医疗部，提供外语服务。",
      "Large hospitals need an appointment, made through the hospital's account or a kiosk; "
      "some have an international department with staff who speak English.")),
    (GUANREN, "visas", "visas-and-permits", ("签证与居留许可", "Visas and residence permits"),
     ("在厦工作的外籍人士需持有工作许可和工作类居留许可，两者有效期应当一致。",
      "Foreigners working in Xiamen need a work permit and a work-type residence permit; "
      "keep their validity aligned.")),
    (JIANGTOU, "schools", "school-enrolment", ("子女入学", "School enrolment for children"),
     ("外籍子女可申请就读公办学校或国际学校，公办学校按户籍和居住地段安排。",
      "Foreign children may attend public schools, allocated by address, or international "
      "schools.")),
]

# Weekly hours counsellors are bookable for, the next two weeks: weekday -> (start, end).
AVAILABILITY_HOURS = {0: ((9, 0), (12, 0)), 2: ((14, 0), (17, 0)), 4: ((9, 0), (12, 0))}
