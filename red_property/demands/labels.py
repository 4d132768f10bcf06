"""What users read for each category, route, source, status and history line."""
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from red_property.demands.models import Category, EventKind, Route, Source, Status

CATEGORY = {
    Category.URGENT_REPAIR: _l("紧急维修"),
    Category.REPAIR: _l("日常维修"),
    Category.ELEVATOR: _l("电梯故障"),
    Category.SANITATION: _l("环境卫生"),
    Category.GREENING: _l("绿化养护"),
    Category.SECURITY: _l("安全秩序"),
    Category.PARKING: _l("停车管理"),
    Category.NOISE: _l("噪音扰民"),
    Category.FEES: _l("物业收费"),
    Category.DISPUTE: _l("邻里纠纷（矛盾调解）"),
    Category.VIOLATION: _l("违章搭建、占用公共部位"),
    Category.OTHER: _l("其他"),
}
ROUTE = {
    Route.SERVICE: _l("服务解决"),
    Route.MANAGEMENT: _l("管理解决"),
    Route.ENFORCEMENT: _l("执法解决（综合执法）"),
}
ROUTE_SHORT = {Route.SERVICE: _l("服务解决"), Route.MANAGEMENT: _l("管理解决"), Route.ENFORCEMENT: _l("执法解决")}
# the 721 method's target shares, shown beside the actual shares
ROUTE_TARGET = {Route.SERVICE: 70, Route.MANAGEMENT: 20, Route.ENFORCEMENT: 10}
SOURCE = {
    Source.WALK_IN: _l("来访"),
    Source.PHONE: _l("来电"),
    Source.HOTLINE: _l("12345 热线"),
    Source.NIGHT_TALK: _l("夜话"),
    Source.YARD_MEETING: _l("坝坝会"),
    Source.PUBLIC_PAGE: _l("小区公开页"),
}
STATUS = {
    Status.RECEIVED: _l("已受理"),
    Status.IN_PROGRESS: _l("办理中"),
    Status.RESOLVED: _l("已解决"),
    Status.UNRESOLVED: _l("未解决（已办结）"),
}
EVENT = {
    EventKind.RECEIVED: _l("受理"),
    EventKind.ROUTED: _l("分流派单"),
    EventKind.PROGRESS: _l("办理进展"),
    EventKind.MEDIATION: _l("调解"),
    EventKind.RESOLVED: _l("办结：已解决"),
    EventKind.UNRESOLVED: _l("办结：未解决"),
    EventKind.INFORMED: _l("告知居民"),
    EventKind.RATED: _l("居民评价"),
    EventKind.OVERDUE: _l("超期"),
}


def choices(labels: dict) -> list[SelectChoice]:
    """A select field's options, in the enum's order."""
    return [SelectChoice(member.value, label) for member, label in labels.items()]
