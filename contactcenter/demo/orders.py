"""The demo's calls and work orders, one story per order, each step through its typed service with the actor the
step needs (the agent dispatches, the crew arrives, the lead cancels …)."""

import datetime as dt

from django.db.models import DateTimeField
from django.utils import timezone

from tickets.models import Call, Callback, Customer, Department, Kind, User, WorkOrder, WorkOrderTransition
from tickets.services import (
    call_log,
    work_order_archive,
    work_order_arrive,
    work_order_callback,
    work_order_cancel,
    work_order_create,
    work_order_dispatch,
    work_order_escalate,
    work_order_forward,
    work_order_inform,
    work_order_investigate,
    work_order_reply,
    work_order_restore,
    work_order_return,
    work_order_urge,
)

GOOD_CALLBACK = {"reached": True, "satisfied": True, "attitude": "good", "quality": "good"}


class DemoOrders:
    """Calls and work orders, made only through the services."""

    def __init__(self, *, users: dict[str, User], departments: dict[str, Department],
                 customers: dict[str, Customer]) -> None:
        self.u, self.d, self.c = users, departments, customers
        self.now = timezone.now()

    # --- helpers -----------------------------------------------------------------------------------

    def call(self, customer: Customer, agent: User | None, *, minutes_ago: float, ring: int, answered: bool = True,
             talk_minutes: float = 4) -> Call:
        start = self.now - dt.timedelta(minutes=minutes_ago)
        answered_at = start + dt.timedelta(seconds=ring) if answered else None
        ended_at = answered_at + dt.timedelta(minutes=talk_minutes) if answered else start + dt.timedelta(seconds=ring)
        if ended_at > self.now:
            ended_at = None  # still talking
        return call_log(caller_number=customer.phone, ring_started_at=start, answered_at=answered_at,
                        ended_at=ended_at, agent=agent if answered else None,
                        logged_by=self.u["telephony"],  # calls reach the system from the switch
                        customer=customer)

    def create(self, kind: str, account: str, agent: str, description: str, *, title: str = "",
               call: Call | None = None, answer: str = "") -> WorkOrder:
        customer = self.c[account]
        return work_order_create(kind=kind, description=description, title=title, caller_number=customer.phone,
                                 customer=customer, call=call, actor=self.u[agent], answer=answer)

    def dispatch(self, order: WorkOrder, by: str, department: str, handler: str) -> WorkOrder:
        return work_order_dispatch(order=order, actor=self.u[by], department=self.d[department],
                                   handler=self.u[handler])

    def callback_and_archive(self, order: WorkOrder, agent: str) -> WorkOrder:
        order = work_order_callback(order=order, actor=self.u[agent], **GOOD_CALLBACK)
        return work_order_archive(order=order, actor=self.u[agent])

    def age(self, order: WorkOrder, delta: dt.timedelta) -> WorkOrder:
        """Demo data only: move an order's timestamps (facts and deadlines alike), its history, its
        callbacks and its call back by ``delta``, so its deadlines have passed. ``state`` is untouched."""
        columns = [f.attname for f in WorkOrder._meta.concrete_fields
                   if isinstance(f, DateTimeField) and f.attname != "updated_at"]
        row = WorkOrder.objects.filter(pk=order.pk).values(*columns).get()
        WorkOrder.objects.filter(pk=order.pk).update(
            **{column: value - delta for column, value in row.items() if value is not None})
        for history in WorkOrderTransition.objects.filter(order=order):
            WorkOrderTransition.objects.filter(pk=history.pk).update(at=history.at - delta)
        for callback in Callback.objects.filter(order=order):
            Callback.objects.filter(pk=callback.pk).update(made_at=callback.made_at - delta)
        if order.call_id:
            call = Call.objects.get(pk=order.call_id)
            Call.objects.filter(pk=call.pk).update(
                ring_started_at=call.ring_started_at - delta,
                answered_at=call.answered_at and call.answered_at - delta,
                ended_at=call.ended_at and call.ended_at - delta,
            )
        fresh = WorkOrder.objects.get(pk=order.pk)  # the number carries the acceptance date
        WorkOrder.objects.filter(pk=order.pk).update(number=fresh.assign_number())
        return WorkOrder.objects.get(pk=order.pk)

    # --- the demo ------------------------------------------------------------------------------------

    def build(self) -> None:
        self.repairs()
        self.consultations()
        self.complaints()
        self.reports_and_suggestions()
        self.other_calls()

    def repairs(self) -> None:
        u = self.u
        # Dispatched and overdue: the crew should have been on site 75 minutes ago; the customer urges.
        first_call = self.call(self.c["DEMO0001"], u["agent1"], minutes_ago=3, ring=6)
        late = self.create(Kind.REPAIR, "DEMO0001", "agent1", "家中全部停电，邻居家有电，总闸无法合上。",
                           title="单户停电", call=first_call)
        late = self.dispatch(late, "agent1", "repair-1", "repair1")
        late = self.age(late, dt.timedelta(hours=2))
        urge_call = self.call(self.c["DEMO0001"], u["agent2"], minutes_ago=1, ring=5, talk_minutes=1)
        work_order_urge(order=late, actor=u["agent2"], note="客户再次来电催促抢修人员到场。", call=urge_call)

        # Duplicate of the order above, cancelled by the shift lead.
        duplicate = self.create(Kind.REPAIR, "DEMO0001", "agent2", "客户家中停电，请尽快派人处理。", title="单户停电")
        work_order_cancel(order=duplicate, actor=u["lead1"], reason=f"重复工单：同一故障已由 {late.number} 受理。")

        # Accepted, not yet dispatched.
        self.create(Kind.REPAIR, "DEMO0003", "agent2", "村里变压器有异响，并伴有焦糊味。", title="变压器异响")

        # Arrived (county crew, rural customer).
        arrived = self.create(Kind.REPAIR, "DEMO0007", "agent2", "门口电线杆上的电线被大风刮断，垂到地面。",
                              title="线路断线")
        arrived = self.dispatch(arrived, "agent2", "repair-2", "repair2")
        work_order_arrive(order=arrived, actor=u["repair2"])

        # Restored, waiting for the (sampled) callback.
        restored = self.create(Kind.REPAIR, "DEMO0006", "agent1", "楼道灯和家里插座都没电，电表显示欠压。",
                               title="电压异常")
        restored = self.dispatch(restored, "agent1", "repair-1", "repair1")
        restored = work_order_arrive(order=restored, actor=u["repair1"])
        work_order_restore(order=restored, actor=u["repair1"], note="更换表后开关，已恢复供电。")

        # Archived after a callback.
        done = self.create(Kind.REPAIR, "DEMO0010", "agent1", "空开频繁跳闸，无法正常用电。", title="频繁跳闸")
        done = self.dispatch(done, "agent1", "repair-1", "repair1")
        done = work_order_arrive(order=done, actor=u["repair1"])
        done = work_order_restore(order=done, actor=u["repair1"], note="户内线路老化短路，已协助处理。")
        self.callback_and_archive(done, "agent1")

        # Returned 退单 by the county crew: the address is outside its area.
        returned = self.create(Kind.REPAIR, "DEMO0004", "agent1", "办公室所在楼层整层停电。", title="楼层停电")
        returned = self.dispatch(returned, "agent1", "repair-2", "repair2")
        work_order_return(order=returned, actor=u["repair2"],
                          reason="地址位于高新区，不属于本班组抢修范围，请改派抢修一班。")

    def consultations(self) -> None:
        u = self.u
        # Answered on the call, closed at once (the one call that rang 15 s: over 3 rings).
        slow_call = self.call(self.c["DEMO0002"], u["agent2"], minutes_ago=40, ring=15)
        self.create(Kind.CONSULTATION, "DEMO0002", "agent2", "咨询阶梯电价第二档的起止电量。", title="阶梯电价咨询",
                    call=slow_call, answer="年用电量2161至4200千瓦时执行第二档电价，每千瓦时加价0.05元。")

        # Dispatched to marketing, and overdue (5 working days passed long ago).
        waiting = self.create(Kind.CONSULTATION, "DEMO0008", "agent1", "咨询峰谷分时电价的申请条件和办理流程。",
                              title="峰谷电价咨询")
        waiting = self.dispatch(waiting, "agent1", "marketing", "marketing1")
        self.age(waiting, dt.timedelta(days=10))

        # Replied by marketing, the agent has not told the customer yet.
        replied = self.create(Kind.CONSULTATION, "DEMO0012", "agent2", "企业新装315千伏安专变需要准备哪些资料？",
                              title="新装业务咨询")
        replied = self.dispatch(replied, "agent2", "marketing", "marketing1")
        work_order_reply(order=replied, actor=u["marketing1"],
                         text="需营业执照、法人身份证明、用电地址产权证明及用电设备清单，可在网上国网App提交。")

        # Customer informed.
        informed = self.create(Kind.CONSULTATION, "DEMO0011", "agent1", "咨询农村户表改造是否收费。",
                               title="户表改造咨询")
        informed = self.dispatch(informed, "agent1", "marketing", "marketing1")
        informed = work_order_reply(order=informed, actor=u["marketing1"],
                                    text="户表改造由供电公司出资，不向客户收取费用。")
        work_order_inform(order=informed, actor=u["agent1"],
                          reply_text="您好，户表改造不收取任何费用，施工前会提前通知您。")

    def _to_marketing(self, order: WorkOrder, agent: str) -> WorkOrder:
        """Forwarded to the supervision office 监察室, which dispatches it to marketing."""
        order = work_order_forward(order=order, actor=self.u[agent])
        return self.dispatch(order, "supervision1", "marketing", "marketing1")

    def complaints(self) -> None:
        u = self.u
        # Accepted, not yet forwarded.
        self.create(Kind.COMPLAINT, "DEMO0004", "agent2", "营业厅工作人员办理业务时推诿，让我跑了三趟。",
                    title="营业厅推诿")

        # Forwarded to the supervision office 监察室.
        forwarded = self.create(Kind.COMPLAINT, "DEMO0009", "agent1", "抄表员长期不上门，电费按估抄收取。",
                                title="估抄电费")
        work_order_forward(order=forwarded, actor=u["agent1"])

        # Dispatched to marketing and overdue: accepted six days ago, no first contact, no reply; escalated.
        overdue = self.create(Kind.COMPLAINT, "DEMO0005", "agent2", "计划停电未提前通知，家中冰箱食物全部变质。",
                              title="停电未通知")
        overdue = self._to_marketing(overdue, "agent2")
        overdue = self.age(overdue, dt.timedelta(days=6))
        work_order_escalate(order=overdue, actor=u["lead1"], note="投诉超期未答复，已上报中心主任。")

        # Investigated: not valid.
        investigated = self.create(Kind.COMPLAINT, "DEMO0011", "agent1", "认为本月电费比上月高出一倍，怀疑电表不准。",
                                   title="电费异常")
        investigated = self._to_marketing(investigated, "agent1")
        work_order_investigate(order=investigated, actor=u["marketing1"], valid=False,
                               note="现场校验电表误差合格，电量增加系客户新增空调所致。")

        # Replied two days ago; the callback (due within 1 day) is overdue.
        replied = self.create(Kind.COMPLAINT, "DEMO0008", "agent2", "抢修人员到场后态度冷淡，未说明停电原因。",
                              title="抢修人员态度")
        replied = self._to_marketing(replied, "agent2")
        replied = work_order_investigate(order=replied, actor=u["marketing1"], valid=True, cause="attitude",
                                         note="已对抢修人员进行批评教育。")
        replied = work_order_reply(order=replied, actor=u["agent2"],
                                   text="您好，经核实情况属实，我们已对相关人员进行批评教育，感谢您的监督。")
        self.age(replied, dt.timedelta(days=2))

        # The whole way to archived: valid, the attitude of agent2, who took the customer's second call about it.
        call = self.call(self.c["DEMO0006"], u["agent1"], minutes_ago=90, ring=4)
        archived = self.create(Kind.COMPLAINT, "DEMO0006", "agent1", "客户反映报修进度时，客服人员语气生硬。",
                               title="客服态度", call=call)
        second = self.call(self.c["DEMO0006"], u["agent2"], minutes_ago=80, ring=3, talk_minutes=1)
        archived = work_order_urge(order=archived, actor=u["agent2"], call=second,
                                   note="客户再次来电，反映接线员中途挂断电话")
        archived = work_order_forward(order=archived, actor=u["agent1"], department=self.d["supervision"])
        archived = self.dispatch(archived, "supervision1", "marketing", "marketing1")
        archived = work_order_investigate(order=archived, actor=u["marketing1"], valid=True, cause="attitude",
                                          responsible=u["agent2"], note="调取录音核实，客服代表服务态度不佳。")
        archived = work_order_reply(order=archived, actor=u["agent1"],
                                    text="您好，经核实情况属实，已对相关客服代表进行考核和培训，向您致歉。")
        self.callback_and_archive(archived, "agent1")

        # Reopened: the customer was not satisfied with the reply; back with marketing.
        reopened = self.create(Kind.COMPLAINT, "DEMO0003", "agent2", "业扩报装超过承诺时限仍未接电。", title="报装超时")
        reopened = self._to_marketing(reopened, "agent2")
        reopened = work_order_investigate(order=reopened, actor=u["marketing1"], valid=True, cause="timeliness",
                                          note="因线路改造延误。")
        reopened = work_order_reply(order=reopened, actor=u["agent2"],
                                    text="您好，因线路改造延误，预计本周内完成接电。")
        work_order_callback(order=reopened, actor=u["agent2"], reached=True, satisfied=False, attitude="fair",
                            quality="poor", suggestions="仍未接电，要求给出明确的接电日期。")

    def reports_and_suggestions(self) -> None:
        u = self.u
        # Report 举报, forwarded to the supervision office.
        report = self.create(Kind.REPORT, "DEMO0007", "agent1", "举报村内有人私拉乱接电线窃电。", title="窃电举报")
        work_order_forward(order=report, actor=u["agent1"])

        # Suggestion 意见建议, replied.
        suggestion = self.create(Kind.SUGGESTION, "DEMO0012", "agent2", "建议营业厅周末也开放办理业务。",
                                 title="营业时间建议")
        suggestion = self._to_marketing(suggestion, "agent2")
        suggestion = work_order_investigate(order=suggestion, actor=u["marketing1"], valid=True, cause="other",
                                            note="建议合理，城关营业厅试行周六上午营业。")
        work_order_reply(order=suggestion, actor=u["agent2"], text="感谢您的建议，城关营业厅自下月起试行周六上午营业。")

    def other_calls(self) -> None:
        # Abandoned: rang 25 s, the caller hung up before an agent answered.
        self.call(self.c["DEMO0010"], None, minutes_ago=25, ring=25, answered=False)
        # Answered within 3 rings, no order (the customer asked for the hotline's hours).
        self.call(self.c["DEMO0002"], self.u["agent1"], minutes_ago=20, ring=3, talk_minutes=2)
