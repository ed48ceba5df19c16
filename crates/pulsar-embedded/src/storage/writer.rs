//! The writer of a persistent topic: group commit of entries and cursor changes.
//!
//! Publishes and acks queue work in the topic and wake the writer. The writer takes
//! everything queued, appends it to the log and the cursor journal, fsyncs both once,
//! and only then makes the entries visible and sends the SEND_RECEIPTs and ACK_RESPONSEs:
//! a receipt always means durable. What arrives during an fsync goes into the next group,
//! so the number of fsyncs stays bounded by the disk's speed, not by the message rate.

use std::{io, sync::Arc};

use tokio_util::sync::CancellationToken;

use crate::topic::{Storage, Topic};

/// Runs until `shutdown`, then stores what is still queued and returns.
pub async fn run(topic: Arc<Topic>, storage: Storage, fsync: bool, shutdown: CancellationToken) {
    let Storage {
        mut log,
        mut journal,
    } = storage;
    loop {
        let stopping = tokio::select! {
            _ = topic.writer_wakeup() => false,
            _ = shutdown.cancelled() => true,
        };
        while let Some(batch) = topic.take_batch(journal.wants_compaction()) {
            let bodies: Vec<(bytes::Bytes, u32)> = batch
                .writes
                .iter()
                .map(|(entry, _)| (entry.body.clone(), entry.crc))
                .collect();
            let records = batch.records;
            let snapshot = batch.snapshot;
            let trim_to = batch.trim_to;
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
                    log.trim(trim_to)
                })();
                (log, journal, result)
            })
            .await;
            match stored {
                Ok((back_log, back_journal, result)) => {
                    log = back_log;
                    journal = back_journal;
                    topic.complete_batch(batch.writes, batch.ack_receipts, result);
                }
                Err(join) => {
                    // The blocking task panicked: the files are gone with it.
                    topic.complete_batch(
                        batch.writes,
                        batch.ack_receipts,
                        Err(io::Error::other(join.to_string())),
                    );
                    return;
                }
            }
        }
        if stopping {
            return;
        }
    }
}
