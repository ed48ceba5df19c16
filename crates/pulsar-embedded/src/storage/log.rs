//! The message log of one persistent topic: a directory of append-only segment files.
//!
//! Entry ids are positions in the log: segment `00000000000000001234.log` holds entries
//! 1234, 1235, ... in order, each one a [`record`](super::record) whose body is the
//! message exactly as it goes on the wire (`[metadata size][metadata][payload]`), so the
//! record checksum is also the wire checksum and delivery never recomputes it.
//!
//! A segment is closed, and the next one started, once it reaches its size or age limit,
//! and when the log is opened again (as Apache Pulsar opens a new ledger when it loads a
//! topic). Retention (see [`crate::retention`]) deletes whole closed segments.

use std::{
    fs::{self, File, OpenOptions},
    io::{self, Write},
    path::{Path, PathBuf},
};

use super::record;
use crate::{entry::now_millis, retention::SegmentInfo};

/// When the segment being written is closed and a new one started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentLimits {
    /// Once it holds this many bytes.
    pub bytes: u64,
    /// Once it was written to this many milliseconds after it was started.
    pub age_ms: u64,
}

/// One entry read back from disk.
pub struct StoredEntry {
    pub id: u64,
    pub body: Vec<u8>,
    pub crc: u32,
}

/// The appender of a topic's log.
pub struct SegmentLog {
    dir: PathBuf,
    /// Oldest first; the last one is being written.
    segments: Vec<SegmentInfo>,
    active: File,
    /// When the segment being written was started (ms since the epoch).
    active_since: u64,
    limits: SegmentLimits,
    next_id: u64,
}

impl SegmentLog {
    /// Opens (creating if needed) the log in `dir` and reads back every entry, truncating a
    /// torn tail left by a crash. The segment written last is closed if it holds entries,
    /// so that what it holds can be reclaimed once it is no longer needed.
    pub fn open(dir: &Path, limits: SegmentLimits) -> io::Result<(SegmentLog, Vec<StoredEntry>)> {
        fs::create_dir_all(dir)?;
        let mut bases: Vec<u64> = fs::read_dir(dir)?
            .filter_map(|item| item.ok())
            .filter_map(|item| {
                let name = item.file_name().into_string().ok()?;
                name.strip_suffix(".log")?.parse().ok()
            })
            .collect();
        bases.sort_unstable();

        let mut entries = Vec::new();
        let mut segments: Vec<SegmentInfo> = Vec::new();
        let mut next_id = bases.first().copied().unwrap_or(0);
        let mut broken = false;
        for base in bases {
            let path = segment_path(dir, base);
            if broken || base != next_id {
                // After a truncated segment (or a gap), later segments would leave a hole in
                // the entry ids: their content cannot be trusted to follow on.
                tracing::warn!(path = %path.display(), "dropping log segment after a gap");
                fs::remove_file(&path)?;
                broken = true;
                continue;
            }
            let data = fs::read(&path)?;
            let scan = record::read_records(&data);
            for (index, (body, crc)) in scan.records.iter().enumerate() {
                entries.push(StoredEntry {
                    id: base + index as u64,
                    body: body.to_vec(),
                    crc: *crc,
                });
            }
            let count = scan.records.len() as u64;
            if scan.valid_len < data.len() {
                tracing::warn!(
                    path = %path.display(),
                    valid = scan.valid_len,
                    size = data.len(),
                    "truncating the torn tail of a log segment"
                );
                let file = OpenOptions::new().write(true).open(&path)?;
                file.set_len(scan.valid_len as u64)?;
                file.sync_all()?;
                broken = true;
            }
            next_id = base + count;
            // A closed segment's time is when it was last written to.
            let closed_at = fs::metadata(&path)?
                .modified()
                .ok()
                .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or_else(now_millis, |since| since.as_millis() as u64);
            segments.push(SegmentInfo {
                base,
                entries: count,
                bytes: scan.valid_len as u64,
                closed_at: Some(closed_at),
            });
        }

        // An empty last segment is written on; otherwise a new one starts.
        match segments.last_mut() {
            Some(last) if last.entries == 0 => last.closed_at = None,
            _ => {
                File::create(segment_path(dir, next_id))?;
                sync_dir(dir)?;
                segments.push(SegmentInfo {
                    base: next_id,
                    entries: 0,
                    bytes: 0,
                    closed_at: None,
                });
            }
        }
        let active = OpenOptions::new()
            .append(true)
            .open(segment_path(dir, next_id))?;
        Ok((
            SegmentLog {
                dir: dir.to_path_buf(),
                segments,
                active,
                active_since: now_millis(),
                limits,
                next_id,
            },
            entries,
        ))
    }

    /// The first entry still stored (`next_id()` when none is).
    pub fn first_id(&self) -> u64 {
        self.segments.first().map_or(self.next_id, |s| s.base)
    }

