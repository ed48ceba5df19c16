//! The framing of a connection: Pulsar's codec, guarded against hostile input, and a fast
//! path for MESSAGE frames.
//!
//! Inbound, [`InboundCodec`] checks the announced frame size before buffering anything, so
//! an oversize or garbled length cannot make the broker allocate without bound, and it
//! turns a SEND that cannot be accepted (too large, bad checksum) into
//! [`Inbound::RejectedSend`] so that only that send fails. Frames are decoded here, with
//! the `pulsar` crate's protobuf types. Outbound, stored entries are written as they are kept, with
//! their precomputed checksum, instead of re-encoding their metadata for every delivery.

use std::sync::Arc;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use prost::Message as _;
use pulsar::message::proto;
use tokio_util::codec::{Decoder, Encoder};

use crate::{entry::Entry, storage::record::CRC32C};

/// The magic number before a payload's CRC32-C checksum.
const MAGIC_CRC32C: u16 = 0x0e01;

/// A frame received from a client.
#[derive(Debug)]
pub enum Inbound {
    /// Any command but a SEND.
    Command(Box<proto::BaseCommand>),
    /// A SEND whose checksum matched.
    Send(Box<SendFrame>),
    /// A SEND that is refused without reading it (oversize) or whose checksum is wrong.
    RejectedSend {
        producer_id: u64,
        sequence_id: u64,
        error: proto::ServerError,
        reason: String,
    },
}

/// A SEND as it arrived, checksum verified.
#[derive(Debug)]
pub struct SendFrame {
    pub send: proto::CommandSend,
    pub metadata: proto::MessageMetadata,
    /// `[u32 metadata size][metadata][payload]`, the section the wire checksum covers,
    /// which is also how the broker stores and delivers an entry.
    pub body: Bytes,
    /// The wire checksum of `body`.
    pub crc: u32,
    /// Where the payload starts in `body`.
    pub payload_offset: usize,
}

/// Why a connection's input cannot be read any further.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    #[error("malformed frame: {0}")]
    Malformed(String),
    #[error("frame of {size} bytes is over the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
}

/// Decoder of client frames.
pub struct InboundCodec {
    max_frame: usize,
    /// Bytes of a refused oversize frame still to be discarded.
    skipping: usize,
}

impl InboundCodec {
    pub fn new(max_frame: usize) -> Self {
        InboundCodec {
            max_frame,
            skipping: 0,
        }
    }
}

/// Largest command part (without payload) read from an oversize frame to answer it.
const MAX_COMMAND: usize = 64 * 1024;

impl Decoder for InboundCodec {
    type Item = Inbound;
    type Error = FrameError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Inbound>, FrameError> {
        if self.skipping > 0 {
            let n = self.skipping.min(src.len());
            src.advance(n);
            self.skipping -= n;
            if self.skipping > 0 {
                return Ok(None);
            }
        }
        if src.len() < 4 {
            return Ok(None);
        }
        let size = u32::from_be_bytes([src[0], src[1], src[2], src[3]]) as usize + 4;
        if size < 8 {
            return Err(FrameError::Malformed(format!("frame size {size}")));
        }
        if size > self.max_frame {
            return self.refuse_oversize(src, size);
        }
        if src.len() < size {
            src.reserve(size - src.len());
            return Ok(None);
        }
        let decoded = decode_frame(&src[..size]);
        src.advance(size);
        decoded.map(Some)
    }
}

