<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name>CallBar</name>
    <message>
        <location filename="../../../ui/widgets/call_bar.py" line="37"/>
        <location filename="../../../ui/widgets/call_bar.py" line="133"/>
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
        <location filename="../../../ui/widgets/call_bar.py" line="141"/>
        <source>未知号码</source>
        <translation>Unknown number</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/call_bar.py" line="147"/>
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
        <translation>This number&apos;s earlier orders (looking up…)</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/caller_pop.py" line="114"/>
        <source>该号码的历史工单(%1 件)</source>
        <translation>This number&apos;s earlier orders (%1)</translation>
    </message>
</context>
<context>
    <name>Domain</name>
    <message>
        <location filename="../../../ui/domain_text.py" line="20"/>
        <source>未签入</source>
        <translation>Logged out</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="21"/>
        <source>就绪</source>
        <translation>Ready</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="22"/>
        <source>小休</source>
        <translation>Paused</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="23"/>
        <source>话后处理</source>
        <translation>After-call work</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="24"/>
        <source>来电</source>
        <translation>Offered</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="25"/>
        <source>振铃</source>
        <translation>Ringing</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="26"/>
        <source>通话中</source>
        <translation>Talking</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="27"/>
        <source>保持</source>
        <translation>On hold</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="28"/>
        <source>三方会议</source>
        <translation>Conference</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="29"/>
        <source>三方通话</source>
        <translation>Three-way call</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="30"/>
        <source>已停止</source>
        <translation>stopped</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="31"/>
        <source>启动中</source>
        <translation>starting</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="32"/>
        <source>正常</source>
        <translation>OK</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="33"/>
        <source>部分可用</source>
        <translation>degraded</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="34"/>
        <source>故障</source>
        <translation>failed</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="36"/>
        <source>受理中</source>
        <translation>Intake</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="37"/>
        <source>不予受理</source>
        <translation>Not accepted</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="38"/>
        <source>在线办结</source>
        <translation>Answered on the line</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="39"/>
        <source>待答复</source>
        <translation>Reply pending</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="40"/>
        <source>已答复</source>
        <translation>Replied</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="41"/>
        <source>待派单</source>
        <translation>To dispatch</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="42"/>
        <source>协调中</source>
        <translation>In coordination</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="43"/>
        <source>已派单</source>
        <translation>Dispatched</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="44"/>
        <source>办理中</source>
        <translation>In progress</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="45"/>
        <source>退回审核中</source>
        <translation>Return under review</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="46"/>
        <source>延期审核中</source>
        <translation>Extension under review</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="47"/>
        <source>已办结</source>
        <translation>Completed</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="48"/>
        <source>回访中</source>
        <translation>Revisiting</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="49"/>
        <source>待人工回访</source>
        <translation>Manual revisit due</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="50"/>
        <source>已归档</source>
        <translation>Archived</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="51"/>
        <source>申诉审核中</source>
        <translation>Appeal under review</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="52"/>
        <source>咨询</source>
        <translation>Enquiry</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="53"/>
        <source>求助</source>
        <translation>Request for help</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="54"/>
        <source>投诉</source>
        <translation>Complaint</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="55"/>
        <source>举报</source>
        <translation>Report</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="56"/>
        <source>建议</source>
        <translation>Proposal</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="57"/>
        <source>表扬</source>
        <translation>Praise</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="58"/>
        <source>批评</source>
        <translation>Criticism</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="59"/>
        <source>查询</source>
        <translation>Lookup</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="60"/>
        <source>满意</source>
        <translation>Satisfied</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="61"/>
        <source>基本满意</source>
        <translation>Mostly satisfied</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="62"/>
        <source>不满意</source>
        <translation>Unsatisfied</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="63"/>
        <source>坐席</source>
        <translation>agent</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="64"/>
        <source>专业座席</source>
        <translation>specialist agent</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="65"/>
        <source>热线中心</source>
        <translation>hotline centre</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="66"/>
        <source>责任单位</source>
        <translation>responsible unit</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="67"/>
        <source>系统</source>
        <translation>system</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="68"/>
        <source>自动回访</source>
        <translation>automated revisit</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="70"/>
        <source>诉求人</source>
        <translation>Caller</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="71"/>
        <source>联系电话</source>
        <translation>Phone</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="72"/>
        <source>称呼</source>
        <translation>Form of address</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="73"/>
        <source>诉求类型</source>
        <translation>Category</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="74"/>
        <source>区县</source>
        <translation>District</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="75"/>
        <source>街道</source>
        <translation>Street</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="76"/>
        <source>地址</source>
        <translation>Address</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="77"/>
        <source>诉求内容</source>
        <translation>Description</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="78"/>
        <source>紧急程度</source>
        <translation>Urgency</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="79"/>
        <source>承办单位</source>
        <translation>Lead unit</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="80"/>
        <source>不予受理理由</source>
        <translation>Reason not accepted</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="82"/>
        <source>受理登记</source>
        <translation>Registered</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="83"/>
        <source>修改工单</source>
        <translation>Edited</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="84"/>
        <source>关联通话</source>
        <translation>Call linked</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="85"/>
        <source>在线答复</source>
        <translation>Answered on the line</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="86"/>
        <source>承诺答复</source>
        <translation>Reply promised</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="87"/>
        <source>答复诉求人</source>
        <translation>Replied to the caller</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="88"/>
        <source>派单</source>
        <translation>Dispatch</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="89"/>
        <source>签收</source>
        <translation>Signed</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="90"/>
        <source>申请退回</source>
        <translation>Return requested</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="91"/>
        <source>同意退回</source>
        <translation>Return approved</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="92"/>
        <source>驳回退回</source>
        <translation>Return refused</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="93"/>
        <source>提请协调</source>
        <translation>Referred for coordination</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="94"/>
        <source>协调定责</source>
        <translation>Coordination decided</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="95"/>
        <source>申请延期</source>
        <translation>Extension requested</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="96"/>
        <source>同意延期</source>
        <translation>Extension approved</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="97"/>
        <source>驳回延期</source>
        <translation>Extension refused</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="98"/>
        <source>紧急响应</source>
        <translation>Emergency response</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="99"/>
        <source>办结反馈</source>
        <translation>Completion reported</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="100"/>
        <source>发起回访</source>
        <translation>Revisit started</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="101"/>
        <source>回访评价</source>
        <translation>Revisit rating</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="102"/>
        <source>超时视为基本满意</source>
        <translation>No rating in time: mostly satisfied</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="103"/>
        <source>自动回访失败转人工</source>
        <translation>Automated revisit failed: manual</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="104"/>
        <source>人工回访确认</source>
        <translation>Manual revisit confirmed</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="105"/>
        <source>人工回访更正</source>
        <translation>Manual revisit corrected</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="106"/>
        <source>发回重办</source>
        <translation>Sent back to redo</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="107"/>
        <source>提出申诉</source>
        <translation>Appeal filed</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="108"/>
        <source>申诉审核</source>
        <translation>Appeal decided</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="109"/>
        <source>督办</source>
        <translation>Supervision</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="110"/>
        <source>督办升级</source>
        <translation>Supervision escalated</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="111"/>
        <source>督办办结</source>
        <translation>Supervision closed</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="112"/>
        <source>查看加密信息</source>
        <translation>Sealed data revealed</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="113"/>
        <source>拒绝查看加密信息</source>
        <translation>Sealed data refused</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="115"/>
        <source>状态</source>
        <translation>State</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="116"/>
        <source>牵头单位</source>
        <translation>Lead unit</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="117"/>
        <source>会同单位</source>
        <translation>Co-units</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="118"/>
        <source>答复内容</source>
        <translation>Answer</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="119"/>
        <source>知识库条目</source>
        <translation>KB entry</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="120"/>
        <source>通话</source>
        <translation>Calls</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="121"/>
        <source>不予受理依据</source>
        <translation>Basis not accepted</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="122"/>
        <source>答复方式</source>
        <translation>Reply by</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="123"/>
        <source>答复期限</source>
        <translation>Reply due</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="124"/>
        <source>签收期限</source>
        <translation>Sign due</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="125"/>
        <source>办理期限</source>
        <translation>Due</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="126"/>
        <source>回访期限</source>
        <translation>Revisit due</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="127"/>
        <source>满意度</source>
        <translation>Rating</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="129"/>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="130"/>
        <source>放弃</source>
        <translation>Discard</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="131"/>
        <source>直接答复</source>
        <translation>Reply directly</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="132"/>
        <source>签入</source>
        <translation>Log in</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="133"/>
        <source>签出</source>
        <translation>Log out</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="134"/>
        <source>恢复</source>
        <translation>Resume</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="135"/>
        <source>挂断</source>
        <translation>Hang up</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="136"/>
        <source>转接</source>
        <translation>Transfer</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="137"/>
        <source>退出三方</source>
        <translation>Leave the three-way call</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="138"/>
        <source>草稿</source>
        <translation>Draft</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="139"/>
        <source>协办单位</source>
        <translation>Co-units</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="140"/>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="141"/>
        <source>号码</source>
        <translation>Number</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="143"/>
        <source>休息</source>
        <translation>Break</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="144"/>
        <source>用餐</source>
        <translation>Meal</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="145"/>
        <source>会议</source>
        <translation>Meeting</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="146"/>
        <source>培训</source>
        <translation>Training</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="147"/>
        <source>质检辅导</source>
        <translation>QA coaching</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="148"/>
        <source>系统故障</source>
        <translation>System fault</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="150"/>
        <source>签收即将到期</source>
        <translation>Signing due soon</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="151"/>
        <source>超时未签收</source>
        <translation>Not signed in time</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="152"/>
        <source>办理即将到期</source>
        <translation>Handling due soon</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="153"/>
        <source>超期未办结</source>
        <translation>Overdue, not completed</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="154"/>
        <source>答复任务即将到期</source>
        <translation>Reply due soon</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="155"/>
        <source>答复任务超时</source>
        <translation>Reply overdue</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="156"/>
        <source>人工回访即将到期</source>
        <translation>Manual revisit due soon</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="157"/>
        <source>人工回访超时</source>
        <translation>Manual revisit overdue</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="158"/>
        <source>紧急响应即将到期</source>
        <translation>Emergency response due soon</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="159"/>
        <source>紧急响应超时</source>
        <translation>Emergency response overdue</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="160"/>
        <source>重复来电</source>
        <translation>Repeat caller</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="161"/>
        <source>热点问题</source>
        <translation>Hot spot</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="162"/>
        <source>退回率异常</source>
        <translation>Unusual return rate</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="163"/>
        <source>提示</source>
        <translation>Notice</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="164"/>
        <source>预警</source>
        <translation>Warning</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="165"/>
        <source>严重</source>
        <translation>Critical</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="167"/>
        <source>一般</source>
        <translation>Normal</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="168"/>
        <source>电话回复</source>
        <translation>Phone call</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="169"/>
        <source>短信</source>
        <translation>SMS</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="170"/>
        <source>回拨</source>
        <translation>Callback</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="171"/>
        <source>回访外呼</source>
        <translation>Survey call</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="172"/>
        <source>播放回访录音</source>
        <translation>Play survey recording</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="173"/>
        <source>电话</source>
        <translation>Phone</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="174"/>
        <source>网站</source>
        <translation>Website</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="175"/>
        <source>移动端</source>
        <translation>Mobile app</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="176"/>
        <source>其他</source>
        <translation>Other</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="177"/>
        <source>自动语音回访</source>
        <translation>Automated call</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="178"/>
        <source>短信回访</source>
        <translation>SMS survey</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="179"/>
        <source>人工回访</source>
        <translation>Manual revisit</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="180"/>
        <source>已解决</source>
        <translation>Solved</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="181"/>
        <source>已解释说明</source>
        <translation>Explained</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="182"/>
        <source>正在办理</source>
        <translation>In progress</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="183"/>
        <source>待审核</source>
        <translation>Pending</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="184"/>
        <source>已同意</source>
        <translation>Approved</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="185"/>
        <source>已驳回</source>
        <translation>Rejected</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="186"/>
        <source>已撤回</source>
        <translation>Withdrawn</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="187"/>
        <source>电话催办</source>
        <translation>Phone chase</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="188"/>
        <source>暗访督办</source>
        <translation>Unannounced visit</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="189"/>
        <source>督办函</source>
        <translation>Letter</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="190"/>
        <source>会议督办</source>
        <translation>Meeting</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="191"/>
        <source>热点难点问题</source>
        <translation>Hot or difficult matter</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="192"/>
        <source>重办后仍不满意</source>
        <translation>Unsatisfied after redo</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="193"/>
        <source>政府交办</source>
        <translation>Assigned by the government</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="194"/>
        <source>媒体曝光</source>
        <translation>Media exposure</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="195"/>
        <source>社会影响严重</source>
        <translation>Severe social impact</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="196"/>
        <source>法规规定的其他情形</source>
        <translation>Other case by law</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="197"/>
        <source>与录音不符</source>
        <translation>Differs from the recording</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="198"/>
        <source>回访人员诱导</source>
        <translation>Visitor led the caller</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="199"/>
        <source>正常办理时限内</source>
        <translation>Within the normal time limit</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="200"/>
        <source>回访时提出新诉求</source>
        <translation>New demands at the visit</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="201"/>
        <source>虚假、政策性或恶意诉求</source>
        <translation>False, policy or malicious request</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="202"/>
        <source>是</source>
        <translation>Yes</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="203"/>
        <source>否</source>
        <translation>No</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="204"/>
        <source>理由</source>
        <translation>reason</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="205"/>
        <source>审核</source>
        <translation>review</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="206"/>
        <source>审核意见</source>
        <translation>review note</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="207"/>
        <source>延期工作日</source>
        <translation>working days</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="208"/>
        <source>新期限</source>
        <translation>new deadline</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="209"/>
        <source>办理单位</source>
        <translation>handled by</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="210"/>
        <source>办理过程</source>
        <translation>process</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="211"/>
        <source>办理结果</source>
        <translation>result</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="212"/>
        <source>办理结果类型</source>
        <translation>outcome</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="213"/>
        <source>协调结果</source>
        <translation>decision</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="214"/>
        <source>关键词</source>
        <translation>keywords</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="215"/>
        <source>依据</source>
        <translation>basis</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="216"/>
        <source>方式</source>
        <translation>channel</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="217"/>
        <source>评价</source>
        <translation>rating</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="218"/>
        <source>视为评价</source>
        <translation>deemed</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="219"/>
        <source>说明</source>
        <translation>note</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="220"/>
        <source>申诉理由</source>
        <translation>appeal reason</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="221"/>
        <source>证据</source>
        <translation>evidence</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="222"/>
        <source>督办情形</source>
        <translation>trigger</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="223"/>
        <source>督办方式</source>
        <translation>means</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="224"/>
        <source>期限</source>
        <translation>deadline</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="225"/>
        <source>结果</source>
        <translation>outcome</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="226"/>
        <source>类型</source>
        <translation>kind</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="227"/>
        <source>时间</source>
        <translation>time</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="228"/>
        <source>受理渠道</source>
        <translation>Channel</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="229"/>
        <source>受理时间</source>
        <translation>Taken at</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="230"/>
        <source>法定办理时限(工作日)</source>
        <translation>Legal limit (working days)</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="231"/>
        <source>签收单位</source>
        <translation>Signed by unit</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="232"/>
        <source>退回申请</source>
        <translation>Return request</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="233"/>
        <source>延期申请</source>
        <translation>Extension request</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="234"/>
        <source>回访记录</source>
        <translation>Revisit</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="235"/>
        <source>申诉</source>
        <translation>Appeal</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="236"/>
        <source>不计入满意度</source>
        <translation>Excluded from rating</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="237"/>
        <source>重办次数</source>
        <translation>Redo count</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="238"/>
        <source>协调</source>
        <translation>Coordination</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="239"/>
        <source>申诉期限</source>
        <translation>Appeal deadline</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="240"/>
        <source>工单号</source>
        <translation>Order number</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="241"/>
        <source>姓名</source>
        <translation>name</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="242"/>
        <source>证件号</source>
        <translation>ID number</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="243"/>
        <source>邮箱</source>
        <translation>email</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="244"/>
        <source>匿名</source>
        <translation>Anonymous</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="245"/>
        <source>转协调处理</source>
        <translation>Referred to coordination</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="246"/>
        <source>审核前已办结</source>
        <translation>Completed before review</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="247"/>
        <source>72小时内未评价,视为基本满意</source>
        <translation>No rating within 72 hours: deemed basically satisfied</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="248"/>
        <source>,</source>
        <translation>, </translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="250"/>
        <source>自动回访未接通</source>
        <translation>Automated revisit not answered</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="251"/>
        <source>紧急</source>
        <translation>Urgent</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="252"/>
        <source>第%1条</source>
        <translation>Art. %1</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="254"/>
        <source>%1:%2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="255"/>
        <source>(%1)</source>
        <translation> (%1)</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="256"/>
        <source>【%1】</source>
        <translation>[%1] </translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="257"/>
        <source>、</source>
        <translation>, </translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="310"/>
        <source>不属于本市行政职权管辖</source>
        <translation>Outside the city&apos;s administrative remit</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="311"/>
        <source>应由110、119、120、122等紧急专线处理</source>
        <translation>For the emergency lines (110, 119, 120, 122)</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="312"/>
        <source>涉及国家机密、商业秘密、个人隐私</source>
        <translation>State or business secrets, personal privacy</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="313"/>
        <source>违法、违背公序良俗、骚扰或无实质诉求</source>
        <translation>Unlawful, abusive, harassing or no real request</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="314"/>
        <source>应通过诉讼、仲裁、复议、信访等途径办理</source>
        <translation>For courts, arbitration, review or petitions</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="315"/>
        <source>正在办理或已办结且无新情况、新理由</source>
        <translation>Being handled or done, nothing new</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="316"/>
        <source>属人大、政协、纪检监察、法院、检察院等职责</source>
        <translation>For the congress, courts, procuratorate, discipline bodies</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="317"/>
        <source>其他法律、法规规定不予受理</source>
        <translation>Not accepted by other laws or regulations</translation>
    </message>
