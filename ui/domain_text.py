"""The domain's words as the window shows them, through Qt's translation: states, categories, roles, the steps of
an order's history, the form's fields, pause reasons, the eight reasons of 第13条, the shortcuts and the side panels'
tabs. The core and the desk stay Chinese and Qt-free (`.zh`); the window translates those values at display time
(`domain(value.zh)`, context "Domain"), and `pyside6-lupdate` finds the source texts here, as literals, to put them
in `resources/ui/i18n/*.ts` (tests/ui/test_english.py checks every value of the enums is listed).

What is read to the caller (the 第13条 basis text) and what the caller or the centre said are data: never translated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from agent_desktop.core.work_order import NotAcceptedReason
from ui.qt import QT_TRANSLATE_NOOP, QCoreApplication

DOMAIN_TEXTS = (
    # the queue, the call, the services
    QT_TRANSLATE_NOOP("Domain", "未签入"),
    QT_TRANSLATE_NOOP("Domain", "就绪"),
    QT_TRANSLATE_NOOP("Domain", "小休"),
    QT_TRANSLATE_NOOP("Domain", "话后处理"),
    QT_TRANSLATE_NOOP("Domain", "来电"),
    QT_TRANSLATE_NOOP("Domain", "振铃"),
    QT_TRANSLATE_NOOP("Domain", "通话中"),
    QT_TRANSLATE_NOOP("Domain", "保持"),
    QT_TRANSLATE_NOOP("Domain", "三方会议"),
    QT_TRANSLATE_NOOP("Domain", "三方通话"),
    QT_TRANSLATE_NOOP("Domain", "已停止"),
    QT_TRANSLATE_NOOP("Domain", "启动中"),
    QT_TRANSLATE_NOOP("Domain", "正常"),
    QT_TRANSLATE_NOOP("Domain", "部分可用"),
    QT_TRANSLATE_NOOP("Domain", "故障"),
    # orders: states, categories, ratings, who acted
    QT_TRANSLATE_NOOP("Domain", "受理中"),
    QT_TRANSLATE_NOOP("Domain", "不予受理"),
    QT_TRANSLATE_NOOP("Domain", "在线办结"),
    QT_TRANSLATE_NOOP("Domain", "待答复"),
    QT_TRANSLATE_NOOP("Domain", "已答复"),
    QT_TRANSLATE_NOOP("Domain", "待派单"),
    QT_TRANSLATE_NOOP("Domain", "协调中"),
    QT_TRANSLATE_NOOP("Domain", "已派单"),
    QT_TRANSLATE_NOOP("Domain", "办理中"),
    QT_TRANSLATE_NOOP("Domain", "退回审核中"),
    QT_TRANSLATE_NOOP("Domain", "延期审核中"),
    QT_TRANSLATE_NOOP("Domain", "已办结"),
    QT_TRANSLATE_NOOP("Domain", "回访中"),
    QT_TRANSLATE_NOOP("Domain", "待人工回访"),
    QT_TRANSLATE_NOOP("Domain", "已归档"),
    QT_TRANSLATE_NOOP("Domain", "申诉审核中"),
    QT_TRANSLATE_NOOP("Domain", "咨询"),
    QT_TRANSLATE_NOOP("Domain", "求助"),
    QT_TRANSLATE_NOOP("Domain", "投诉"),
    QT_TRANSLATE_NOOP("Domain", "举报"),
    QT_TRANSLATE_NOOP("Domain", "建议"),
    QT_TRANSLATE_NOOP("Domain", "表扬"),
    QT_TRANSLATE_NOOP("Domain", "批评"),
    QT_TRANSLATE_NOOP("Domain", "查询"),
    QT_TRANSLATE_NOOP("Domain", "满意"),
    QT_TRANSLATE_NOOP("Domain", "基本满意"),
    QT_TRANSLATE_NOOP("Domain", "不满意"),
    QT_TRANSLATE_NOOP("Domain", "坐席"),
    QT_TRANSLATE_NOOP("Domain", "专业座席"),
    QT_TRANSLATE_NOOP("Domain", "热线中心"),
    QT_TRANSLATE_NOOP("Domain", "责任单位"),
    QT_TRANSLATE_NOOP("Domain", "系统"),
    QT_TRANSLATE_NOOP("Domain", "自动回访"),
    # the form's fields
    QT_TRANSLATE_NOOP("Domain", "诉求人"),
    QT_TRANSLATE_NOOP("Domain", "联系电话"),
    QT_TRANSLATE_NOOP("Domain", "称呼"),
    QT_TRANSLATE_NOOP("Domain", "诉求类型"),
    QT_TRANSLATE_NOOP("Domain", "区县"),
    QT_TRANSLATE_NOOP("Domain", "街道"),
    QT_TRANSLATE_NOOP("Domain", "地址"),
    QT_TRANSLATE_NOOP("Domain", "诉求内容"),
    QT_TRANSLATE_NOOP("Domain", "紧急程度"),
    QT_TRANSLATE_NOOP("Domain", "承办单位"),
    QT_TRANSLATE_NOOP("Domain", "不予受理理由"),
    # the steps of an order's history (lifecycle.action_zh)
    QT_TRANSLATE_NOOP("Domain", "受理登记"),
    QT_TRANSLATE_NOOP("Domain", "修改工单"),
    QT_TRANSLATE_NOOP("Domain", "关联通话"),
    QT_TRANSLATE_NOOP("Domain", "在线答复"),
    QT_TRANSLATE_NOOP("Domain", "承诺答复"),
    QT_TRANSLATE_NOOP("Domain", "答复诉求人"),
    QT_TRANSLATE_NOOP("Domain", "派单"),
    QT_TRANSLATE_NOOP("Domain", "签收"),
    QT_TRANSLATE_NOOP("Domain", "申请退回"),
    QT_TRANSLATE_NOOP("Domain", "同意退回"),
    QT_TRANSLATE_NOOP("Domain", "驳回退回"),
    QT_TRANSLATE_NOOP("Domain", "提请协调"),
    QT_TRANSLATE_NOOP("Domain", "协调定责"),
    QT_TRANSLATE_NOOP("Domain", "申请延期"),
    QT_TRANSLATE_NOOP("Domain", "同意延期"),
    QT_TRANSLATE_NOOP("Domain", "驳回延期"),
    QT_TRANSLATE_NOOP("Domain", "紧急响应"),
    QT_TRANSLATE_NOOP("Domain", "办结反馈"),
    QT_TRANSLATE_NOOP("Domain", "发起回访"),
    QT_TRANSLATE_NOOP("Domain", "回访评价"),
    QT_TRANSLATE_NOOP("Domain", "超时视为基本满意"),
    QT_TRANSLATE_NOOP("Domain", "自动回访失败转人工"),
    QT_TRANSLATE_NOOP("Domain", "人工回访确认"),
    QT_TRANSLATE_NOOP("Domain", "人工回访更正"),
    QT_TRANSLATE_NOOP("Domain", "发回重办"),
    QT_TRANSLATE_NOOP("Domain", "提出申诉"),
    QT_TRANSLATE_NOOP("Domain", "申诉审核"),
    QT_TRANSLATE_NOOP("Domain", "督办"),
    QT_TRANSLATE_NOOP("Domain", "督办升级"),
    QT_TRANSLATE_NOOP("Domain", "督办办结"),
    QT_TRANSLATE_NOOP("Domain", "查看加密信息"),
    QT_TRANSLATE_NOOP("Domain", "拒绝查看加密信息"),
    # the fields a step changed (order_history)
    QT_TRANSLATE_NOOP("Domain", "状态"),
    QT_TRANSLATE_NOOP("Domain", "牵头单位"),
    QT_TRANSLATE_NOOP("Domain", "会同单位"),
    QT_TRANSLATE_NOOP("Domain", "答复内容"),
    QT_TRANSLATE_NOOP("Domain", "知识库条目"),
    QT_TRANSLATE_NOOP("Domain", "通话"),
    QT_TRANSLATE_NOOP("Domain", "不予受理依据"),
    QT_TRANSLATE_NOOP("Domain", "答复方式"),
    QT_TRANSLATE_NOOP("Domain", "答复期限"),
    QT_TRANSLATE_NOOP("Domain", "签收期限"),
    QT_TRANSLATE_NOOP("Domain", "办理期限"),
    QT_TRANSLATE_NOOP("Domain", "回访期限"),
    QT_TRANSLATE_NOOP("Domain", "满意度"),
    # the steps, states and fields a refusal names (ui/refusals.py)
    QT_TRANSLATE_NOOP("Domain", "保存"),
    QT_TRANSLATE_NOOP("Domain", "放弃"),
    QT_TRANSLATE_NOOP("Domain", "直接答复"),
    QT_TRANSLATE_NOOP("Domain", "签入"),
    QT_TRANSLATE_NOOP("Domain", "签出"),
    QT_TRANSLATE_NOOP("Domain", "恢复"),
    QT_TRANSLATE_NOOP("Domain", "挂断"),
    QT_TRANSLATE_NOOP("Domain", "转接"),
    QT_TRANSLATE_NOOP("Domain", "退出三方"),
    QT_TRANSLATE_NOOP("Domain", "草稿"),
    QT_TRANSLATE_NOOP("Domain", "协办单位"),
    QT_TRANSLATE_NOOP("Domain", "原因"),
    QT_TRANSLATE_NOOP("Domain", "号码"),
    # pause reasons
    QT_TRANSLATE_NOOP("Domain", "休息"),
    QT_TRANSLATE_NOOP("Domain", "用餐"),
    QT_TRANSLATE_NOOP("Domain", "会议"),
    QT_TRANSLATE_NOOP("Domain", "培训"),
    QT_TRANSLATE_NOOP("Domain", "质检辅导"),
    QT_TRANSLATE_NOOP("Domain", "系统故障"),
    # the centre's early warnings (第33条, core.early_warning): kinds and severities
    QT_TRANSLATE_NOOP("Domain", "签收即将到期"),
    QT_TRANSLATE_NOOP("Domain", "超时未签收"),
    QT_TRANSLATE_NOOP("Domain", "办理即将到期"),
    QT_TRANSLATE_NOOP("Domain", "超期未办结"),
    QT_TRANSLATE_NOOP("Domain", "答复任务即将到期"),
    QT_TRANSLATE_NOOP("Domain", "答复任务超时"),
    QT_TRANSLATE_NOOP("Domain", "人工回访即将到期"),
    QT_TRANSLATE_NOOP("Domain", "人工回访超时"),
    QT_TRANSLATE_NOOP("Domain", "紧急响应即将到期"),
    QT_TRANSLATE_NOOP("Domain", "紧急响应超时"),
    QT_TRANSLATE_NOOP("Domain", "重复来电"),
    QT_TRANSLATE_NOOP("Domain", "热点问题"),
    QT_TRANSLATE_NOOP("Domain", "退回率异常"),
    QT_TRANSLATE_NOOP("Domain", "提示"),
    QT_TRANSLATE_NOOP("Domain", "预警"),
    QT_TRANSLATE_NOOP("Domain", "严重"),
    # the history's words for what a step changed (desk.order_history: values, a record's parts, the notes)
    QT_TRANSLATE_NOOP("Domain", "一般"),
    QT_TRANSLATE_NOOP("Domain", "电话回复"),
    QT_TRANSLATE_NOOP("Domain", "短信"),
    QT_TRANSLATE_NOOP("Domain", "回拨"),
    QT_TRANSLATE_NOOP("Domain", "回访外呼"),
    QT_TRANSLATE_NOOP("Domain", "播放回访录音"),
    QT_TRANSLATE_NOOP("Domain", "电话"),
    QT_TRANSLATE_NOOP("Domain", "网站"),
    QT_TRANSLATE_NOOP("Domain", "移动端"),
    QT_TRANSLATE_NOOP("Domain", "其他"),
    QT_TRANSLATE_NOOP("Domain", "自动语音回访"),
    QT_TRANSLATE_NOOP("Domain", "短信回访"),
    QT_TRANSLATE_NOOP("Domain", "人工回访"),
    QT_TRANSLATE_NOOP("Domain", "已解决"),
    QT_TRANSLATE_NOOP("Domain", "已解释说明"),
    QT_TRANSLATE_NOOP("Domain", "正在办理"),
    QT_TRANSLATE_NOOP("Domain", "待审核"),
    QT_TRANSLATE_NOOP("Domain", "已同意"),
    QT_TRANSLATE_NOOP("Domain", "已驳回"),
    QT_TRANSLATE_NOOP("Domain", "已撤回"),
    QT_TRANSLATE_NOOP("Domain", "电话催办"),
    QT_TRANSLATE_NOOP("Domain", "暗访督办"),
    QT_TRANSLATE_NOOP("Domain", "督办函"),
    QT_TRANSLATE_NOOP("Domain", "会议督办"),
    QT_TRANSLATE_NOOP("Domain", "热点难点问题"),
    QT_TRANSLATE_NOOP("Domain", "重办后仍不满意"),
    QT_TRANSLATE_NOOP("Domain", "政府交办"),
    QT_TRANSLATE_NOOP("Domain", "媒体曝光"),
    QT_TRANSLATE_NOOP("Domain", "社会影响严重"),
    QT_TRANSLATE_NOOP("Domain", "法规规定的其他情形"),
    QT_TRANSLATE_NOOP("Domain", "与录音不符"),
    QT_TRANSLATE_NOOP("Domain", "回访人员诱导"),
    QT_TRANSLATE_NOOP("Domain", "正常办理时限内"),
    QT_TRANSLATE_NOOP("Domain", "回访时提出新诉求"),
    QT_TRANSLATE_NOOP("Domain", "虚假、政策性或恶意诉求"),
    QT_TRANSLATE_NOOP("Domain", "是"),
    QT_TRANSLATE_NOOP("Domain", "否"),
    QT_TRANSLATE_NOOP("Domain", "理由"),
    QT_TRANSLATE_NOOP("Domain", "审核"),
    QT_TRANSLATE_NOOP("Domain", "审核意见"),
    QT_TRANSLATE_NOOP("Domain", "延期工作日"),
    QT_TRANSLATE_NOOP("Domain", "新期限"),
    QT_TRANSLATE_NOOP("Domain", "办理单位"),
    QT_TRANSLATE_NOOP("Domain", "办理过程"),
    QT_TRANSLATE_NOOP("Domain", "办理结果"),
    QT_TRANSLATE_NOOP("Domain", "办理结果类型"),
    QT_TRANSLATE_NOOP("Domain", "协调结果"),
    QT_TRANSLATE_NOOP("Domain", "关键词"),
    QT_TRANSLATE_NOOP("Domain", "依据"),
    QT_TRANSLATE_NOOP("Domain", "方式"),
    QT_TRANSLATE_NOOP("Domain", "评价"),
    QT_TRANSLATE_NOOP("Domain", "视为评价"),
    QT_TRANSLATE_NOOP("Domain", "说明"),
    QT_TRANSLATE_NOOP("Domain", "申诉理由"),
    QT_TRANSLATE_NOOP("Domain", "证据"),
    QT_TRANSLATE_NOOP("Domain", "督办情形"),
    QT_TRANSLATE_NOOP("Domain", "督办方式"),
    QT_TRANSLATE_NOOP("Domain", "期限"),
    QT_TRANSLATE_NOOP("Domain", "结果"),
    QT_TRANSLATE_NOOP("Domain", "类型"),
    QT_TRANSLATE_NOOP("Domain", "时间"),
    QT_TRANSLATE_NOOP("Domain", "受理渠道"),
    QT_TRANSLATE_NOOP("Domain", "受理时间"),
    QT_TRANSLATE_NOOP("Domain", "法定办理时限(工作日)"),
    QT_TRANSLATE_NOOP("Domain", "签收单位"),
    QT_TRANSLATE_NOOP("Domain", "退回申请"),
    QT_TRANSLATE_NOOP("Domain", "延期申请"),
    QT_TRANSLATE_NOOP("Domain", "回访记录"),
    QT_TRANSLATE_NOOP("Domain", "申诉"),
    QT_TRANSLATE_NOOP("Domain", "不计入满意度"),
    QT_TRANSLATE_NOOP("Domain", "重办次数"),
    QT_TRANSLATE_NOOP("Domain", "协调"),
    QT_TRANSLATE_NOOP("Domain", "申诉期限"),
    QT_TRANSLATE_NOOP("Domain", "工单号"),
    QT_TRANSLATE_NOOP("Domain", "姓名"),
    QT_TRANSLATE_NOOP("Domain", "证件号"),
    QT_TRANSLATE_NOOP("Domain", "邮箱"),
    QT_TRANSLATE_NOOP("Domain", "匿名"),
    QT_TRANSLATE_NOOP("Domain", "转协调处理"),
    QT_TRANSLATE_NOOP("Domain", "审核前已办结"),
    QT_TRANSLATE_NOOP("Domain", "72小时内未评价,视为基本满意"),
    QT_TRANSLATE_NOOP("Domain", ","),
    # the desk's own notes on a task; an article's number
    QT_TRANSLATE_NOOP("Domain", "自动回访未接通"),
    QT_TRANSLATE_NOOP("Domain", "紧急"),
    QT_TRANSLATE_NOOP("Domain", "第%1条"),
    # the punctuation around values (full-width in Chinese)
    QT_TRANSLATE_NOOP("Domain", "%1:%2"),
    QT_TRANSLATE_NOOP("Domain", "(%1)"),
    QT_TRANSLATE_NOOP("Domain", "【%1】"),
    QT_TRANSLATE_NOOP("Domain", "、"),
)

# the texts of ui/widgets/shortcuts.py and ui/panels.py, translated where they are shown
SHORTCUT_TEXTS = (
    # groups
    QT_TRANSLATE_NOOP("Shortcuts", "通话"),
    QT_TRANSLATE_NOOP("Shortcuts", "坐席"),
    QT_TRANSLATE_NOOP("Shortcuts", "工单"),
    QT_TRANSLATE_NOOP("Shortcuts", "导航"),
    QT_TRANSLATE_NOOP("Shortcuts", "待办"),
    # actions
    QT_TRANSLATE_NOOP("Shortcuts", "显示全部快捷键"),
    QT_TRANSLATE_NOOP("Shortcuts", "保持 / 恢复"),
    QT_TRANSLATE_NOOP("Shortcuts", "转接(盲转)"),
    QT_TRANSLATE_NOOP("Shortcuts", "三方通话(选择承办单位)"),
    QT_TRANSLATE_NOOP("Shortcuts", "退出三方"),
    QT_TRANSLATE_NOOP("Shortcuts", "挂断"),
    QT_TRANSLATE_NOOP("Shortcuts", "回拨本单诉求人"),
    QT_TRANSLATE_NOOP("Shortcuts", "签入 / 签出"),
    QT_TRANSLATE_NOOP("Shortcuts", "小休(按所选原因)"),
    QT_TRANSLATE_NOOP("Shortcuts", "就绪(结束小休或话后处理)"),
    QT_TRANSLATE_NOOP("Shortcuts", "采纳当前字段的建议"),
    QT_TRANSLATE_NOOP("Shortcuts", "采纳全部建议(不覆盖已填写的字段)"),
    QT_TRANSLATE_NOOP("Shortcuts", "保存工单(受理中)"),
    QT_TRANSLATE_NOOP("Shortcuts", "派单(主办单位与协办单位)"),
    QT_TRANSLATE_NOOP("Shortcuts", "不予受理(须选择第十三条理由)"),
    QT_TRANSLATE_NOOP("Shortcuts", "直接答复(知识库答案)"),
    QT_TRANSLATE_NOOP("Shortcuts", "承诺1个工作日内回复"),
    QT_TRANSLATE_NOOP("Shortcuts", "紧急标记"),
    QT_TRANSLATE_NOOP("Shortcuts", "诉求人要求保密(匿名)"),
    QT_TRANSLATE_NOOP("Shortcuts", "放弃草稿(通话结束后)"),
    QT_TRANSLATE_NOOP("Shortcuts", "转到工单第一栏"),
    QT_TRANSLATE_NOOP("Shortcuts", "转到知识库搜索"),
    QT_TRANSLATE_NOOP("Shortcuts", "转到我的任务"),
    QT_TRANSLATE_NOOP("Shortcuts", "人工回访:转到结果 / 记录评价与情况"),
    QT_TRANSLATE_NOOP("Shortcuts", "人工回访:本机播放自动回访录音"),
    # the keys a widget keeps for itself (LOCAL_KEYS): where, and what
    QT_TRANSLATE_NOOP("Shortcuts", "我的任务列表"),
    QT_TRANSLATE_NOOP("Shortcuts", "回访情况栏"),
    QT_TRANSLATE_NOOP("Shortcuts", "查看所选工单的工作流转单"),
    QT_TRANSLATE_NOOP("Shortcuts", "回拨所选待办的诉求人(在列表中代替“采纳建议”)"),
    QT_TRANSLATE_NOOP("Shortcuts", "记录回访结果"),
)
PANEL_TEXTS = (
    # tabs
    QT_TRANSLATE_NOOP("Panels", "知识库"),
    QT_TRANSLATE_NOOP("Panels", "我的任务"),
    QT_TRANSLATE_NOOP("Panels", "工作流转单"),
)

# the reason as the form's list names it; the article's own text (read to the caller) stays NOT_ACCEPTED_BASIS
REASON_LABELS = {
    NotAcceptedReason.OUTSIDE_JURISDICTION: QT_TRANSLATE_NOOP("Domain", "不属于本市行政职权管辖"),
    NotAcceptedReason.EMERGENCY_SERVICE: QT_TRANSLATE_NOOP("Domain", "应由110、119、120、122等紧急专线处理"),
    NotAcceptedReason.SECRETS_OR_PRIVACY: QT_TRANSLATE_NOOP("Domain", "涉及国家机密、商业秘密、个人隐私"),
    NotAcceptedReason.UNLAWFUL_OR_NO_REQUEST: QT_TRANSLATE_NOOP("Domain", "违法、违背公序良俗、骚扰或无实质诉求"),
    NotAcceptedReason.OTHER_LEGAL_CHANNEL: QT_TRANSLATE_NOOP("Domain", "应通过诉讼、仲裁、复议、信访等途径办理"),
    NotAcceptedReason.ALREADY_HANDLED: QT_TRANSLATE_NOOP("Domain", "正在办理或已办结且无新情况、新理由"),
    NotAcceptedReason.OTHER_AUTHORITY: QT_TRANSLATE_NOOP("Domain", "属人大、政协、纪检监察、法院、检察院等职责"),
    NotAcceptedReason.OTHER_BY_LAW: QT_TRANSLATE_NOOP("Domain", "其他法律、法规规定不予受理"),
}

_ARTICLE = re.compile(r"第(\d+(?:[–-]\d+)?)条")  # 第16条, and a range: 第13–14条
_CHINESE_ITEM = re.compile(r"[((]([一二三四五六七八九十]+)[))]")
_NUMERALS = {c: i for i, c in enumerate("一二三四五六七八九十", start=1)}


def domain(text: str) -> str:
    """A domain value's Chinese text (`.zh`, a pause reason ...) in the window's language."""
    return QCoreApplication.translate("Domain", text)


def labelled(name: str, value: str) -> str:
    """"名称:值" with the window's punctuation."""
    return domain("%1:%2").replace("%1", name).replace("%2", value)


def listed(items: Iterable[str]) -> str:
    """Items of a list, with the window's separator (、 in Chinese)."""
    return domain("、").join(items)


def bracketed(text: str) -> str:
    return domain("(%1)").replace("%1", text)


def marked(text: str) -> str:
    return domain("【%1】").replace("%1", text)


def reason_label(reason: NotAcceptedReason) -> str:
    """"(n) what it covers": the entry of the form's list of the eight reasons of 第13条."""
    return f"({int(reason)}) {domain(REASON_LABELS[reason])}"


def article_text(article: str) -> str:
    """A rule's article (`第16条(一)`) in the window's language: the article's number through the translation, and
    in a translated window its item's Chinese numeral as a digit."""
    pattern = domain("第%1条")
    if pattern == "第%1条":
        return article
    shown = _ARTICLE.sub(lambda m: pattern.replace("%1", m.group(1)), article)
    return _CHINESE_ITEM.sub(lambda m: f"({_NUMERALS.get(m.group(1), m.group(1))})", shown)