    /// The segments, oldest first, the last one being written.
    pub fn segments(&self) -> &[SegmentInfo] {
        &self.segments
    }

    /// The id the next appended entry gets.
    pub fn next_id(&self) -> u64 {
        self.next_id
    }

    /// Appends entries, which must carry the ids `next_id()`, `next_id() + 1`, ...
    /// Nothing is durable before [`SegmentLog::sync`].
    pub fn append<'a>(&mut self, entries: impl Iterator<Item = (&'a [u8], u32)>) -> io::Result<()> {
        let now = now_millis();
        self.roll_if_full(now)?;
        let mut buf = Vec::new();
        let mut count = 0;
        for (body, crc) in entries {
            // A group that fills the segment continues in the next one.
            let active_bytes = self.segments.last().map_or(0, |s| s.bytes);
            if count > 0 && active_bytes + buf.len() as u64 >= self.limits.bytes {
                self.write_active(&buf, count)?;
                buf.clear();
                count = 0;
                self.roll(now)?;
            }
            record::encode_with_crc(&mut buf, body, crc);
            count += 1;
        }
        self.write_active(&buf, count)
    }

    fn write_active(&mut self, buf: &[u8], count: u64) -> io::Result<()> {
        self.active.write_all(buf)?;
        self.next_id += count;
        if let Some(segment) = self.segments.last_mut() {
            segment.entries += count;
            segment.bytes += buf.len() as u64;
        }
        Ok(())
    }

    /// Closes the segment being written, and starts the next one, if it holds entries and
    /// reached its size or age limit.
    pub fn roll_if_full(&mut self, now: u64) -> io::Result<()> {
        let Some(active) = self.segments.last() else {
            return Ok(());
        };
        let full = active.bytes >= self.limits.bytes
            || now.saturating_sub(self.active_since) >= self.limits.age_ms;
        if active.entries > 0 && full {
            self.roll(now)?;
        }
        Ok(())
    }

    /// Makes every appended entry durable.
    pub fn sync(&mut self) -> io::Result<()> {
        self.active.sync_data()
    }

    /// Deletes the `count` oldest segments (never the one being written); returns the
    /// first entry still stored.
    pub fn delete_oldest(&mut self, count: usize) -> io::Result<u64> {
        let count = count.min(self.segments.len().saturating_sub(1));
        for segment in self.segments.drain(..count) {
            fs::remove_file(segment_path(&self.dir, segment.base))?;
        }
        Ok(self.first_id())
    }

    fn roll(&mut self, now: u64) -> io::Result<()> {
        self.active.sync_data()?;
        let path = segment_path(&self.dir, self.next_id);
        self.active = OpenOptions::new().create(true).append(true).open(&path)?;
        // The new file's directory entry must be durable before entries in it are reported
        // durable.
        sync_dir(&self.dir)?;
        if let Some(closed) = self.segments.last_mut() {
            closed.closed_at = Some(now);
        }
        self.active_since = now;
        self.segments.push(SegmentInfo {
            base: self.next_id,
            entries: 0,
            bytes: 0,
            closed_at: None,
        });
        Ok(())
    }
}