/// Decodes one complete frame. SENDs are parsed here rather than by
/// `pulsar::message::Codec`: that codec copies the frame twice and checksums it with a
/// byte-at-a-time table, and the broker needs the checksummed section as it is anyway
/// (it is the stored entry), so it is checked once, with slice-by-16, and copied once.
fn decode_frame(frame: &[u8]) -> Result<Inbound, FrameError> {
    let command_len = u32::from_be_bytes([frame[4], frame[5], frame[6], frame[7]]) as usize;
    let Some(rest) = 8usize
        .checked_add(command_len)
        .and_then(|end| frame.get(end..))
    else {
        return Err(FrameError::Malformed(format!(
            "command of {command_len} bytes in a frame of {} bytes",
            frame.len()
        )));
    };
    let command = proto::BaseCommand::decode(&frame[8..8 + command_len])
        .map_err(|e| FrameError::Malformed(format!("undecodable command: {e}")))?;
    let Some(send) = command.send.filter(|_| !rest.is_empty()) else {
        // A payload only means something on a SEND; other commands are served without it.
        return Ok(Inbound::Command(Box::new(command)));
    };
    let reject = |reason: String| Inbound::RejectedSend {
        producer_id: send.producer_id,
        sequence_id: send.sequence_id,
        error: proto::ServerError::ChecksumError,
        reason,
    };
    if rest.len() < 10 || rest[..2] != MAGIC_CRC32C.to_be_bytes() {
        return Ok(reject("payload without a CRC32-C checksum".into()));
    }
    let crc = u32::from_be_bytes([rest[2], rest[3], rest[4], rest[5]]);
    let body = &rest[6..];
    if CRC32C.checksum(body) != crc {
        return Ok(reject("Checksum mismatch, invalid payload".into()));
    }
    let metadata_len = u32::from_be_bytes([body[0], body[1], body[2], body[3]]) as usize;
    let Some(metadata) = 4usize
        .checked_add(metadata_len)
        .and_then(|end| body.get(4..end))
    else {
        return Ok(reject(format!(
            "metadata of {metadata_len} bytes overruns the frame"
        )));
    };
    let metadata = match proto::MessageMetadata::decode(metadata) {
        Ok(metadata) => metadata,
        Err(e) => return Ok(reject(format!("undecodable metadata: {e}"))),
    };
    Ok(Inbound::Send(Box::new(SendFrame {
        send,
        metadata,
        // One exact-size copy: a slice of the read buffer would keep the whole buffer
        // (often much larger than this entry) alive for as long as the entry is unacked.
        body: Bytes::copy_from_slice(body),
        crc,
        payload_offset: 4 + metadata_len,
    })))
}

impl InboundCodec {
    fn refuse_oversize(
        &mut self,
        src: &mut BytesMut,
        size: usize,
    ) -> Result<Option<Inbound>, FrameError> {
        let too_large = FrameError::TooLarge {
            size,
            limit: self.max_frame,
        };
        if src.len() < 8 {
            return Ok(None);
        }
        let command_len = u32::from_be_bytes([src[4], src[5], src[6], src[7]]) as usize;
        if command_len > MAX_COMMAND || 8 + command_len > size {
            return Err(too_large);
        }
        if src.len() < 8 + command_len {
            return Ok(None);
        }
        let send = proto::BaseCommand::decode(&src[8..8 + command_len])
            .ok()
            .and_then(|c| c.send)
            .ok_or(too_large)?;
        let available = src.len().min(size);
        src.advance(available);
        self.skipping = size - available;
        Ok(Some(Inbound::RejectedSend {
            producer_id: send.producer_id,
            sequence_id: send.sequence_id,
            error: proto::ServerError::NotAllowedError,
            reason: format!(
                "message of {size} bytes is over the limit of {} bytes",
                self.max_frame
            ),
        }))
    }
}

/// A frame for a client.
#[derive(Debug)]
pub enum Outbound {
    Command(Box<proto::BaseCommand>),
    /// A MESSAGE command followed by a stored entry.
    Message {
        command: Box<proto::BaseCommand>,
        entry: Arc<Entry>,
    },
}

impl Outbound {
    pub fn command(command: proto::BaseCommand) -> Self {
        Outbound::Command(Box::new(command))
    }
}

/// Encoder of broker frames.
pub struct OutboundCodec;

impl Encoder<Outbound> for OutboundCodec {
    type Error = FrameError;