</context>
<context>
    <name>FieldRow</name>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="130"/>
        <source>新建议</source>
        <translation>New suggestion</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="130"/>
        <source>建议</source>
        <translation>Suggestion</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="133"/>
        <source>采纳 %1:%2</source>
        <translation>Accept %1: %2</translation>
    </message>
</context>
<context>
    <name>HistoryModel</name>
    <message>
        <location filename="../../../ui/widgets/history.py" line="46"/>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/history.py" line="46"/>
        <source>环节</source>
        <translation>Step</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/history.py" line="47"/>
        <source>处理人</source>
        <translation>By</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/history.py" line="47"/>
        <source>说明</source>
        <translation>Note</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/history.py" line="48"/>
        <source>处理后状态</source>
        <translation>State after</translation>
    </message>
</context>
<context>
    <name>HistoryPanel</name>
    <message>
        <location filename="../../../ui/widgets/history.py" line="173"/>
        <location filename="../../../ui/widgets/history.py" line="232"/>
        <source>工作流转单</source>
        <translation>Order history</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/history.py" line="188"/>
        <source>流转记录不可用</source>
        <translation>Order history not available</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/history.py" line="196"/>
        <source>正在读取 %1 的流转记录…</source>
        <translation>Reading the history of %1…</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/history.py" line="201"/>
        <location filename="../../../ui/widgets/history.py" line="219"/>
        <source>读取流转记录失败</source>
        <translation>The order history could not be read</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/history.py" line="233"/>
        <source>本席未找到工单 %1</source>
        <translation>Order %1 is not on this seat</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/history.py" line="240"/>
        <source>工作流转单 %1 · %2</source>
        <translation>Order history %1 · %2</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/history.py" line="242"/>
        <source>诉求人</source>
        <translation>caller</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/history.py" line="244"/>
        <source>匿名</source>
        <translation>anonymous</translation>
    </message>
    <message numerus="yes">
        <location filename="../../../ui/widgets/history.py" line="248"/>
        <source>共 %n 个环节</source>
        <translation>
            <numerusform>%n step</numerusform>
            <numerusform>%n steps</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>KnowledgePanel</name>
    <message>
        <location filename="../../../ui/widgets/knowledge.py" line="75"/>
        <source>搜索知识库(输入关键词)</source>
        <translation>Search the knowledge base (type keywords)</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/knowledge.py" line="86"/>
        <source>输入关键词即可搜索(离线);↑↓ 选择条目,Enter 插入答复</source>
        <translation>Type to search (offline); ↑↓ to choose, Enter to insert the answer</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/knowledge.py" line="87"/>
        <source>插入答复</source>
        <translation>Insert answer</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/knowledge.py" line="89"/>
        <source>把所选条目的答复内容填入工单的答复栏(Enter)</source>
        <translation>Put the selected entry&apos;s answer into the order&apos;s answer (Enter)</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/knowledge.py" line="158"/>
        <source>知识库未就绪</source>
        <translation>Knowledge base not ready</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/knowledge.py" line="160"/>
        <source>检索中…</source>
        <translation>Searching…</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/knowledge.py" line="165"/>
        <location filename="../../../ui/widgets/knowledge.py" line="186"/>
        <source>知识库检索失败</source>
        <translation>Knowledge search failed</translation>
    </message>
    <message numerus="yes">
        <location filename="../../../ui/widgets/knowledge.py" line="190"/>
        <source>找到 %n 条</source>
        <translation>
            <numerusform>%n hit</numerusform>
            <numerusform>%n hits</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/knowledge.py" line="192"/>
        <source>未找到“%1”的相关条目</source>
        <translation>Nothing found for “%1”</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../../ui/main_window.py" line="48"/>
        <source>热线坐席桌面 — 坐席 %1</source>
        <translation>Hotline agent desktop — seat %1</translation>
    </message>
    <message>
        <location filename="../../../ui/main_window.py" line="83"/>
        <source>实时转写</source>
        <translation>Live transcript</translation>
    </message>
