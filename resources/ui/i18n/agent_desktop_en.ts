<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name>CallBar</name>
    <message>
        <location filename="../../../ui/widgets/call_bar.py" line="37"/>
        <location filename="../../../ui/widgets/call_bar.py" line="131"/>
        <source>空闲</source>
        <translation>Idle</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/call_bar.py" line="43"/>
        <source>保持</source>
        <translation>Hold</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/call_bar.py" line="44"/>
        <source>转接</source>
        <translation>Transfer</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/call_bar.py" line="45"/>
        <source>三方通话</source>
        <translation>Three-way call</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/call_bar.py" line="46"/>
        <source>退出三方</source>
        <translation>Leave conference</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/call_bar.py" line="47"/>
        <source>挂断</source>
        <translation>Hang up</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/call_bar.py" line="49"/>
        <source>回拨</source>
        <translation>Call back</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/call_bar.py" line="139"/>
        <source>未知号码</source>
        <translation>Unknown number</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/call_bar.py" line="145"/>
        <source>(AMI 断开)</source>
        <translation>(AMI down)</translation>
    </message>
</context>
<context>
    <name>CallerPopView</name>
    <message>
        <location filename="../../../ui/widgets/caller_pop.py" line="23"/>
        <source>来电信息</source>
        <translation>Caller</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/caller_pop.py" line="33"/>
        <source>要求保密  %1</source>
        <translation>Anonymous  %1</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/caller_pop.py" line="38"/>
        <source>工单号</source>
        <translation>Order</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/caller_pop.py" line="38"/>
        <source>日期</source>
        <translation>Date</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/caller_pop.py" line="38"/>
        <source>状态</source>
        <translation>State</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/caller_pop.py" line="38"/>
        <source>摘要</source>
        <translation>Summary</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/caller_pop.py" line="62"/>
        <source>该号码的历史工单</source>
        <translation>Earlier orders of this number</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/caller_pop.py" line="80"/>
        <source>匿名(第十五条)</source>
        <translation>Anonymous (Art. 15)</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/caller_pop.py" line="82"/>
        <source>重复来电:有在办工单(第十三条第六项)</source>
        <translation>Repeat caller: an order in progress (Art. 13(6))</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/caller_pop.py" line="84"/>
        <source>频繁来电(第四十一条)</source>
        <translation>Frequent caller (Art. 41)</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/caller_pop.py" line="86"/>
        <source>骚扰标记(第四十一条)</source>
        <translation>Marked as harassment (Art. 41)</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/caller_pop.py" line="93"/>
        <source>无来电</source>
        <translation>No call</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/caller_pop.py" line="100"/>
        <source>未知号码</source>
        <translation>Unknown number</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/caller_pop.py" line="112"/>
        <source>该号码的历史工单(查询中…)</source>
        <translation>This number's earlier orders (looking up…)</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/caller_pop.py" line="114"/>
        <source>该号码的历史工单(%1 件)</source>
        <translation>This number's earlier orders (%1)</translation>
    </message>
</context>
<context>
    <name>FieldRow</name>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="126"/>
        <source>新建议</source>
        <translation>New suggestion</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="126"/>
        <source>建议</source>
        <translation>Suggestion</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="129"/>
        <source>采纳 %1:%2</source>
        <translation>Accept %1: %2</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../../ui/main_window.py" line="45"/>
        <source>热线坐席桌面 — 坐席 %1</source>
        <translation>Hotline agent desktop — seat %1</translation>
    </message>
    <message>
        <location filename="../../../ui/main_window.py" line="77"/>
        <source>实时转写</source>
        <translation>Live transcript</translation>
    </message>
</context>
<context>
    <name>NumberPicker</name>
    <message>
        <location filename="../../../ui/widgets/number_picker.py" line="24"/>
        <source>输入单位名称或号码筛选</source>
        <translation>Type a unit's name or number to filter</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/number_picker.py" line="27"/>
        <source>号码</source>
        <translation>Number</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/number_picker.py" line="36"/>
        <source>拨打号码</source>
        <translation>Number to dial</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/number_picker.py" line="48"/>
        <source>三方通话:选择承办单位</source>
        <translation>Three-way call: pick the responsible unit</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/number_picker.py" line="48"/>
        <source>转接:选择号码</source>
        <translation>Transfer: pick a number</translation>
    </message>
