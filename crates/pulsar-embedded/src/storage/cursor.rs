//! Subscription cursors: what each subscription acknowledged, and the journal that makes
//! it durable.
//!
//! A cursor is a mark-delete position (every entry below it is acknowledged), the set of
//! entries acknowledged above it, and, for batch entries acknowledged message by message,
//! which messages of the batch are done. Every change is appended to the topic's cursor
//! journal as a small record; when the journal grows, it is rewritten as a snapshot.

use std::{
    collections::{BTreeSet, HashMap},
    fs::{self, File, OpenOptions},
    io::{self, Write},
    path::{Path, PathBuf},
};

use bytes::{Buf, BufMut};

use super::{log::sync_dir, record};

/// The durable position of one subscription.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursor {
    mark_delete: u64,
    acked: BTreeSet<u64>,
    /// Batch entries partly acknowledged: one bit per message of the batch, set when acked.
    batch_acks: HashMap<u64, Vec<u64>>,
}

/// One change to the cursors of a topic, as written in the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CursorRecord {
    /// The subscription was created, or reset by a seek, at this position.
    Create { sub: String, mark_delete: u64 },
    /// The subscription was removed.
    Delete { sub: String },
    /// One whole entry was acknowledged.
    Ack { sub: String, entry: u64 },
    /// Every entry below `mark_delete` was acknowledged.
    MarkDelete { sub: String, mark_delete: u64 },
    /// Some messages of a batch entry were acknowledged: the bits set in `acked`.
    BatchAck {
        sub: String,
        entry: u64,
        acked: Vec<u64>,
    },
}

impl Cursor {
    /// A cursor with nothing acknowledged from `mark_delete` on.
    pub fn at(mark_delete: u64) -> Self {
        Cursor {
            mark_delete,
            ..Cursor::default()
        }
    }

    /// The first entry that may still be unacknowledged.
    pub fn mark_delete(&self) -> u64 {
        self.mark_delete
    }

    /// Whether the whole entry is acknowledged.
    pub fn is_acked(&self, entry: u64) -> bool {
        entry < self.mark_delete || self.acked.contains(&entry)
    }

    /// The messages of a partly acknowledged batch entry that are done (one bit each).
    pub fn batch_acked(&self, entry: u64) -> Option<&[u64]> {
        self.batch_acks.get(&entry).map(Vec::as_slice)
    }

    /// How many entries from `from` (inclusive) to `end` (exclusive) are acknowledged
    /// individually above the mark-delete position.
    pub fn acked_between(&self, from: u64, end: u64) -> u64 {
        self.acked.range(from..end).count() as u64
    }

    /// Acknowledges one whole entry. Returns false if it already was.
    pub fn ack(&mut self, entry: u64) -> bool {
        if self.is_acked(entry) {
            return false;
        }
        self.batch_acks.remove(&entry);
        self.acked.insert(entry);
        self.advance();
        true
    }

    /// Acknowledges every entry below `mark_delete`. Returns false if nothing changed.
    pub fn ack_below(&mut self, mark_delete: u64) -> bool {
        if mark_delete <= self.mark_delete {
            return false;
        }
        self.mark_delete = mark_delete;
        self.acked = self.acked.split_off(&mark_delete);
        self.batch_acks.retain(|entry, _| *entry >= mark_delete);
        self.advance();
        true
    }

    /// Marks messages of a batch entry of `num_messages` acknowledged (`acked` holds one
    /// bit per message). Returns true when the entry is now acknowledged as a whole
    /// (which it may already have been).
    pub fn ack_batch(&mut self, entry: u64, num_messages: u32, acked: &[u64]) -> bool {
        self.merge_batch(entry, num_messages, |bits| {
            for (word, new) in bits.iter_mut().zip(acked) {
                *word |= new;
            }
        })
    }

    /// Marks message `index` of a batch entry of `num_messages` acknowledged: the
    /// allocation-free [`Cursor::ack_batch`] for the common one-message ack.
    pub fn ack_batch_message(&mut self, entry: u64, num_messages: u32, index: u32) -> bool {
        self.merge_batch(entry, num_messages, |bits| {
            if let Some(word) = bits.get_mut(index as usize / 64) {
                *word |= 1 << (index % 64);
            }
        })
    }

    fn merge_batch(
        &mut self,
        entry: u64,
        num_messages: u32,
        merge: impl FnOnce(&mut [u64]),
    ) -> bool {
        if self.is_acked(entry) {
            return true;
        }
        let words = (num_messages as usize).div_ceil(64);
        let bits = self
            .batch_acks
            .entry(entry)
            .or_insert_with(|| vec![0; words]);
        // A journal record or a client may carry fewer words than the batch needs.
        bits.resize(words.max(bits.len()), 0);
        merge(bits);
        // Counting set bits, a word at a time (bits past the batch's end do not count:
        // an ack_set's complement sets them), keeps acking a batch of n messages one by
        // one O(n) rather than O(n²).
        let tail = num_messages as usize % 64;
        let done: u32 = bits
            .iter()
            .take(words)
            .enumerate()
            .map(|(i, word)| {
                let word = if i + 1 == words && tail != 0 {
                    word & ((1u64 << tail) - 1)
                } else {
                    *word
                };
                word.count_ones()
            })
            .sum();
        if done >= num_messages {
            self.ack(entry);
            true
        } else {
            false
        }
    }

