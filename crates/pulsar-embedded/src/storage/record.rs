//! Length + CRC framing shared by every append-only file of the broker.
//!
//! A record is `[u32 body length][u32 crc32c(body)][body]`, big-endian. A process killed in
//! the middle of an append leaves a torn tail: a short header, a short body or a body whose
//! checksum does not match. [`read_records`] stops at the first such record and reports
//! where the valid prefix ends, so that recovery can truncate the file there.

use bytes::BufMut;

/// CRC32-C (Castagnoli), the checksum Pulsar puts on the wire. Slice-by-16 tables because
/// every published byte goes through it once.
pub const CRC32C: crc::Crc<u32, crc::Table<16>> =
    crc::Crc::<u32, crc::Table<16>>::new(&crc::CRC_32_ISCSI);

/// Bytes before the body of a record.
pub const HEADER_LEN: usize = 8;

/// Appends one framed record to `out`, with a checksum already computed over `body`.
pub fn encode_with_crc(out: &mut Vec<u8>, body: &[u8], crc: u32) {
    out.reserve(HEADER_LEN + body.len());
    out.put_u32(body.len() as u32);
    out.put_u32(crc);
    out.put_slice(body);
}

/// Appends one framed record to `out`.
pub fn encode(out: &mut Vec<u8>, body: &[u8]) {
    encode_with_crc(out, body, CRC32C.checksum(body));
}

/// The records of a file, and the length of its valid prefix.
pub struct Scan<'a> {
    /// Each valid record's body with its checksum.
    pub records: Vec<(&'a [u8], u32)>,
    /// Offset just past the last valid record: anything after it is a torn or corrupt tail.
    pub valid_len: usize,
}

/// Reads records from the start of `data` until the end or the first invalid record.
pub fn read_records(data: &[u8]) -> Scan<'_> {
    let mut records = Vec::new();
    let mut offset = 0;
    while data.len() - offset >= HEADER_LEN {
        let len = u32::from_be_bytes([
            data[offset],
            data[offset + 1],
            data[offset + 2],
            data[offset + 3],
        ]) as usize;
        let crc = u32::from_be_bytes([
            data[offset + 4],
            data[offset + 5],
            data[offset + 6],
            data[offset + 7],
        ]);
        let start = offset + HEADER_LEN;
        let Some(end) = start.checked_add(len).filter(|end| *end <= data.len()) else {
            break;
        };
        let body = &data[start..end];
        if CRC32C.checksum(body) != crc {
            break;
        }
        records.push((body, crc));
        offset = end;
    }
    Scan {
        records,
        valid_len: offset,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_back_in_order() {
        let mut file = Vec::new();
        encode(&mut file, b"one");
        encode(&mut file, b"");
        encode(&mut file, b"three");
        let scan = read_records(&file);
        let bodies: Vec<&[u8]> = scan.records.iter().map(|(body, _)| *body).collect();
        assert_eq!(bodies, vec![&b"one"[..], b"", b"three"]);
        assert_eq!(scan.valid_len, file.len());
    }

    #[test]
    fn a_torn_tail_is_reported_as_the_end_of_the_valid_prefix() {
        let mut file = Vec::new();
        encode(&mut file, b"kept");
        let kept = file.len();
        encode(&mut file, b"torn record");
        for cut in kept..file.len() {
            let scan = read_records(&file[..cut]);
            assert_eq!(scan.records.len(), 1);
            assert_eq!(scan.valid_len, kept);
        }
    }

    #[test]
    fn a_flipped_bit_stops_the_scan_at_that_record() {
        let mut file = Vec::new();
        encode(&mut file, b"good");
        let good = file.len();
        encode(&mut file, b"bad");
        encode(&mut file, b"after");
        file[good + HEADER_LEN] ^= 1;
        let scan = read_records(&file);
        assert_eq!(scan.records.len(), 1);
        assert_eq!(scan.valid_len, good);
    }
}