</context>
<context>
    <name>OrderForm</name>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="142"/>
        <location filename="../../../ui/widgets/order_form.py" line="434"/>
        <source>工单</source>
        <translation>Work order</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="197"/>
        <source>多个单位用顿号或逗号分隔</source>
        <translation>Separate several units with commas</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="198"/>
        <source>协办单位</source>
        <translation>Co-units</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="202"/>
        <source>紧急  %1</source>
        <translation>Urgent  %1</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="211"/>
        <source>采纳全部建议  %1</source>
        <translation>Accept all suggestions  %1</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="213"/>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="214"/>
        <source>派单</source>
        <translation>Dispatch</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="216"/>
        <source>承诺回复</source>
        <translation>Promise reply</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="217"/>
        <source>征得诉求人同意,1个工作日内答复(第十六条第一项)</source>
        <translation>With the caller's consent, reply within 1 working day (Art. 16(1))</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="218"/>
        <source>放弃</source>
        <translation>Discard</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="222"/>
        <source>不予受理理由(第十三条)…</source>
        <translation>Reason for not accepting (Art. 13)…</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="231"/>
        <source>不予受理</source>
        <translation>Not accepted</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="236"/>
        <source>直接答复的内容(可从知识库插入)</source>
        <translation>The direct answer (insert from the knowledge base)</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="239"/>
        <source>直接答复</source>
        <translation>Reply directly</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="333"/>
        <source>不予受理须先选择第十三条规定的理由</source>
        <translation>Not accepting needs one of the reasons of Art. 13 first</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="377"/>
        <source>向诉求人宣读:</source>
        <translation>Read to the caller:</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="435"/>
        <source>无进行中的通话</source>
        <translation>No call in progress</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="437"/>
        <source>工单 %1</source>
        <translation>Order %1</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="439"/>
        <source>草稿 · 自动保存</source>
        <translation>Draft · autosaved</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="446"/>
        <source> · 中心退回:%1</source>
        <translation> · rejected by the centre: %1</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="450"/>
        <source> · 中心已确认</source>
        <translation> · acknowledged by the center</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="452"/>
        <source> · 等待中心确认</source>
        <translation> · waiting for the center</translation>
    </message>
</context>
<context>
    <name>SeatStatusBar</name>
    <message>
        <location filename="../../../ui/widgets/status_bar.py" line="45"/>
        <source>坐席 %1 · 话机 %2</source>
        <translation>Seat %1 · phone %2</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/status_bar.py" line="56"/>
        <location filename="../../../ui/widgets/status_bar.py" line="98"/>
        <source>签入</source>
        <translation>Log in</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/status_bar.py" line="60"/>
        <source>小休原因</source>
        <translation>Pause reason</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/status_bar.py" line="61"/>
        <source>小休</source>
        <translation>Pause</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/status_bar.py" line="62"/>
        <source>就绪</source>
        <translation>Ready</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/status_bar.py" line="98"/>
        <source>签出</source>
        <translation>Log out</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/status_bar.py" line="121"/>
        <source>话后处理 剩余 %1 秒</source>
        <translation>After-call work: %1 s left</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/status_bar.py" line="133"/>
        <source>AMI 断开 · 通话控制不可用</source>
        <translation>AMI down · call control unavailable</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/status_bar.py" line="135"/>
        <source>AMI 已连接</source>
        <translation>AMI connected</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/status_bar.py" line="137"/>
        <source>中心</source>
        <translation>Center</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/status_bar.py" line="139"/>
        <source> · 待上传 %1</source>
        <translation> · %1 waiting</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/status_bar.py" line="141"/>
        <source>语音</source>
        <translation>Speech</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/status_bar.py" line="145"/>
        <source>(韩语测试模型,非中文识别)</source>
        <translation> (Korean test model, not Chinese recognition)</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/status_bar.py" line="149"/>
        <source> · %1 路</source>
        <translation> · %1 streams</translation>
    </message>
</context>
<context>
    <name>ShortcutSheet</name>
    <message>
        <location filename="../../../ui/widgets/shortcuts.py" line="97"/>
        <source>快捷键</source>
        <translation>Shortcuts</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/shortcuts.py" line="100"/>
        <source>类别</source>
        <translation>Group</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/shortcuts.py" line="100"/>
        <source>按键</source>
        <translation>Key</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/shortcuts.py" line="100"/>
        <source>操作</source>
        <translation>Action</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/shortcuts.py" line="108"/>
        <source>关闭 (Esc)</source>
        <translation>Close (Esc)</translation>
    </message>
</context>
<context>
    <name>TranscriptView</name>
    <message>
        <location filename="../../../ui/widgets/transcript.py" line="28"/>
        <source>通话开始后显示实时转写</source>
        <translation>The live transcript appears once the call is answered</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/transcript.py" line="51"/>
        <source>演示脚本文本(未安装中文识别模型)</source>
        <translation>Demo script text (no Chinese speech model installed)</translation>
    </message>
</context>
<context>
    <name>window</name>
    <message>
        <location filename="../../../ui/desktop.py" line="57"/>
        <source>正在启动服务…(语音模型可能稍后加载完成)</source>
        <translation>Starting the services… (the speech model may finish loading later)</translation>
    </message>
    <message>
        <location filename="../../../ui/desktop.py" line="64"/>
        <source>服务启动失败:%1</source>
        <translation>The services did not start: %1</translation>
    </message>
    <message>
        <location filename="../../../ui/desktop.py" line="72"/>
        <source>服务已启动</source>
        <translation>Services started</translation>
    </message>
</context>
<context>
    <name>WarningsIndicator</name>
    <message>
        <source>中心的预警(第33条),点击查看</source>
        <translation>The centre's warnings (Art. 33); click to see them</translation>
    </message>
    <message>
        <source>预警 %1</source>
        <translation>Warnings %1</translation>
    </message>
</context>
<context>
    <name>WarningsList</name>
    <message>
        <source>中心预警(第33条)</source>
        <translation>Centre warnings (Art. 33)</translation>
    </message>
    <message>
        <source>工单 %1</source>
        <translation>Order %1</translation>
    </message>
    <message>
        <source>期限 %1</source>
        <translation>due %1</translation>
    </message>
</context>
</TS>