    /// Applies one journal record addressed to this cursor.
    fn apply(&mut self, record: &CursorRecord) {
        match record {
            CursorRecord::Create { mark_delete, .. } => *self = Cursor::at(*mark_delete),
            CursorRecord::Delete { .. } => {}
            CursorRecord::Ack { entry, .. } => {
                self.ack(*entry);
            }
            CursorRecord::MarkDelete { mark_delete, .. } => {
                self.ack_below(*mark_delete);
            }
            CursorRecord::BatchAck { entry, acked, .. } => {
                if !self.is_acked(*entry) {
                    self.batch_acks.insert(*entry, acked.clone());
                }
            }
        }
    }

    /// The records that rebuild this cursor from nothing.
    pub fn snapshot(&self, sub: &str) -> Vec<CursorRecord> {
        let mut records = vec![CursorRecord::Create {
            sub: sub.to_string(),
            mark_delete: self.mark_delete,
        }];
        records.extend(self.acked.iter().map(|entry| CursorRecord::Ack {
            sub: sub.to_string(),
            entry: *entry,
        }));
        records.extend(
            self.batch_acks
                .iter()
                .map(|(entry, acked)| CursorRecord::BatchAck {
                    sub: sub.to_string(),
                    entry: *entry,
                    acked: acked.clone(),
                }),
        );
        records
    }

    fn advance(&mut self) {
        while self.acked.remove(&self.mark_delete) {
            self.batch_acks.remove(&self.mark_delete);
            self.mark_delete += 1;
        }
    }
}

impl CursorRecord {
    fn sub(&self) -> &str {
        match self {
            CursorRecord::Create { sub, .. }
            | CursorRecord::Delete { sub }
            | CursorRecord::Ack { sub, .. }
            | CursorRecord::MarkDelete { sub, .. }
            | CursorRecord::BatchAck { sub, .. } => sub,
        }
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32);
        let (tag, sub) = match self {
            CursorRecord::Create { sub, .. } => (1, sub),
            CursorRecord::Delete { sub } => (2, sub),
            CursorRecord::Ack { sub, .. } => (3, sub),
            CursorRecord::MarkDelete { sub, .. } => (4, sub),
            CursorRecord::BatchAck { sub, .. } => (5, sub),
        };
        out.put_u8(tag);
        out.put_u32(sub.len() as u32);
        out.put_slice(sub.as_bytes());
        match self {
            CursorRecord::Create { mark_delete, .. }
            | CursorRecord::MarkDelete { mark_delete, .. } => out.put_u64(*mark_delete),
            CursorRecord::Delete { .. } => {}
            CursorRecord::Ack { entry, .. } => out.put_u64(*entry),
            CursorRecord::BatchAck { entry, acked, .. } => {
                out.put_u64(*entry);
                out.put_u32(acked.len() as u32);
                for word in acked {
                    out.put_u64(*word);
                }
            }
        }
        out
    }

    fn decode(mut body: &[u8]) -> Option<CursorRecord> {
        if body.remaining() < 5 {
            return None;
        }
        let tag = body.get_u8();
        let len = body.get_u32() as usize;
        if body.remaining() < len {
            return None;
        }
        let sub = String::from_utf8(body[..len].to_vec()).ok()?;
        body.advance(len);
        let u64_field = |body: &mut &[u8]| (body.remaining() >= 8).then(|| body.get_u64());
        Some(match tag {
            1 => CursorRecord::Create {
                sub,
                mark_delete: u64_field(&mut body)?,
            },
            2 => CursorRecord::Delete { sub },
            3 => CursorRecord::Ack {
                sub,
                entry: u64_field(&mut body)?,
            },
            4 => CursorRecord::MarkDelete {
                sub,
                mark_delete: u64_field(&mut body)?,
            },
            5 => {
                let entry = u64_field(&mut body)?;
                if body.remaining() < 4 {
                    return None;
                }
                let words = body.get_u32() as usize;
                if body.remaining() < words.checked_mul(8)? {
                    return None;
                }
                let acked = (0..words).map(|_| body.get_u64()).collect();
                CursorRecord::BatchAck { sub, entry, acked }
            }
            _ => return None,
        })
    }
}

/// Rewrite the journal as a snapshot once it grows past this size.
const COMPACT_BYTES: u64 = 8 * 1024 * 1024;

/// The cursor journal of one topic.
pub struct CursorJournal {
    path: PathBuf,
    file: File,
    len: u64,
}