</context>
<context>
    <name>NumberPicker</name>
    <message>
        <location filename="../../../ui/widgets/number_picker.py" line="24"/>
        <source>输入单位名称或号码筛选</source>
        <translation>Type a unit&apos;s name or number to filter</translation>
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
        <location filename="../../../ui/widgets/number_picker.py" line="49"/>
        <source>三方通话:选择承办单位</source>
        <translation>Three-way call: pick the responsible unit</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/number_picker.py" line="49"/>
        <source>转接:选择号码</source>
        <translation>Transfer: pick a number</translation>
    </message>
</context>
<context>
    <name>OrderForm</name>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="146"/>
        <location filename="../../../ui/widgets/order_form.py" line="445"/>
        <source>工单</source>
        <translation>Work order</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="203"/>
        <source>多个单位用顿号或逗号分隔</source>
        <translation>Separate several units with commas</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="204"/>
        <source>协办单位</source>
        <translation>Co-units</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="208"/>
        <source>紧急  %1</source>
        <translation>Urgent  %1</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="217"/>
        <source>采纳全部建议  %1</source>
        <translation>Accept all suggestions  %1</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="219"/>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="220"/>
        <source>派单</source>
        <translation>Dispatch</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="222"/>
        <source>承诺回复</source>
        <translation>Promise reply</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="223"/>
        <source>征得诉求人同意,1个工作日内答复(第十六条第一项)</source>
        <translation>With the caller&apos;s consent, reply within 1 working day (Art. 16(1))</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="224"/>
        <source>放弃</source>
        <translation>Discard</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="228"/>
        <source>不予受理理由(第十三条)…</source>
        <translation>Reason for not accepting (Art. 13)…</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="237"/>
        <source>不予受理</source>
        <translation>Not accepted</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="242"/>
        <source>直接答复的内容(可从知识库插入)</source>
        <translation>The direct answer (insert from the knowledge base)</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="246"/>
        <source>直接答复</source>
        <translation>Reply directly</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="340"/>
        <source>不予受理须先选择第十三条规定的理由</source>
        <translation>Not accepting needs one of the reasons of Art. 13 first</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="384"/>
        <source>向诉求人宣读:</source>
        <translation>Read to the caller:</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="407"/>
        <source>(依据 %1)</source>
        <translation> (basis: %1)</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="446"/>
        <source>无进行中的通话</source>
        <translation>No call in progress</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="448"/>
        <source>工单 %1</source>
        <translation>Order %1</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="451"/>
        <source>草稿 · 自动保存</source>
        <translation>Draft · autosaved</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="459"/>
        <source> · 中心退回:%1</source>
        <translation> · rejected by the centre: %1</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="464"/>
        <source> · 中心已确认</source>
        <translation> · acknowledged by the center</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/order_form.py" line="466"/>
        <source> · 等待中心确认</source>
        <translation> · waiting for the center</translation>
    </message>
