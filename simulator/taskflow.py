"""Task behaviour of the traffic model: queueing, skills-based routing to the longest-available
agent, ringing and RONA, hold, transfers, wrap-up, abandonment by caller patience and courtesy
callbacks; and the data of task webhooks."""

from __future__ import annotations

import bisect

from simulator.model_base import (
    P_CALLBACK,
    P_HOLD,
    P_RONA,
    P_TRANSFER,
    SECOND_MS,
    AgentRuntime,
    ModelBase,
)
from simulator.records import (
    ABANDONED_IN_QUEUE,
    AVAILABLE,
    CONNECTED,
    HANDLE_ABANDONED,
    HANDLE_NORMAL,
    HANDLE_SHORT,
    HOLD,
    HOLD_DONE,
    NOT_RESPONDING,
    OUTBOUND_TYPE_CALLBACK,
    REASON_AGENT_LEFT,
    REASON_CUSTOMER_LEFT,
    RESERVED,
    SHORT_CALL_THRESHOLD_S,
    STATUS_CONNECTED,
    STATUS_ENDED,
    STATUS_OFFERED,
    STATUS_PARKED,
    SUDDEN_DISCONNECT_THRESHOLD_S,
    TERMINATING_AGENT,
    TERMINATING_CUSTOMER,
    TERMINATION_ABANDONED,
    TERMINATION_NORMAL,
    TERMINATION_SUDDEN_DISCONNECT,
    WEBHOOK_DIRECTION_INBOUND,
    WEBHOOK_DIRECTION_OUTBOUND,
    WRAPUP,
    Offer,
    QueueLeg,
    Task,
)
from simulator.topology import TELEPHONY


