//! Durable storage of persistent topics: message logs, cursor journals and the group
//! commit that writes both.

pub mod cursor;
pub mod log;
pub mod record;
pub mod writer;