</context>
<context>
    <name>Panels</name>
    <message>
        <location filename="../../../ui/domain_text.py" line="303"/>
        <source>知识库</source>
        <translation>Knowledge base</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="304"/>
        <source>我的任务</source>
        <translation>My tasks</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="305"/>
        <source>工作流转单</source>
        <translation>Order history</translation>
    </message>
    <message>
        <location filename="../../../ui/panels.py" line="44"/>
        <source>此面板尚未安装</source>
        <translation>This panel is not installed</translation>
    </message>
</context>
<context>
    <name>Refusal</name>
    <message>
        <location filename="../../../ui/refusals.py" line="78"/>
        <source>工单当前为“%1”,不能%2</source>
        <translation>The order is “%1”: “%2” is not possible</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="79"/>
        <source>工单的状态已经改变,不能执行这一步</source>
        <translation>The order&apos;s state has changed: this step is not possible</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="85"/>
        <source>通话处于“%1”,不能%2</source>
        <translation>The call is “%1”: “%2” is not possible</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="87"/>
        <source>当前通话不能%1</source>
        <translation>“%1” is not possible on this call now</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="88"/>
        <source>当前通话不能执行这一操作</source>
        <translation>This call action is not possible now</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="94"/>
        <source>坐席处于“%1”,不能%2</source>
        <translation>The seat is “%1”: “%2” is not possible</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="95"/>
        <source>坐席当前状态不能执行这一操作</source>
        <translation>This seat action is not possible in the seat&apos;s state</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="101"/>
        <source>工单为“%1”,不能%2</source>
        <translation>The order is “%1”: “%2” is not possible</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="102"/>
        <source>工单当前不能执行这一步</source>
        <translation>This step is not possible for the order now</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="108"/>
        <source>与交换机(AMI)的连接已断开,暂不能%1</source>
        <translation>The connection to the PBX (AMI) is down: “%1” is not possible now</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="109"/>
        <source>与交换机(AMI)的连接已断开,通话操作暂不可用</source>
        <translation>The connection to the PBX (AMI) is down: call actions are not available</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="115"/>
        <source>请先填写诉求类型,再%1</source>
        <translation>Set the category before “%1”</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="116"/>
        <source>请先填写诉求类型</source>
        <translation>Set the category first</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="122"/>
        <source>本坐席的角色无权%1</source>
        <translation>This seat&apos;s role may not “%1”</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="123"/>
        <source>本坐席的角色无权执行这一步</source>
        <translation>This seat&apos;s role may not take this step</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="129"/>
        <source>只有主办单位可以%1</source>
        <translation>Only the lead unit may “%1”</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="130"/>
        <source>只有主办单位可以执行这一步</source>
        <translation>Only the lead unit may take this step</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="136"/>
        <source>工单已是“%1”,表单不能再修改</source>
        <translation>The order is already “%1”: its form can no longer be changed</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="137"/>
        <source>工单已保存并流转,表单不能再修改</source>
        <translation>The order is saved and on its way: its form can no longer be changed</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="143"/>
        <source>“%1”没有可采纳的建议</source>
        <translation>“%1” has no suggestion to accept</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="144"/>
        <source>这一栏没有可采纳的建议</source>
        <translation>This field has no suggestion to accept</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="165"/>
        <source>诉求类型“%1”不在规定的类型中,请从列表中选择</source>
        <translation>“%1” is not one of the categories: pick one from the list</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="166"/>
        <source>诉求类型不在规定的类型中,请从列表中选择</source>
        <translation>The category is not one of the categories: pick one from the list</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="167"/>
        <source>派单前须填写诉求内容</source>
        <translation>Describe the matter before dispatching it</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="168"/>
        <source>派单须选定主办单位</source>
        <translation>Dispatching needs a lead unit</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="169"/>
        <source>“%1”不能同时是主办单位和协办单位</source>
        <translation>“%1” cannot be both lead unit and co-unit</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="170"/>
        <source>主办单位不能同时是协办单位</source>
        <translation>The lead unit cannot also be a co-unit</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="171"/>
        <source>不予受理须选择第十三条规定的一项理由,并向诉求人告知依据</source>
        <translation>Not accepting needs one of the reasons of Art. 13, and its basis is read to the caller</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="173"/>
        <source>不予受理理由“%1”无效,请从第十三条的八项理由中选择</source>
        <translation>“%1” is not a reason for not accepting: pick one of the eight reasons of Art. 13</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="175"/>
        <source>不予受理理由无效,请从第十三条的八项理由中选择</source>
        <translation>Not a reason for not accepting: pick one of the eight reasons of Art. 13</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="176"/>
        <source>直接答复须填写答复诉求人的内容</source>
        <translation>Replying directly needs the answer given to the caller</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="177"/>
        <source>承诺稍后答复须经诉求人同意,否则请派单</source>
        <translation>A later reply needs the caller&apos;s consent; otherwise dispatch the matter</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="178"/>
        <source>紧急诉求须立即派单,不能承诺稍后答复</source>
        <translation>An emergency is dispatched at once, not answered later</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="179"/>
        <source>紧急程度“%1”无效,应为一般或紧急</source>
        <translation>“%1” is not an urgency: normal or emergency</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="180"/>
        <source>紧急程度无效,应为一般或紧急</source>
        <translation>Not an urgency: normal or emergency</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="184"/>
        <source>保密诉求人的个人信息须加密后才能保存</source>
        <translation>A confidential caller&apos;s personal data must be sealed before it is saved</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="187"/>
        <source>通话尚未结束,结束后才能放弃草稿</source>
        <translation>The call is still going: the draft can be discarded after it ends</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="194"/>
        <source>通话中不能回拨,请先结束当前通话</source>
        <translation>No callback during a call: end the call first</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="195"/>
        <source>请先选择或输入要拨打的号码</source>
        <translation>Pick or type the number to ring first</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="196"/>
        <source>小休须选择原因</source>
        <translation>A pause needs its reason</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="197"/>
        <source>请先选定一张工单</source>
        <translation>Select an order first</translation>
    </message>
    <message>
        <source>回拨须选定一张工单</source>
        <translation type="vanished">A callback needs the order whose caller it rings</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="198"/>
        <source>该工单没有可回拨的号码</source>
        <translation>This order has no number to call back</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="199"/>
        <source>通话中不能播放录音,请先结束当前通话</source>
        <translation>No playback during a call; end the call first</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="201"/>
        <source>交换机未能签入队列,请稍后重试或联系班长</source>
        <translation>The PBX could not log the seat into the queue; try again or call the team leader</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="202"/>
        <source>交换机未能签出队列,请稍后重试</source>
        <translation>The PBX could not log the seat out of the queue; try again</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="203"/>
        <source>交换机未能切换小休或就绪状态,请稍后重试</source>
        <translation>The PBX could not switch the seat between pause and ready; try again</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="204"/>
        <source>挂断失败:通话可能已经结束</source>
        <translation>Hang-up failed: the call may have ended already</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="205"/>
        <source>保持或恢复通话失败,请在话机上操作或稍后重试</source>
        <translation>Hold or resume failed; use the phone or try again</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="206"/>
        <source>转接失败,通话仍在本坐席</source>
        <translation>Transfer failed; the call is still at this seat</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="207"/>
        <source>三方通话未能建立,通话仍在本坐席</source>
        <translation>The three-way call could not be set up; the call is still at this seat</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="208"/>
        <source>承办单位未接通,诉求人仍与本坐席通话,可稍后再邀请</source>
        <translation>The unit did not answer; the caller is still with this seat, invite it again later</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="210"/>
        <source>回拨未能发起,请稍后重试</source>
        <translation>The callback could not be placed; try again</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="211"/>
        <source>通话录音未能开始,请报告班长</source>
        <translation>The call recording did not start; tell the team leader</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="212"/>
        <source>回访录音未能播放到本机</source>
        <translation>The survey recording could not be played to this phone</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="213"/>
        <source>本机话机未接听,回访录音没有播放</source>
        <translation>This seat&apos;s phone did not answer; the survey recording was not played</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="214"/>
        <source>回访录音的文件名无效,不能播放</source>
        <translation>The survey recording&apos;s file name is not valid; it cannot be played</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="215"/>
        <source>该工单没有自动回访的录音</source>
        <translation>This order has no recording of an automated survey call</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="216"/>
        <source>号码格式不正确,请检查后重拨</source>
        <translation>The number is not valid; check it and dial again</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="217"/>
        <source>找不到通话的线路,通话可能已经结束</source>
        <translation>The call&apos;s line was not found; the call may have ended</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="218"/>
        <source>这通电话已经结束</source>
        <translation>This call has ended</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="219"/>
        <source>本坐席没有这张工单</source>
        <translation>This seat does not hold that order</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="220"/>
        <source>本机未配置坐席话机,不能进行通话操作</source>
        <translation>No seat phone is configured on this desktop; call actions are not available</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="221"/>
        <source>本机未配置工单存储,不能保存</source>
        <translation>No order store is configured on this desktop; nothing can be saved</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="223"/>
        <source>交换机没有及时响应,操作结果未知,请查看话机后再试</source>
        <translation>The PBX did not answer in time; the outcome is unknown, check the phone before trying again</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="224"/>
        <source>交换机拒绝了这一操作</source>
        <translation>The PBX refused this action</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="226"/>
        <source>更改回访评价须写明人工回访核实的原因</source>
        <translation>Changing the rating needs the reason the manual survey found</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="227"/>
        <source>请记录人工回访时诉求人所述的情况</source>
        <translation>Record what the caller said in the manual survey</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="228"/>
        <source>评价应为满意、基本满意或不满意</source>
        <translation>The rating is satisfied, basically satisfied or unsatisfied</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="230"/>
        <source>中心没有这张工单</source>
        <translation>The centre has no such order</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="231"/>
        <source>中心已有同一编号的工单</source>
        <translation>The centre already has an order with this number</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="232"/>
        <source>这张工单不属于本坐席</source>
        <translation>This order is not this seat&apos;s</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="233"/>
        <source>中心无法执行这一步:内容不完整或格式有误</source>
        <translation>The centre cannot take this step: it is incomplete or malformed</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="234"/>
        <source>保密诉求人的个人信息未加密,中心拒收</source>
        <translation>A confidential caller&apos;s personal data was not sealed: the centre refused it</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="235"/>
        <source>保密诉求人的个人信息无法解密,中心拒收</source>
        <translation>A confidential caller&apos;s personal data could not be opened: the centre refused it</translation>
    </message>
    <message>
        <location filename="../../../ui/refusals.py" line="257"/>
        <source>(期限 %1)</source>
        <translation> (deadline %1)</translation>
    </message>
