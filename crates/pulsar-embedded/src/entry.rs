//! One stored entry of a topic: a message or a batch of messages, as the producer sent it.

use std::{
    hash::{DefaultHasher, Hash, Hasher},
    time::{SystemTime, UNIX_EPOCH},
};

use bytes::{BufMut, Bytes};
use prost::Message as _;
use pulsar::proto::MessageMetadata;

use crate::storage::record::CRC32C;

/// The ledger id of every message id this broker hands out: entry ids alone order a
/// topic, and a constant keeps message ids stable across restarts.
pub const LEDGER_ID: u64 = 1;

/// The wall clock in milliseconds since the epoch, the unit of `deliver_at_time`.
pub fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// An entry, kept in memory in its wire form so that delivering it is a copy.
#[derive(Debug)]
pub struct Entry {
    pub id: u64,
    /// `[u32 metadata size][metadata][payload]`: the payload section of a MESSAGE frame.
    pub body: Bytes,
    /// CRC32-C of `body`: the frame checksum and the storage record checksum at once.
    pub crc: u32,
    /// Messages in the entry (`num_messages_in_batch`, 1 when not batched).
    pub num_messages: u32,
    pub publish_time: u64,
    /// Hash of the ordering or partition key, for Key_Shared routing.
    pub key_hash: u64,
    pub producer_name: String,
    /// The highest producer sequence id in the entry, for deduplication.
    pub highest_sequence_id: u64,
    /// The chunk's number when the entry is one chunk of a chunked message (0 otherwise):
    /// every chunk of a message has its sequence id, so deduplication orders them by both.
    pub chunk_id: u32,
    /// `deliver_at_time` (ms since the epoch): Shared and Key_Shared subscriptions hold
    /// the entry back until then. Read from the stored metadata, so it survives restarts.
    pub deliver_at: Option<u64>,
}

impl Entry {
    /// Builds an entry from a published message.
    pub fn new(id: u64, metadata: &MessageMetadata, payload: &[u8]) -> Entry {
        let metadata_len = metadata.encoded_len();
        let mut body = Vec::with_capacity(4 + metadata_len + payload.len());
        body.put_u32(metadata_len as u32);
        // Encoding into a Vec only fails when it lacks capacity, and it grows on demand.
        let _ = metadata.encode(&mut body);
        body.put_slice(payload);
        let crc = CRC32C.checksum(&body);
        Entry::from_parts(id, Bytes::from(body), crc, metadata)
    }

    /// Rebuilds an entry read back from the log; `None` if its metadata does not decode.
    pub fn decode(id: u64, body: Vec<u8>, crc: u32) -> Option<Entry> {
        let len = u32::from_be_bytes(body.get(..4)?.try_into().ok()?) as usize;
        let metadata = MessageMetadata::decode(body.get(4..4usize.checked_add(len)?)?).ok()?;
        Some(Entry::from_parts(id, Bytes::from(body), crc, &metadata))
    }

    /// An entry from the checksummed section of a SEND (`body`, with its wire checksum
    /// `crc`) and its decoded metadata: stored and delivered without re-encoding.
    pub fn from_wire(id: u64, body: Bytes, crc: u32, metadata: &MessageMetadata) -> Entry {
        Entry::from_parts(id, body, crc, metadata)
    }

    fn from_parts(id: u64, body: Bytes, crc: u32, metadata: &MessageMetadata) -> Entry {
        let key = metadata
            .ordering_key
            .as_deref()
            .or(metadata.partition_key.as_deref().map(str::as_bytes))
            .unwrap_or_default();
        let mut hasher = DefaultHasher::new();
        key.hash(&mut hasher);
        Entry {
            id,
            body,
            crc,
            num_messages: metadata.num_messages_in_batch.unwrap_or(1).max(1) as u32,
            publish_time: metadata.publish_time,
            key_hash: hasher.finish(),
            producer_name: metadata.producer_name.clone(),
            highest_sequence_id: metadata
                .highest_sequence_id
                .unwrap_or(0)
                .max(metadata.sequence_id),
            chunk_id: metadata
                .chunk_id
                .filter(|_| metadata.num_chunks_from_msg.unwrap_or(0) > 1)
                .and_then(|id| u32::try_from(id).ok())
                .unwrap_or(0),
            deliver_at: metadata
                .deliver_at_time
                .and_then(|at| u64::try_from(at).ok()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_decodes_back_to_the_same_fields() {
        let metadata = MessageMetadata {
            producer_name: "p".into(),
            sequence_id: 4,
            publish_time: 99,
            num_messages_in_batch: Some(3),
            highest_sequence_id: Some(6),
            deliver_at_time: Some(1_800_000_000_000),
            ..Default::default()
        };
        let entry = Entry::new(7, &metadata, b"payload");
        let back = Entry::decode(7, entry.body.to_vec(), entry.crc).unwrap();
        assert_eq!(back.num_messages, 3);
        assert_eq!(back.highest_sequence_id, 6);
        assert_eq!(back.publish_time, 99);
        assert_eq!(back.producer_name, "p");
        assert_eq!(back.deliver_at, Some(1_800_000_000_000));
        assert_eq!(back.body, entry.body);
    }

    #[test]
    fn a_garbled_body_does_not_decode() {
        assert!(Entry::decode(0, vec![0, 0, 0, 200, 1], 0).is_none());
        assert!(Entry::decode(0, vec![0, 0], 0).is_none());
    }
}
