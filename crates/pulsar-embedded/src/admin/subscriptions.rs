//! The admin API's subscription operations and internal statistics of a topic, with
//! Apache Pulsar's paths under `/admin/v2/{domain}/{tenant}/{namespace}/{topic}/`:
//! `subscriptions` (list), `subscription/{sub}` (PUT creates at the latest message or at
//! the message id of the body, DELETE deletes, `?force=true` with consumers), and under
//! it `resetcursor/{timestamp}`, `resetcursor` (message id body), `skip/{n}`, `skip_all`,
//! `expireMessages/{seconds}`, `position/{n}` (peek); `internalStats`.

use std::sync::Arc;

use pulsar::proto::{MessageIdData, ServerError};

use super::{Request, Response};
use crate::{
    broker::Broker,
    entry::LEDGER_ID,
    topic::{close_consumers, seek_back, Peeked, Skip, StartPosition, SubscriptionError, Topic},
    topic_name::TopicName,
};

pub async fn route(
    broker: &Broker,
    request: &Request,
    name: &TopicName,
    what: &str,
    rest: &[&str],
) -> Response {
    let method = request.method.as_str();
    let known = matches!(
        (what, rest),
        ("internalStats" | "subscriptions", [])
            | ("subscription", [_])
            | ("subscription", [_, "resetcursor" | "skip_all"])
            | (
                "subscription",
                [_, "resetcursor" | "skip" | "expireMessages" | "position", _]
            )
    );
    if !known {
        return Response::error(404, "Not found");
    }
    let Some(topic) = broker.existing_topic(name).await else {
        return Response::error(404, "Topic not found");
    };
    let done = |outcome: Result<(), SubscriptionError>| match outcome {
        Ok(()) => Response::no_content(),
        Err(e) => subscription_error(&e),
    };
    match (what, rest, method) {
        ("internalStats", [], "GET") => Response::json(200, topic.internal_stats()),
        ("subscriptions", [], "GET") => Response::json(200, topic.subscription_names().into()),
        ("subscription", [sub], "PUT") => match request.json() {
            Err(refusal) => refusal,
            Ok(body) => {
                let start = start_position(body.as_ref());
                let _pin = topic.read_back_for_new(sub, start).await;
                done(topic.create_subscription(sub, start))
            }
        },
        ("subscription", [sub], "DELETE") => {
            done(topic.delete_subscription(sub, request.flag("force")))
        }
        ("subscription", [sub, "resetcursor", time], "POST") => match time.parse::<u64>() {
            Ok(time) => reset(&topic, sub, None, Some(time)).await,
            Err(_) => Response::error(400, "the timestamp must be a number of milliseconds"),
        },
        ("subscription", [sub, "resetcursor"], "POST") => match request.json() {
            Err(refusal) => refusal,
            Ok(body) => match body.as_ref().and_then(message_id) {
                Some(id) => reset(&topic, sub, Some(&id), None).await,
                None => Response::error(400, "the body must be a message id"),
            },
        },
        ("subscription", [sub, "skip", count], "POST") => match count.parse() {
            Ok(count) => done(topic.skip(sub, Skip::Entries(count))),
            Err(_) => Response::error(400, "the count must be a number"),
        },
        ("subscription", [sub, "skip_all"], "POST") => done(topic.skip(sub, Skip::All)),
        ("subscription", [sub, "expireMessages", seconds], "POST") => {
            match seconds.parse::<u64>() {
                Ok(seconds) => done(topic.skip(sub, Skip::OlderThan(seconds.saturating_mul(1000)))),
                Err(_) => Response::error(400, "the expiry must be a number of seconds"),
            }
        }
        ("subscription", [sub, "position", position], "GET") => match position.parse() {
            Err(_) => Response::error(400, "the position must be a number"),
            Ok(position) => match topic.peek(sub, position) {
                Ok(Some(peeked)) => peek_response(peeked),
                Ok(None) => Response::error(404, "Message not found"),
                Err(e) => subscription_error(&e),
            },
        },
        _ => Response::not_allowed(),
    }
}