</context>
<context>
    <name>SeatStatusBar</name>
    <message>
        <location filename="../../../ui/widgets/status_bar.py" line="46"/>
        <source>坐席 %1 · 话机 %2</source>
        <translation>Seat %1 · phone %2</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/status_bar.py" line="57"/>
        <location filename="../../../ui/widgets/status_bar.py" line="103"/>
        <source>签入</source>
        <translation>Log in</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/status_bar.py" line="62"/>
        <source>小休原因</source>
        <translation>Pause reason</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/status_bar.py" line="63"/>
        <source>小休</source>
        <translation>Pause</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/status_bar.py" line="64"/>
        <source>就绪</source>
        <translation>Ready</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/status_bar.py" line="103"/>
        <source>签出</source>
        <translation>Log out</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/status_bar.py" line="133"/>
        <source>话后处理 剩余 %1 秒</source>
        <translation>After-call work: %1 s left</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/status_bar.py" line="146"/>
        <source>AMI 断开 · 通话控制不可用</source>
        <translation>AMI down · call control unavailable</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/status_bar.py" line="148"/>
        <source>AMI 已连接</source>
        <translation>AMI connected</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/status_bar.py" line="150"/>
        <source>中心</source>
        <translation>Center</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/status_bar.py" line="152"/>
        <source> · 待上传 %1</source>
        <translation> · %1 waiting</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/status_bar.py" line="154"/>
        <source>语音</source>
        <translation>Speech</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/status_bar.py" line="158"/>
        <source>(韩语测试模型,非中文识别)</source>
        <translation> (Korean test model, not Chinese recognition)</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/status_bar.py" line="162"/>
        <source> · %1 路</source>
        <translation> · %1 streams</translation>
    </message>
