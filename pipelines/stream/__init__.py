"""The Stream listener (official dingtalk-stream SDK) and the durable event inbox."""

from pipelines.stream.inbox import EventInbox, Inbox
from pipelines.stream.models import AddResult, Gap, InboxStats, NewEvent, StoredEvent

__all__ = ["AddResult", "EventInbox", "Gap", "Inbox", "InboxStats", "NewEvent", "StoredEvent"]