/// Reads back the stored entries `from..to` of the log in `dir`, whose segments are
/// `segments`, without disturbing its writer (segments are append-only, and entries
/// before the one being written are complete). A segment deleted meanwhile by retention
/// is skipped: its entries are gone.
pub fn read_range(
    dir: &Path,
    segments: &[SegmentInfo],
    from: u64,
    to: u64,
) -> io::Result<Vec<StoredEntry>> {
    let mut entries = Vec::new();
    for segment in segments {
        // The count of the segment being written may be behind: only closed ones are
        // skipped by it.
        let closed = segment.closed_at.is_some();
        if segment.base >= to || (closed && segment.base + segment.entries <= from) {
            continue;
        }
        let data = match fs::read(segment_path(dir, segment.base)) {
            Ok(data) => data,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        let scan = record::read_records(&data);
        for (index, (body, crc)) in scan.records.iter().enumerate() {
            let id = segment.base + index as u64;
            if id >= from && id < to {
                entries.push(StoredEntry {
                    id,
                    body: body.to_vec(),
                    crc: *crc,
                });
            }
        }
    }
    Ok(entries)
}

fn segment_path(dir: &Path, base: u64) -> PathBuf {
    dir.join(format!("{base:020}.log"))
}

/// fsyncs a directory, so that files created or renamed in it survive a crash.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: SegmentLimits = SegmentLimits {
        bytes: 1024,
        age_ms: u64::MAX,
    };

    fn bodies(entries: &[StoredEntry]) -> Vec<(u64, Vec<u8>)> {
        entries.iter().map(|e| (e.id, e.body.clone())).collect()
    }

    fn append(log: &mut SegmentLog, body: &[u8]) {
        let crc = record::CRC32C.checksum(body);
        log.append(std::iter::once((body, crc))).unwrap();
    }

    #[test]
    fn appended_entries_are_read_back_with_their_ids_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let (mut log, entries) = SegmentLog::open(dir.path(), LIMITS).unwrap();
        assert!(entries.is_empty());
        append(&mut log, b"a");
        append(&mut log, b"b");
        log.sync().unwrap();
        drop(log);
        let (log, entries) = SegmentLog::open(dir.path(), LIMITS).unwrap();
        assert_eq!(
            bodies(&entries),
            vec![(0, b"a".to_vec()), (1, b"b".to_vec())]
        );
        assert_eq!(log.next_id(), 2);
    }

    #[test]
    fn a_torn_tail_is_truncated_and_appending_continues_after_the_valid_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let (mut log, _) = SegmentLog::open(dir.path(), LIMITS).unwrap();
        append(&mut log, b"kept");
        log.sync().unwrap();
        drop(log);
        let segment = segment_path(dir.path(), 0);
        let mut file = OpenOptions::new().append(true).open(&segment).unwrap();
        file.write_all(&[0, 0, 0, 9, 1, 2]).unwrap();
        drop(file);

        let (mut log, entries) = SegmentLog::open(dir.path(), LIMITS).unwrap();
        assert_eq!(bodies(&entries), vec![(0, b"kept".to_vec())]);
        append(&mut log, b"next");
        log.sync().unwrap();
        drop(log);
        let (_, entries) = SegmentLog::open(dir.path(), LIMITS).unwrap();
        assert_eq!(
            bodies(&entries),
            vec![(0, b"kept".to_vec()), (1, b"next".to_vec())]
        );
    }

    #[test]
    fn a_range_is_read_back_across_segments_while_the_log_is_open() {
        let dir = tempfile::tempdir().unwrap();
        let limits = SegmentLimits {
            bytes: 10,
            age_ms: u64::MAX,
        };
        let (mut log, _) = SegmentLog::open(dir.path(), limits).unwrap();
        for body in [&b"zero-entry"[..], b"one-entry", b"two-entry", b"three"] {
            append(&mut log, body);
        }
        log.sync().unwrap();
        assert!(log.segments().len() >= 3);
        let read = read_range(dir.path(), log.segments(), 1, 3).unwrap();
        assert_eq!(
            bodies(&read),
            vec![(1, b"one-entry".to_vec()), (2, b"two-entry".to_vec())]
        );
        log.delete_oldest(1).unwrap();
        let gone = SegmentInfo {
            base: 0,
            entries: 1,
            bytes: 18,
            closed_at: Some(0),
        };
        let read = read_range(dir.path(), &[gone], 0, 4).unwrap();
        assert!(read.is_empty(), "a deleted segment reads as gone");
    }

    #[test]
    fn deleting_segments_never_deletes_the_one_being_written() {
        let dir = tempfile::tempdir().unwrap();
        let (mut log, _) = SegmentLog::open(dir.path(), LIMITS).unwrap();
        append(&mut log, b"old");
        log.roll(0).unwrap();
        append(&mut log, b"new");
        assert_eq!(log.delete_oldest(5).unwrap(), 1);
        log.sync().unwrap();
        drop(log);
        let (log, entries) = SegmentLog::open(dir.path(), LIMITS).unwrap();
        assert_eq!(bodies(&entries), vec![(1, b"new".to_vec())]);
        assert_eq!(log.next_id(), 2);
        assert_eq!(log.first_id(), 1);
    }

    #[test]
    fn a_segment_rolls_at_its_size_or_age_and_when_the_log_is_opened_again() {
        let dir = tempfile::tempdir().unwrap();
        let limits = SegmentLimits {
            bytes: 100,
            age_ms: 60_000,
        };
        let (mut log, _) = SegmentLog::open(dir.path(), limits).unwrap();
        log.roll_if_full(0).unwrap();
        assert_eq!(log.segments().len(), 1, "an empty segment never rolls");
        append(&mut log, &[0; 120]);
        append(&mut log, b"second segment");
        let segments = log.segments();
        assert_eq!(segments.len(), 2);
        assert_eq!((segments[0].entries, segments[0].bytes), (1, 128));
        assert!(segments[0].closed_at.is_some() && segments[1].closed_at.is_none());

        log.roll_if_full(log.active_since + 59_999).unwrap();
        assert_eq!(log.segments().len(), 2);
        log.roll_if_full(log.active_since + 60_000).unwrap();
        assert_eq!(log.segments().len(), 3);
        append(&mut log, b"third");
        log.sync().unwrap();
        drop(log);

        let (log, entries) = SegmentLog::open(dir.path(), limits).unwrap();
        assert_eq!(entries.len(), 3);
        let segments = log.segments();
        assert_eq!(
            segments.iter().map(|s| s.base).collect::<Vec<_>>(),
            vec![0, 1, 2, 3]
        );
        assert!(
            segments[2].closed_at.is_some(),
            "reopening closes the last one"
        );
    }
}