</context>
<context>
    <name>ShortcutSheet</name>
    <message>
        <location filename="../../../ui/widgets/shortcuts.py" line="121"/>
        <source>快捷键</source>
        <translation>Shortcuts</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/shortcuts.py" line="128"/>
        <source>类别</source>
        <translation>Group</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/shortcuts.py" line="128"/>
        <source>按键</source>
        <translation>Key</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/shortcuts.py" line="128"/>
        <source>操作</source>
        <translation>Action</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/shortcuts.py" line="136"/>
        <source>关闭 (Esc)</source>
        <translation>Close (Esc)</translation>
    </message>
</context>
<context>
    <name>Shortcuts</name>
    <message>
        <location filename="../../../ui/domain_text.py" line="263"/>
        <source>通话</source>
        <translation>Call</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="264"/>
        <source>坐席</source>
        <translation>Seat</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="265"/>
        <source>工单</source>
        <translation>Work order</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="266"/>
        <source>导航</source>
        <translation>Navigation</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="267"/>
        <source>待办</source>
        <translation>Tasks</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="269"/>
        <source>显示全部快捷键</source>
        <translation>Show all shortcuts</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="270"/>
        <source>保持 / 恢复</source>
        <translation>Hold / resume</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="271"/>
        <source>转接(盲转)</source>
        <translation>Transfer (blind)</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="272"/>
        <source>三方通话(选择承办单位)</source>
        <translation>Three-way call (pick the unit)</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="273"/>
        <source>退出三方</source>
        <translation>Leave conference</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="274"/>
        <source>挂断</source>
        <translation>Hang up</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="275"/>
        <source>回拨本单诉求人</source>
        <translation>Call this order&apos;s caller back</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="276"/>
        <source>签入 / 签出</source>
        <translation>Log in / out</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="277"/>
        <source>小休(按所选原因)</source>
        <translation>Pause (the chosen reason)</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="278"/>
        <source>就绪(结束小休或话后处理)</source>
        <translation>Ready (end the pause or after-call work)</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="279"/>
        <source>采纳当前字段的建议</source>
        <translation>Accept the focused field&apos;s suggestion</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="280"/>
        <source>采纳全部建议(不覆盖已填写的字段)</source>
        <translation>Accept all suggestions (never over a filled field)</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="281"/>
        <source>保存工单(受理中)</source>
        <translation>Save the order (intake)</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="282"/>
        <source>派单(主办单位与协办单位)</source>
        <translation>Dispatch (lead unit and co-units)</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="283"/>
        <source>不予受理(须选择第十三条理由)</source>
        <translation>Not accept (a reason of Art. 13 is required)</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="284"/>
        <source>直接答复(知识库答案)</source>
        <translation>Reply directly (knowledge-base answer)</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="285"/>
        <source>承诺1个工作日内回复</source>
        <translation>Promise a reply within 1 working day</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="286"/>
        <source>紧急标记</source>
        <translation>Urgent flag</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="287"/>
        <source>诉求人要求保密(匿名)</source>
        <translation>Caller asks for confidentiality (anonymous)</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="288"/>
        <source>放弃草稿(通话结束后)</source>
        <translation>Discard the draft (after the call)</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="289"/>
        <source>转到工单第一栏</source>
        <translation>Go to the form&apos;s first field</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="290"/>
        <source>转到知识库搜索</source>
        <translation>Go to the knowledge-base search</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="291"/>
        <source>转到我的任务</source>
        <translation>Go to my tasks</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="292"/>
        <source>人工回访:转到结果 / 记录评价与情况</source>
        <translation>Manual survey: go to the result / record rating and notes</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="293"/>
        <source>人工回访:本机播放自动回访录音</source>
        <translation>Manual survey: play the automated call&apos;s recording on this phone</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="295"/>
        <source>我的任务列表</source>
        <translation>task list</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="296"/>
        <source>回访情况栏</source>
        <translation>revisit note</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="297"/>
        <source>查看所选工单的工作流转单</source>
        <translation>Open the selected order's history</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="298"/>
        <source>回拨所选待办的诉求人(在列表中代替“采纳建议”)</source>
        <translation>Call the selected task's caller back (here instead of “accept suggestion”)</translation>
    </message>
    <message>
        <location filename="../../../ui/domain_text.py" line="299"/>
        <source>记录回访结果</source>
        <translation>Record the revisit's result</translation>
    </message>
