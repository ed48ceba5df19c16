//! The message log of one persistent topic: a directory of append-only segment files.
//!
//! Entry ids are positions in the log: segment `00000000000000001234.log` holds entries
//! 1234, 1235, ... in order, each one a [`record`](super::record) whose body is the
//! message exactly as it goes on the wire (`[metadata size][metadata][payload]`), so the
//! record checksum is also the wire checksum and delivery never recomputes it. Whole
//! segments are deleted once every subscription acknowledged all their entries.

use std::{
    fs::{self, File, OpenOptions},
    io::{self, Write},
    path::{Path, PathBuf},
};

use super::record;

/// A segment is closed, and a new one started, once it grows past this size.
const SEGMENT_BYTES: u64 = 64 * 1024 * 1024;

/// One entry read back from disk.
pub struct StoredEntry {
    pub id: u64,
    pub body: Vec<u8>,
    pub crc: u32,
}

struct Segment {
    base: u64,
    path: PathBuf,
    count: u64,
}

/// The appender of a topic's log.
pub struct SegmentLog {
    dir: PathBuf,
    segments: Vec<Segment>,
    active: File,
    active_len: u64,
    next_id: u64,
}

impl SegmentLog {
    /// Opens (creating if needed) the log in `dir` and reads back every entry, truncating a
    /// torn tail left by a crash.
    pub fn open(dir: &Path) -> io::Result<(SegmentLog, Vec<StoredEntry>)> {
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
        let mut segments: Vec<Segment> = Vec::new();
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
            segments.push(Segment { base, path, count });
        }

        if segments.is_empty() {
            let path = segment_path(dir, next_id);
            File::create(&path)?;
            sync_dir(dir)?;
            segments.push(Segment {
                base: next_id,
                path,
                count: 0,
            });
        }
        let last = segments.last().map(|s| s.path.clone()).unwrap_or_default();
        let active = OpenOptions::new().append(true).open(&last)?;
        let active_len = active.metadata()?.len();
        Ok((
            SegmentLog {
                dir: dir.to_path_buf(),
                segments,
                active,
                active_len,
                next_id,
            },
            entries,
        ))
    }

    /// The id the next appended entry gets.
    pub fn next_id(&self) -> u64 {
        self.next_id
    }

    /// Appends entries, which must carry the ids `next_id()`, `next_id() + 1`, ...
    /// Nothing is durable before [`SegmentLog::sync`].
    pub fn append<'a>(&mut self, entries: impl Iterator<Item = (&'a [u8], u32)>) -> io::Result<()> {
        if self.active_len >= SEGMENT_BYTES {
            self.roll()?;
        }
        let mut buf = Vec::new();
        let mut count = 0;
        for (body, crc) in entries {
            record::encode_with_crc(&mut buf, body, crc);
            count += 1;
        }
        self.active.write_all(&buf)?;
        self.active_len += buf.len() as u64;
        self.next_id += count;
        if let Some(segment) = self.segments.last_mut() {
            segment.count += count;
        }
        Ok(())
    }

    /// Makes every appended entry durable.
    pub fn sync(&mut self) -> io::Result<()> {
        self.active.sync_data()
    }

    /// Deletes the closed segments whose entries are all below `first_needed`.
    pub fn trim(&mut self, first_needed: u64) -> io::Result<()> {
        while self.segments.len() > 1 {
            let first = &self.segments[0];
            if first.base + first.count > first_needed {
                break;
            }
            fs::remove_file(&first.path)?;
            self.segments.remove(0);
        }
        Ok(())
    }

    fn roll(&mut self) -> io::Result<()> {
        self.active.sync_data()?;
        let path = segment_path(&self.dir, self.next_id);
        self.active = OpenOptions::new().create(true).append(true).open(&path)?;
        // The new file's directory entry must be durable before entries in it are reported
        // durable.
        sync_dir(&self.dir)?;
        self.active_len = 0;
        self.segments.push(Segment {
            base: self.next_id,
            path,
            count: 0,
        });
        Ok(())
    }
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
        let (mut log, entries) = SegmentLog::open(dir.path()).unwrap();
        assert!(entries.is_empty());
        append(&mut log, b"a");
        append(&mut log, b"b");
        log.sync().unwrap();
        drop(log);
        let (log, entries) = SegmentLog::open(dir.path()).unwrap();
        assert_eq!(
            bodies(&entries),
            vec![(0, b"a".to_vec()), (1, b"b".to_vec())]
        );
        assert_eq!(log.next_id(), 2);
    }

    #[test]
    fn a_torn_tail_is_truncated_and_appending_continues_after_the_valid_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let (mut log, _) = SegmentLog::open(dir.path()).unwrap();
        append(&mut log, b"kept");
        log.sync().unwrap();
        drop(log);
        let segment = segment_path(dir.path(), 0);
        let mut file = OpenOptions::new().append(true).open(&segment).unwrap();
        file.write_all(&[0, 0, 0, 9, 1, 2]).unwrap();
        drop(file);

        let (mut log, entries) = SegmentLog::open(dir.path()).unwrap();
        assert_eq!(bodies(&entries), vec![(0, b"kept".to_vec())]);
        append(&mut log, b"next");
        log.sync().unwrap();
        drop(log);
        let (_, entries) = SegmentLog::open(dir.path()).unwrap();
        assert_eq!(
            bodies(&entries),
            vec![(0, b"kept".to_vec()), (1, b"next".to_vec())]
        );
    }

    #[test]
    fn trimming_keeps_the_segment_that_holds_needed_entries() {
        let dir = tempfile::tempdir().unwrap();
        let (mut log, _) = SegmentLog::open(dir.path()).unwrap();
        append(&mut log, b"old");
        log.roll().unwrap();
        append(&mut log, b"new");
        log.trim(1).unwrap();
        log.sync().unwrap();
        drop(log);
        let (log, entries) = SegmentLog::open(dir.path()).unwrap();
        assert_eq!(bodies(&entries), vec![(1, b"new".to_vec())]);
        assert_eq!(log.next_id(), 2);
    }
}
