//! The writer of a persistent topic: group commit of entries and cursor changes, and
//! retention.
//!
//! Publishes and acks queue work in the topic and wake the writer. The writer takes
//! everything queued, appends it to the log and the cursor journal, fsyncs both once,
//! and only then makes the entries visible and sends the SEND_RECEIPTs and ACK_RESPONSEs:
//! a receipt always means durable. What arrives during an fsync goes into the next group,
//! so the number of fsyncs stays bounded by the disk's speed, not by the message rate.
//!
//! After a group, and on every policy check (which also applies message TTL and backlog
//! quotas, and closes a segment that reached its age), the writer deletes the segments
//! retention lets go. It only counts cursor positions already in the journal (see
//! [`Topic::slowest_journaled`]), so a crash never finds a cursor pointing into a
//! deleted segment.

use std::{io, sync::Arc, time::Duration};

use tokio_util::sync::CancellationToken;

use super::log::SegmentLog;
use crate::{
    entry::now_millis,
    retention::{segments_to_delete, RetentionPolicy},
    topic::{Storage, Topic},
};

/// Runs until `shutdown`, then stores what is still queued and returns.
pub async fn run(
    topic: Arc<Topic>,
    storage: Storage,
    fsync: bool,
    check_interval: Duration,
    shutdown: CancellationToken,
) {
    let Storage {
        mut log,
        mut journal,
    } = storage;
    let mut check = tokio::time::interval(check_interval);
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let (stopping, checking) = tokio::select! {
            _ = topic.writer_wakeup() => (false, false),
            _ = check.tick() => (false, true),
            _ = shutdown.cancelled() => (true, false),
        };
        while let Some(batch) = topic.take_batch(journal.wants_compaction()) {
            let bodies: Vec<(bytes::Bytes, u32)> = batch
                .writes
                .iter()
                .map(|(entry, _)| (entry.body.clone(), entry.crc))
                .collect();
            let records = batch.records;
            let snapshot = batch.snapshot;
            let stored = tokio::task::spawn_blocking(move || {
                let result = (|| -> io::Result<()> {
                    log.append(bodies.iter().map(|(body, crc)| (&body[..], *crc)))?;
                    match &snapshot {
                        Some(snapshot) => journal.rewrite(snapshot)?,
                        None => journal.append(&records)?,
                    }
                    if fsync {
                        log.sync()?;
                        journal.sync()?;
                    }
                    Ok(())
                })();
                (log, journal, result)
            })
            .await;
            let (back_log, back_journal, result) = match stored {
                Ok(back) => back,
                Err(join) => {
                    // The blocking task panicked: the files are gone with it.
                    topic.complete_batch(
                        batch.writes,
                        batch.ack_receipts,
                        Err(io::Error::other(join.to_string())),
                    );
                    return;
                }
            };
            log = back_log;
            journal = back_journal;
            let ok = result.is_ok();
            topic.complete_batch(batch.writes, batch.ack_receipts, result);
            if !ok {
                continue;
            }
            // The segments' sizes feed the statistics; a roll may have closed one.
            topic.storage_changed(log.segments());
            let Some(back) = reclaim(&topic, log, batch.retention).await else {
                return;
            };
            log = back;
        }
        if checking {
            topic.check_policies();
            let retention = topic.policies().retention;
            let segments_before = log.segments().len();
            log = match tokio::task::spawn_blocking(move || {
                let rolled = log.roll_if_full(now_millis());
                (log, rolled)
            })
            .await
            {
                Ok((back, Ok(()))) => back,
                Ok((back, Err(error))) => {
                    tracing::error!(topic = %topic.full_name(), %error, "cannot close a log segment");
                    back
                }
                Err(_) => return,
            };
            if log.segments().len() != segments_before {
                topic.storage_changed(log.segments());
            }
            // Cursor changes the check made (expiry, eviction) are stored by the next
            // group; until then the positions already stored bound what may go.
            let Some(back) = reclaim(&topic, log, retention).await else {
                return;
            };
            log = back;
        }
        if stopping {
            return;
        }
    }
}

/// Deletes the segments retention lets go before the first entry a durable subscription
/// needs as the journal has it. The writer calls it between groups, when every record
/// taken is stored. `None` if the blocking task panicked, taking the log with it.
async fn reclaim(
    topic: &Arc<Topic>,
    mut log: SegmentLog,
    retention: RetentionPolicy,
) -> Option<SegmentLog> {
    let bound = topic.slowest_journaled();
    let count = segments_to_delete(log.segments(), bound, retention, now_millis());
    if count == 0 {
        return Some(log);
    }
    let deleted = tokio::task::spawn_blocking(move || {
        let result = log.delete_oldest(count);
        (log, result)
    })
    .await;
    match deleted {
        Ok((log, result)) => {
            if let Err(error) = result {
                tracing::error!(topic = %topic.full_name(), %error, "cannot delete a log segment");
            }
            topic.storage_changed(log.segments());
            Some(log)
        }
        Err(join) => {
            tracing::error!(topic = %topic.full_name(), error = %join, "segment deletion panicked");
            None
        }
    }
}
