"""Kafka topics (Metron's ``/api/v1/kafka``), in Kafka mode: the brokers are the global
config's ``kafka.brokers`` (else ``$METRON_KAFKA_BROKERS``).  Without brokers every
endpoint answers 404 saying so; brokers that do not answer give 503.  Creating, deleting
and producing need ADMIN."""

from __future__ import annotations

from typing import Any

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from fastapi import APIRouter, Body, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, Field

from metron.config.kafka import client_config
from metron.runtime.sourceconfig import kafka_brokers
from metron.web.context import Ctx, WebContext
from metron.web.errors import RestError
from metron.web.security import AdminUser, CurrentUser, client_address

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/kafka", tags=["kafka"])

#: Seconds to wait for the brokers.
TIMEOUT = 10.0


class KafkaTopic(BaseModel):
    name: str = Field(min_length=1, max_length=249, pattern=r"^[A-Za-z0-9._-]+$")
    numPartitions: int = Field(1, ge=1, le=10_000)
    replicationFactor: int = Field(1, ge=1, le=100)
    properties: dict[str, str] = Field(default_factory=dict)


def _brokers(context: WebContext) -> str:
    brokers = kafka_brokers(context.global_config())
    if not brokers:
        raise RestError(
            404, "Kafka is not configured: set kafka.brokers in the global config", field="kafka"
        )
    return brokers


def _admin(brokers: str) -> AdminClient:
    return AdminClient(client_config(brokers))


def _metadata(brokers: str) -> Any:
    try:
        return _admin(brokers).list_topics(timeout=TIMEOUT)
    except KafkaException as e:
        raise RestError(503, f"cannot reach Kafka at {brokers}: {e.args[0]}") from None


def _topic(brokers: str, name: str) -> dict[str, Any] | None:
    found = _metadata(brokers).topics.get(name)
    if found is None or found.error is not None:
        return None
    partitions = list(found.partitions.values())
    return {
        "name": name,
        "numPartitions": len(partitions),
        "replicationFactor": len(partitions[0].replicas) if partitions else 0,
        "properties": {},
    }


@router.get("/topic")
def list_topics(_: CurrentUser, context: Ctx) -> list[str]:
    """The topics' names (internal ones, starting with ``__``, left out)."""
    topics = _metadata(_brokers(context)).topics
    return sorted(name for name in topics if not name.startswith("__"))


@router.post("/topic", status_code=201)
def create_topic(
    topic: KafkaTopic, user: AdminUser, context: Ctx, request: Request
) -> dict[str, Any]:
    """Create a topic (``KafkaTopic``); 201 with the topic."""
    brokers = _brokers(context)
    new = NewTopic(
        topic.name,
        num_partitions=topic.numPartitions,
        replication_factor=topic.replicationFactor,
        config=dict(topic.properties),
    )
    admin = _admin(brokers)  # held until the answer: a dropped client cancels its requests
    future = admin.create_topics([new], request_timeout=TIMEOUT)[topic.name]
    try:
        future.result(timeout=TIMEOUT)
    except KafkaException as e:
        error = e.args[0]
        exists = getattr(error, "name", lambda: "")() == "TOPIC_ALREADY_EXISTS"
        raise RestError(400 if not exists else 409, f"topic {topic.name}: {error}") from None
    context.users.audit(
        user.name,
        "kafka.topic.create",
        topic.name,
        None,
        topic.model_dump(),
        client_address(request),
    )
    return topic.model_dump()


@router.get("/topic/{name}")
def get_topic(name: str, _: CurrentUser, context: Ctx) -> dict[str, Any]:
    """One topic; 404 when there is none."""
    found = _topic(_brokers(context), name)
    if found is None:
        raise RestError(404, f"no topic {name!r}", field="name")
    return found


@router.delete("/topic/{name}")
def delete_topic(name: str, user: AdminUser, context: Ctx, request: Request) -> Response:
    """Delete a topic; 404 when there is none."""
    brokers = _brokers(context)
    before = _topic(brokers, name)
    if before is None:
        raise RestError(404, f"no topic {name!r}", field="name")
    admin = _admin(brokers)
    future = admin.delete_topics([name], request_timeout=TIMEOUT)[name]
    try:
        future.result(timeout=TIMEOUT)
    except KafkaException as e:
        raise RestError(400, f"topic {name}: {e.args[0]}") from None
    context.users.audit(
        user.name, "kafka.topic.delete", name, before, None, client_address(request)
    )
    return Response(status_code=200)


@router.get("/topic/{name}/sample", response_class=PlainTextResponse)
def sample(name: str, _: CurrentUser, context: Ctx) -> PlainTextResponse:
    """The latest message of the topic (of any partition); 404 when it has none."""
    brokers = _brokers(context)
    found = _metadata(brokers).topics.get(name)
    if found is None or found.error is not None:
        raise RestError(404, f"no topic {name!r}", field="name")
    consumer = Consumer(
        {**client_config(brokers), "group.id": "metron-rest-sample", "enable.auto.commit": False}
    )
    try:
        latest: tuple[int, bytes] | None = None
        for partition in found.partitions:
            low, high = consumer.get_watermark_offsets(
                TopicPartition(name, partition), timeout=TIMEOUT
            )
            if high <= low:
                continue
            consumer.assign([TopicPartition(name, partition, high - 1)])
            message = consumer.poll(TIMEOUT)
            if message is not None and message.error() is None:
                when = message.timestamp()[1]
                if latest is None or when > latest[0]:
                    latest = (when, message.value() or b"")
    except KafkaException as e:
        raise RestError(503, f"cannot read {name}: {e.args[0]}") from None
    finally:
        consumer.close()
    if latest is None:
        raise RestError(404, f"topic {name!r} has no message", field="name")
    return PlainTextResponse(latest[1].decode("utf-8", "replace"))


@router.post("/topic/{name}/produce")
def produce(
    name: str,
    user: AdminUser,
    context: Ctx,
    request: Request,
    message: str = Body(..., media_type="text/plain"),
) -> Response:
    """Produce one message (the body as text) to the topic."""
    brokers = _brokers(context)
    if _topic(brokers, name) is None:
        raise RestError(404, f"no topic {name!r}", field="name")
    errors: list[str] = []
    producer = Producer({**client_config(brokers), "acks": "all"})
    producer.produce(
        name, message.encode(), on_delivery=lambda e, _m: errors.append(str(e)) if e else None
    )
    if producer.flush(TIMEOUT) > 0 or errors:
        raise RestError(503, f"not delivered to {name}: {errors[0] if errors else 'timed out'}")
    context.users.audit(
        user.name, "kafka.produce", name, None, {"bytes": len(message)}, client_address(request)
    )
    return Response(status_code=200)