impl CursorJournal {
    /// Opens (creating if needed) the journal and replays it into cursors by subscription.
    pub fn open(path: &Path) -> io::Result<(CursorJournal, HashMap<String, Cursor>)> {
        let data = match fs::read(path) {
            Ok(data) => data,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e),
        };
        let scan = record::read_records(&data);
        let mut cursors: HashMap<String, Cursor> = HashMap::new();
        for (body, _) in &scan.records {
            let Some(record) = CursorRecord::decode(body) else {
                tracing::warn!(path = %path.display(), "skipping an undecodable cursor record");
                continue;
            };
            match &record {
                CursorRecord::Delete { sub } => {
                    cursors.remove(sub);
                }
                CursorRecord::Create { sub, .. } => {
                    cursors.entry(sub.clone()).or_default().apply(&record);
                }
                other => {
                    if let Some(cursor) = cursors.get_mut(other.sub()) {
                        cursor.apply(other);
                    }
                }
            }
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        if scan.valid_len < data.len() {
            tracing::warn!(path = %path.display(), "truncating the torn tail of a cursor journal");
            file.set_len(scan.valid_len as u64)?;
            file.sync_all()?;
        }
        Ok((
            CursorJournal {
                path: path.to_path_buf(),
                file,
                len: scan.valid_len as u64,
            },
            cursors,
        ))
    }

    /// Whether the journal is big enough to be rewritten as a snapshot.
    pub fn wants_compaction(&self) -> bool {
        self.len >= COMPACT_BYTES
    }

    /// Appends records; nothing is durable before [`CursorJournal::sync`].
    pub fn append(&mut self, records: &[CursorRecord]) -> io::Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let mut buf = Vec::new();
        for r in records {
            record::encode(&mut buf, &r.encode());
        }
        self.file.write_all(&buf)?;
        self.len += buf.len() as u64;
        Ok(())
    }

    /// Makes every appended record durable.
    pub fn sync(&mut self) -> io::Result<()> {
        self.file.sync_data()
    }

    /// Replaces the journal by `snapshot` (durably: write aside, fsync, rename).
    pub fn rewrite(&mut self, snapshot: &[CursorRecord]) -> io::Result<()> {
        let tmp = self.path.with_extension("tmp");
        let mut buf = Vec::new();
        for r in snapshot {
            record::encode(&mut buf, &r.encode());
        }
        let mut file = File::create(&tmp)?;
        file.write_all(&buf)?;
        file.sync_all()?;
        fs::rename(&tmp, &self.path)?;
        if let Some(dir) = self.path.parent() {
            sync_dir(dir)?;
        }
        self.file = OpenOptions::new().append(true).open(&self.path)?;
        self.len = buf.len() as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub() -> String {
        "sub".to_string()
    }

    #[test]
    fn individual_acks_advance_the_mark_delete_position_over_contiguous_entries() {
        let mut cursor = Cursor::at(0);
        cursor.ack(1);
        assert_eq!(cursor.mark_delete(), 0);
        assert!(cursor.is_acked(1) && !cursor.is_acked(0));
        cursor.ack(0);
        assert_eq!(cursor.mark_delete(), 2);
    }

    #[test]
    fn a_batch_entry_is_acked_once_every_message_in_it_is() {
        let mut cursor = Cursor::at(0);
        assert!(!cursor.ack_batch(0, 3, &[0b001]));
        assert_eq!(cursor.batch_acked(0), Some(&[0b001][..]));
        assert!(!cursor.ack_batch_message(0, 3, 2));
        assert_eq!(cursor.batch_acked(0), Some(&[0b101][..]));
        assert!(cursor.ack_batch(0, 3, &[0b010]));
        assert_eq!(cursor.mark_delete(), 1);
        assert!(cursor.ack_batch_message(0, 3, 1), "already acked");
    }

    #[test]
    fn the_journal_replays_to_the_same_cursors_and_survives_compaction() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cursors");
        let (mut journal, cursors) = CursorJournal::open(&path).unwrap();
        assert!(cursors.is_empty());
        let mut expected = Cursor::at(5);
        expected.ack(7);
        expected.ack_batch(9, 70, &[1, 1 << 5]);
        journal
            .append(&[
                CursorRecord::Create {
                    sub: sub(),
                    mark_delete: 5,
                },
                CursorRecord::Ack {
                    sub: sub(),
                    entry: 7,
                },
                CursorRecord::BatchAck {
                    sub: sub(),
                    entry: 9,
                    acked: vec![1, 1 << 5],
                },
                CursorRecord::Create {
                    sub: "gone".into(),
                    mark_delete: 0,
                },
                CursorRecord::Delete { sub: "gone".into() },
            ])
            .unwrap();
        journal.sync().unwrap();
        let (mut journal, cursors) = CursorJournal::open(&path).unwrap();
        assert_eq!(cursors.len(), 1);
        assert_eq!(cursors["sub"], expected);

        journal.rewrite(&expected.snapshot("sub")).unwrap();
        journal
            .append(&[CursorRecord::MarkDelete {
                sub: sub(),
                mark_delete: 8,
            }])
            .unwrap();
        journal.sync().unwrap();
        let (_, cursors) = CursorJournal::open(&path).unwrap();
        expected.ack_below(8);
        assert_eq!(cursors["sub"], expected);
        assert_eq!(cursors["sub"].mark_delete(), 8);
    }
}