/// Moves a subscription's cursor; its consumers are closed, to reconnect at the new
/// position, as Apache Pulsar does.
async fn reset(
    topic: &Arc<Topic>,
    subscription: &str,
    id: Option<&MessageIdData>,
    time: Option<u64>,
) -> Response {
    let _pin = match seek_back(id, time) {
        Some(back) => topic.read_back(back).await,
        None => None,
    };
    match topic.seek(subscription, id, time) {
        Ok(consumers) => {
            close_consumers(consumers);
            Response::no_content()
        }
        Err((ServerError::SubscriptionNotFound, _)) => {
            subscription_error(&SubscriptionError::NotFound)
        }
        Err((_, reason)) => Response::error(500, &reason),
    }
}

/// Where a new subscription starts: the message id of the body (negative ids are the
/// earliest, `Long.MAX_VALUE` the latest), else the latest message.
fn start_position(body: Option<&serde_json::Value>) -> StartPosition {
    let Some(body) = body else {
        return StartPosition::Latest;
    };
    let ledger = body["ledgerId"].as_i64();
    let entry = body["entryId"].as_i64();
    match (ledger, entry) {
        (Some(l), Some(e)) if l < 0 || e < 0 => StartPosition::Earliest,
        (Some(i64::MAX), _) | (_, Some(i64::MAX)) => StartPosition::Latest,
        (Some(_), Some(e)) => StartPosition::At(e as u64),
        _ => StartPosition::Latest,
    }
}

/// Apache Pulsar's `ResetCursorData`: a message id, after it if `isExcluded`.
fn message_id(body: &serde_json::Value) -> Option<MessageIdData> {
    let ledger = body.get("ledgerId")?.as_i64()?;
    let entry = body.get("entryId")?.as_i64()?;
    let excluded = body
        .get("isExcluded")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    let (ledger_id, entry_id) = if ledger < 0 || entry < 0 {
        (u64::MAX, u64::MAX)
    } else {
        (ledger as u64, entry as u64 + u64::from(excluded))
    };
    Some(MessageIdData {
        ledger_id,
        entry_id,
        ..Default::default()
    })
}

/// A peeked entry as Apache Pulsar answers it: the payload as the body, the message id,
/// metadata and properties in headers.
fn peek_response(peeked: Peeked) -> Response {
    let metadata = &peeked.metadata;
    let mut headers = vec![
        (
            "X-Pulsar-Message-ID".to_string(),
            format!("{LEDGER_ID}:{}", peeked.id),
        ),
        (
            "X-Pulsar-publish-time".to_string(),
            metadata.publish_time.to_string(),
        ),
        (
            "X-Pulsar-sequence-id".to_string(),
            metadata.sequence_id.to_string(),
        ),
        (
            "X-Pulsar-producer-name".to_string(),
            header_value(&metadata.producer_name),
        ),
    ];
    if let Some(count) = metadata.num_messages_in_batch {
        headers.push(("X-Pulsar-num-batch-message".into(), count.to_string()));
    }
    for property in &metadata.properties {
        let token = !property.key.is_empty()
            && property
                .key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if token {
            headers.push((
                format!("X-Pulsar-PROPERTY-{}", property.key),
                header_value(&property.value),
            ));
        }
    }
    Response {
        status: 200,
        content_type: "application/octet-stream",
        headers,
        body: peeked.payload.to_vec(),
    }
}

/// A value from a client, made safe for a header line.
fn header_value(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).collect()
}

fn subscription_error(error: &SubscriptionError) -> Response {
    let status = match error {
        SubscriptionError::NotFound => 404,
        SubscriptionError::Exists => 409,
        SubscriptionError::HasConsumers => 412,
        SubscriptionError::NotPersistent => 400,
    };
    Response::error(status, &error.to_string())
}