</context>
<context>
    <name>TasksModel</name>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="88"/>
        <source>承诺答复</source>
        <translation>Reply promised</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="89"/>
        <source>回拨</source>
        <translation>Call back</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="90"/>
        <source>人工回访</source>
        <translation>Manual revisit</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="91"/>
        <source>中心驳回</source>
        <translation>Rejected by the centre</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="92"/>
        <source>中心预警</source>
        <translation>Centre warning</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="94"/>
        <source>类型</source>
        <translation>Kind</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="94"/>
        <source>工单号</source>
        <translation>Order</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="95"/>
        <location filename="../../../ui/widgets/tasks.py" line="102"/>
        <source>诉求人</source>
        <translation>Caller</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="95"/>
        <source>事项</source>
        <translation>Matter</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="96"/>
        <location filename="../../../ui/widgets/tasks.py" line="103"/>
        <source>期限</source>
        <translation>Deadline</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="96"/>
        <source>剩余</source>
        <translation>Left</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="97"/>
        <source>说明</source>
        <translation>Note</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="98"/>
        <source>无期限</source>
        <translation>No deadline</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="99"/>
        <source>已超期</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="100"/>
        <source>今天到期</source>
        <translation>Due today</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="101"/>
        <source>紧急</source>
        <translation>Urgent</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="104"/>
        <source>回访评价:%1</source>
        <translation>Revisit rating: %1</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="105"/>
        <source>预警</source>
        <translation>Warning</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="106"/>
        <source>回访录音</source>
        <translation>Survey recording</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="107"/>
        <source>工单</source>
        <translation>Orders</translation>
    </message>
    <message numerus="yes">
        <location filename="../../../ui/widgets/tasks.py" line="194"/>
        <source> 等 %n 单</source>
        <translation>
            <numerusform> (%n order)</numerusform>
            <numerusform> (%n orders)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../../ui/widgets/tasks.py" line="204"/>
        <source>超期 %n 个工作日</source>
        <translation>
            <numerusform>%n working day overdue</numerusform>
            <numerusform>%n working days overdue</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../../ui/widgets/tasks.py" line="207"/>
        <source>剩 %n 个工作日</source>
        <translation>
            <numerusform>%n working day left</numerusform>
            <numerusform>%n working days left</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>TasksPanel</name>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="305"/>
        <source>回拨</source>
        <translation>Call back</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="307"/>
        <source>回拨所选待办的诉求人(Ctrl+Enter)</source>
        <translation>Call the selected task&apos;s caller back (Ctrl+Enter)</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="308"/>
        <source>流转记录</source>
        <translation>History</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="310"/>
        <source>查看所选工单的工作流转单(Enter)</source>
        <translation>Show the selected order&apos;s history (Enter)</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="350"/>
        <source>人工回访结果</source>
        <translation>Manual survey result</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="358"/>
        <source>诉求人所述(评价有变时写明原因)</source>
        <translation>What the caller said (the reason, if the rating changes)</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="359"/>
        <source>记录回访结果</source>
        <translation>Record result</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="361"/>
        <source>记录所选人工回访的评价与情况(Ctrl+H)</source>
        <translation>Record the rating and notes of the selected manual survey (Ctrl+H)</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="362"/>
        <source>播放回访录音</source>
        <translation>Play survey recording</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="364"/>
        <source>本机振铃后播放自动回访的录音(Ctrl+L)</source>
        <translation>Ring this seat&apos;s phone and play the automated survey call&apos;s recording (Ctrl+L)</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/tasks.py" line="432"/>
        <location filename="../../../ui/widgets/tasks.py" line="454"/>
        <source>待办读取失败</source>
        <translation>Tasks could not be read</translation>
    </message>
    <message numerus="yes">
        <location filename="../../../ui/widgets/tasks.py" line="518"/>
        <source>共 %n 项待办</source>
        <translation>
            <numerusform>%n task</numerusform>
            <numerusform>%n tasks</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../../ui/widgets/tasks.py" line="520"/>
        <source>%n 项即将到期</source>
        <translation>
            <numerusform>%n due soon</numerusform>
            <numerusform>%n due soon</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../../ui/widgets/tasks.py" line="522"/>
        <source>%n 项已超期</source>
        <translation>
            <numerusform>%n overdue</numerusform>
            <numerusform>%n overdue</numerusform>
        </translation>
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
    <name>WarningsIndicator</name>
    <message>
        <location filename="../../../ui/widgets/warnings.py" line="73"/>
        <source>中心的预警(第33条),点击查看</source>
        <translation>The centre&apos;s warnings (Art. 33); click to see them</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/warnings.py" line="87"/>
        <source>预警 %1</source>
        <translation>Warnings %1</translation>
    </message>
</context>
<context>
    <name>WarningsList</name>
    <message>
        <location filename="../../../ui/widgets/warnings.py" line="33"/>
        <source>中心预警(第33条)</source>
        <translation>Centre warnings (Art. 33)</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/warnings.py" line="50"/>
        <source>工单 %1</source>
        <translation>Order %1</translation>
    </message>
    <message>
        <location filename="../../../ui/widgets/warnings.py" line="52"/>
        <source>期限 %1</source>
        <translation>due %1</translation>
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
</TS>