    fn encode(&mut self, item: Outbound, dst: &mut BytesMut) -> Result<(), FrameError> {
        match item {
            Outbound::Command(command) => {
                let command_len = command.encoded_len();
                dst.reserve(8 + command_len);
                dst.put_u32(4 + command_len as u32);
                dst.put_u32(command_len as u32);
                command
                    .encode(dst)
                    .map_err(|e| FrameError::Malformed(e.to_string()))
            }
            Outbound::Message { command, entry } => {
                let command_len = command.encoded_len();
                // [total][command size][command][magic][checksum][entry body]
                let total = 4 + command_len + 2 + 4 + entry.body.len();
                dst.reserve(4 + total);
                dst.put_u32(total as u32);
                dst.put_u32(command_len as u32);
                command
                    .encode(dst)
                    .map_err(|e| FrameError::Malformed(e.to_string()))?;
                dst.put_u16(MAGIC_CRC32C);
                dst.put_u32(entry.crc);
                dst.put_slice(&entry.body);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulsar::message::{Codec, Message, Payload};

    fn send_frame(payload: &[u8]) -> BytesMut {
        let message = Message {
            command: proto::BaseCommand {
                r#type: proto::base_command::Type::Send as i32,
                send: Some(proto::CommandSend {
                    producer_id: 3,
                    sequence_id: 9,
                    ..Default::default()
                }),
                ..Default::default()
            },
            payload: Some(Payload {
                metadata: proto::MessageMetadata {
                    producer_name: "p".into(),
                    ..Default::default()
                },
                data: payload.to_vec(),
            }),
        };
        let mut buf = BytesMut::new();
        Codec.encode(message, &mut buf).unwrap();
        buf
    }

    #[test]
    fn a_send_with_a_bad_checksum_is_rejected_and_the_next_frame_still_decodes() {
        let mut buf = send_frame(b"hello");
        let last = buf.len() - 1;
        buf[last] ^= 0xff;
        buf.extend_from_slice(&send_frame(b"world"));
        let mut codec = InboundCodec::new(1024);
        match codec.decode(&mut buf).unwrap() {
            Some(Inbound::RejectedSend {
                producer_id: 3,
                sequence_id: 9,
                error: proto::ServerError::ChecksumError,
                ..
            }) => {}
            other => panic!("expected a rejected send, got {other:?}"),
        }
        match codec.decode(&mut buf).unwrap() {
            Some(Inbound::Send(send)) => {
                assert_eq!(&send.body[send.payload_offset..], b"world")
            }
            other => panic!("expected a frame, got {other:?}"),
        }
    }

    #[test]
    fn an_oversize_send_is_skipped_and_rejected() {
        let mut buf = send_frame(&[7; 4096]);
        buf.extend_from_slice(&send_frame(b"small"));
        let mut codec = InboundCodec::new(1024);
        assert!(matches!(
            codec.decode(&mut buf).unwrap(),
            Some(Inbound::RejectedSend {
                error: proto::ServerError::NotAllowedError,
                ..
            })
        ));
        assert!(matches!(
            codec.decode(&mut buf).unwrap(),
            Some(Inbound::Send(_))
        ));
    }

    #[test]
    fn a_garbled_length_is_an_error_not_an_allocation() {
        let mut buf = BytesMut::from(&[0xff, 0xff, 0xff, 0xff, 0, 0x10, 0, 0][..]);
        assert!(InboundCodec::new(1024).decode(&mut buf).is_err());
    }

    #[test]
    fn a_stored_entry_is_written_as_a_frame_the_pulsar_codec_reads() {
        let metadata = proto::MessageMetadata {
            producer_name: "p".into(),
            sequence_id: 1,
            ..Default::default()
        };
        let entry = Arc::new(Entry::new(5, &metadata, b"data"));
        let command = proto::BaseCommand {
            r#type: proto::base_command::Type::Message as i32,
            message: Some(proto::CommandMessage {
                consumer_id: 1,
                message_id: proto::MessageIdData {
                    ledger_id: 1,
                    entry_id: 5,
                    ..Default::default()
                },
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut buf = BytesMut::new();
        OutboundCodec
            .encode(
                Outbound::Message {
                    command: Box::new(command),
                    entry,
                },
                &mut buf,
            )
            .unwrap();
        let message = Codec.decode(&mut buf).unwrap().unwrap();
        let payload = message.payload.unwrap();
        assert_eq!(payload.data, b"data");
        assert_eq!(payload.metadata.producer_name, "p");
    }
}