class TaskFlow(ModelBase):
    def _on_queue_enter(self, task_id: str, queue_id: str) -> None:
        task = self.tasks[task_id]
        queue = self._queues[queue_id]
        task.queue_id = queue_id
        leg = QueueLeg(queue_id, self.now_ms)
        task.legs.append(leg)
        if task.scripted:
            patience_s = task.patience_s
        else:
            patience_s = self._rng.expovariate(1 / queue.patience_mean_s)
        if patience_s is not None:
            leg.patience_deadline_ms = self.now_ms + int(patience_s * SECOND_MS)
        agent = self._free_agent_for(queue_id)
        if agent is not None:
            self._offer(task, agent)
        else:
            self._park(task)

    def _park(self, task: Task) -> None:
        leg = task.legs[-1]
        if not leg.parked:
            leg.parked = True
            leg.parked_ms = self.now_ms
        task.status = STATUS_PARKED
        if leg.patience_deadline_ms is not None:
            # Patience runs from entering the queue; a task back from RONA past it hangs up now.
            deadline_ms = max(leg.patience_deadline_ms, self.now_ms)
            self._push(deadline_ms, self._on_patience_end, task.id, len(task.legs) - 1)
        waiting = self._waiting[leg.queue_id]
        # Kept in order of arrival in the queue: a RONA'd task goes back to its place.
        bisect.insort(waiting, task, key=lambda t: t.legs[-1].enqueued_ms)
        self._emit("task:parked", self._task_data(task))

    def _free_agent_for(self, queue_id: str) -> AgentRuntime | None:
        teams = self._queue_teams[queue_id]
        best: AgentRuntime | None = None
        for agent in self.agents.values():
            if agent.state != AVAILABLE or agent.profile.team_id not in teams:
                continue
            if best is None or agent.state_since_ms < best.state_since_ms:
                best = agent
        return best

    def _next_task_for(self, agent: AgentRuntime) -> Task | None:
        best: Task | None = None
        for queue_id in self._agent_queues[agent.profile.id]:
            waiting = self._waiting[queue_id]
            if waiting and (
                best is None or waiting[0].legs[-1].enqueued_ms < best.legs[-1].enqueued_ms
            ):
                best = waiting[0]
        return best

    def _offer(self, task: Task, agent: AgentRuntime) -> None:
        leg = task.legs[-1]
        waiting = self._waiting[leg.queue_id]
        if task in waiting:
            waiting.remove(task)
        leg.offers.append(Offer(agent.profile.id, agent.profile.team_id, self.now_ms))
        task.status = STATUS_OFFERED
        task.agent_id = agent.profile.id
        task.team_id = agent.profile.team_id
        agent.task_id = task.id
        self._emit("task:connect", self._task_data(task))
        self._set_state(agent, RESERVED, task=task)
        if task.scripted:
            ring_s = task.ring_s or 0.0
        elif task.channel_type == TELEPHONY:
            ring_s = self._rng.uniform(2, 10)
        else:
            ring_s = self._rng.uniform(1, 5)
        self._push(self.now_ms + ring_s * SECOND_MS, self._on_ring_end, task.id, agent.profile.id)

    def _on_ring_end(self, task_id: str, agent_id: str) -> None:
        task = self.tasks[task_id]
        agent = self.agents[agent_id]
        leg = task.legs[-1]
        offer = leg.offers[-1]
        offer.answered_ms = self.now_ms
        task.ringing_ms += self.now_ms - offer.offered_ms
        if not task.scripted and self._rng.random() < P_RONA:
            # Redirection on no answer: the ring is recorded as not responding, the agent is
            # made idle with the RONA code and the task goes back.
            self._relabel_state(agent, NOT_RESPONDING)
            agent.task_id = None
            self._go_idle(agent, self.topology.idle_code("RONA"), self._rng.uniform(30, 90))
            self._park(task)
            self._dispatch_queue(leg.queue_id)
            return
        offer.accepted = True
        leg.accepted_ms = self.now_ms
        rejected_ring_ms = sum(
            (o.answered_ms or o.offered_ms) - o.offered_ms for o in leg.offers if not o.accepted
        )
        task.queue_ms += offer.offered_ms - leg.enqueued_ms - rejected_ring_ms
        task.status = STATUS_CONNECTED
        self._emit("task:connected", self._task_data(task))
        self._set_state(agent, CONNECTED, task=task)
        queue = self._queues[leg.queue_id]
        if task.scripted:
            talk_s = task.handle_s or 0.0
            hold_s = 0.0
        else:
            talk_s = max(15.0, self._rng.gammavariate(2.0, queue.handle_mean_s / 2))
            hold_s = 0.0
            if queue.channel_type == TELEPHONY and self._rng.random() < P_HOLD:
                hold_s = 5 + self._rng.expovariate(1 / 45)
                hold_at_ms = self.now_ms + talk_s * self._rng.uniform(0.3, 0.7) * SECOND_MS
                self._push(hold_at_ms, self._on_hold, task.id, agent_id, hold_s)
        self._push(
            self.now_ms + (talk_s + hold_s) * SECOND_MS, self._on_handle_end, task.id, agent_id
        )

    def _on_hold(self, task_id: str, agent_id: str, hold_s: float) -> None:
        task = self.tasks[task_id]
        task.hold_count += 1
        task.holds.append([self.now_ms, None])
        self._set_state(self.agents[agent_id], HOLD, task=task)
        self._push(self.now_ms + hold_s * SECOND_MS, self._on_unhold, task_id, agent_id)

    def _on_unhold(self, task_id: str, agent_id: str) -> None:
        task = self.tasks[task_id]
        agent = self.agents[agent_id]
        held_ms = agent.activity.duration_ms(self.now_ms) if agent.activity else 0
        task.hold_ms += held_ms
        task.legs[-1].hold_ms += held_ms
        task.holds[-1][1] = self.now_ms
        self._set_state(agent, HOLD_DONE, task=task)

    def _on_handle_end(self, task_id: str, agent_id: str) -> None:
        task = self.tasks[task_id]
        agent = self.agents[agent_id]
        leg = task.legs[-1]
        leg.connected_end_ms = self.now_ms
        task.connected_ms += self.now_ms - (leg.accepted_ms or self.now_ms) - leg.hold_ms
        queue = self._queues[leg.queue_id]
        transfer_to = None
        if not task.scripted and self._rng.random() < P_TRANSFER:
            targets = [
                q.id
                for q in self.topology.queues
                if q.channel_type == task.channel_type and q.id != queue.id
            ]
            if targets:
                transfer_to = self._rng.choice(targets)
        if transfer_to is not None:
            leg.transferred = True
            task.transfer_count += 1
            self._push(self.now_ms, self._on_queue_enter, task.id, transfer_to)
        else:
            task.ended_ms = self.now_ms
            task.status = STATUS_ENDED
            talked_ms = self.now_ms - (leg.accepted_ms or self.now_ms)
            sudden = talked_ms < SUDDEN_DISCONNECT_THRESHOLD_S * SECOND_MS
            task.termination_type = TERMINATION_SUDDEN_DISCONNECT if sudden else TERMINATION_NORMAL
            task.contact_handle_type = HANDLE_NORMAL
            # Who hangs up first: mostly the customer.
            agent_ends = not task.scripted and self._rng.random() < 0.3
            task.terminating_party = TERMINATING_AGENT if agent_ends else TERMINATING_CUSTOMER
            self._emit("task:ended", self._task_data(task))
        self._set_state(agent, WRAPUP, task=task)
        if task.scripted:
            wrapup_s = task.wrapup_s or 0.0
        else:
            wrapup_s = max(5.0, self._rng.gammavariate(2.0, queue.wrapup_mean_s / 2))
        self._push(self.now_ms + wrapup_s * SECOND_MS, self._on_wrapup_end, task.id, agent_id)

    def _on_wrapup_end(self, task_id: str, agent_id: str) -> None:
        task = self.tasks[task_id]
        agent = self.agents[agent_id]
        wrapped_ms = agent.activity.duration_ms(self.now_ms) if agent.activity else 0
        task.wrapup_ms += wrapped_ms
        # The leg this agent wrapped up: after a transfer a later leg may be someone else's.
        for leg in reversed(task.legs):
            if any(o.accepted and o.agent_id == agent_id for o in leg.offers):
                leg.wrapup_ms += wrapped_ms
                break
        agent.task_id = None
        self._agent_free(agent)

    def _on_patience_end(self, task_id: str, leg_index: int) -> None:
        task = self.tasks[task_id]
        if task.status != STATUS_PARKED or len(task.legs) - 1 != leg_index or task.callback:
            return
        leg = task.legs[-1]
        if not task.scripted and task.channel_type == TELEPHONY and self._rng.random() < P_CALLBACK:
            task.callback = True  # keeps its place and waits for an agent to call back
            return
        self._waiting[leg.queue_id].remove(task)
        leg.abandoned_ms = self.now_ms
        rejected_ring_ms = sum(
            (o.answered_ms or o.offered_ms) - o.offered_ms for o in leg.offers if not o.accepted
        )
        task.queue_ms += self.now_ms - leg.enqueued_ms - rejected_ring_ms
        task.ended_ms = self.now_ms
        task.status = STATUS_ENDED
        task.termination_type = TERMINATION_ABANDONED
        task.abandoned_type = ABANDONED_IN_QUEUE
        short = task.ended_ms - task.created_ms < SHORT_CALL_THRESHOLD_S * SECOND_MS
        task.contact_handle_type = HANDLE_SHORT if short else HANDLE_ABANDONED
        task.terminating_party = TERMINATING_CUSTOMER
        self._emit("task:ended", self._task_data(task))

    def _dispatch_queue(self, queue_id: str) -> None:
        while self._waiting[queue_id]:
            agent = self._free_agent_for(queue_id)
            if agent is None:
                return
            self._offer(self._waiting[queue_id][0], agent)

    def _task_data(self, task: Task) -> dict[str, object]:
        # Fields seen in task webhooks (docs/wxcc-contract.md section 1.6); nothing else.
        # A courtesy callback is dialled out: OUTBOUND with outboundType COURTESY_CALLBACK.
        calling_back = task.callback and task.status in (STATUS_OFFERED, STATUS_CONNECTED)
        data: dict[str, object] = {
            "taskId": task.id,
            "orgId": self.org_id,
            "channelType": task.channel_type,
            "direction": WEBHOOK_DIRECTION_OUTBOUND if calling_back else WEBHOOK_DIRECTION_INBOUND,
            "outboundType": OUTBOUND_TYPE_CALLBACK if calling_back else None,
            "origin": task.origin,
            "destination": task.destination,
            "queueId": task.queue_id,
            "createdTime": task.created_ms,
        }
        if task.status == STATUS_ENDED:
            data["terminatingParty"] = task.terminating_party
            data["reason"] = (
                REASON_AGENT_LEFT
                if task.terminating_party == TERMINATING_AGENT
                else REASON_CUSTOMER_LEFT
            )
        return data
