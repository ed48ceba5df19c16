//! Which consumer of an Exclusive or Failover subscription is active, by Apache Pulsar's
//! rule (its `AbstractDispatcherSingleActiveConsumer`).
//!
//! Consumers are ordered by priority level (lower first), then by name (ties keep the
//! order they joined in); only those of the highest priority are candidates. On a
//! partition (`…-partition-N`) the candidate at `N % candidates` is active. On any other
//! topic the choice is a consistent hash: each candidate's name puts 100 points on a ring
//! (`murmur3(name + j)`, j = 0..99, a later candidate of the same name taking the point),
//! and the active one owns the first point at or after `murmur3(topic)`. The pick is made
//! again whenever a consumer joins or leaves, so a newcomer takes over exactly when the
//! ring gives it the topic, whatever its name's order.

use std::collections::BTreeMap;

use super::Consumer;

/// Points each consumer name puts on the ring (Apache's `CONSUMER_CONSISTENT_HASH_REPLICAS`).
const REPLICAS: u32 = 100;

/// Apache's default `activeConsumerFailoverDelayTimeMillis` (`Config::failover_delay`): how long a persistent
/// topic's Failover subscription waits, once its active consumer changed, before it
/// rewinds and delivers to the new one (giving the previous one time to acknowledge what
/// it holds) and tells every consumer which is active.
pub const HANDOVER_DELAY_MS: u64 = 1000;

/// What, besides its consumers, decides a subscription's active consumer: its topic.
#[derive(Debug, Clone, Copy)]
pub struct ActiveRule {
    /// `murmur3(full topic name)`.
    topic_hash: u32,
    /// The partition index, for a topic named `…-partition-N`.
    partition: Option<u32>,
    /// The hand-over delay of Failover subscriptions; `None` on non-persistent topics,
    /// which switch at once and, as Apache's, send no notice of the change itself.
    pub handover_delay: Option<u64>,
}

impl ActiveRule {
    pub fn for_topic(full_name: &str, persistent: bool, handover_delay_ms: u64) -> Self {
        ActiveRule {
            topic_hash: murmur3_positive(full_name.as_bytes()),
            partition: partition_index(full_name),
            handover_delay: persistent.then_some(handover_delay_ms),
        }
    }

    /// The index in `consumers` of the active one; `None` when there are none.
    pub fn pick(&self, consumers: &[Consumer]) -> Option<usize> {
        let mut order: Vec<usize> = (0..consumers.len()).collect();
        // Stable: consumers of equal priority and name stay in joining order.
        order.sort_by(|a, b| {
            let (a, b) = (&consumers[*a], &consumers[*b]);
            (a.priority, &a.name).cmp(&(b.priority, &b.name))
        });
        let highest = consumers[*order.first()?].priority;
        let candidates = order
            .iter()
            .take_while(|i| consumers[**i].priority == highest)
            .count();
        let chosen = match self.partition {
            Some(partition) => partition as usize % candidates,
            None => {
                let mut ring = BTreeMap::new();
                for (position, index) in order.iter().take(candidates).enumerate() {
                    for j in 0..REPLICAS {
                        let key = format!("{}{j}", consumers[*index].name);
                        ring.insert(murmur3_positive(key.as_bytes()), position);
                    }
                }
                ring.range(self.topic_hash..)
                    .next()
                    .or_else(|| ring.iter().next())
                    .map(|(_, position)| *position)?
            }
        };
        Some(order[chosen])
    }
}

/// The partition index of a name ending in `-partition-N` (N written without a sign or
/// leading zeros), as Apache's `TopicName.getPartitionIndex`.
pub fn partition_index(name: &str) -> Option<u32> {
    let (_, index) = name.rsplit_once("-partition-")?;
    let n: u32 = index.parse().ok()?;
    (n.to_string() == index).then_some(n)
}

/// MurmurHash3 (x86, 32 bits, seed 0) with the sign bit cleared, as Apache's
/// `Murmur3_32Hash.makeHash`.
fn murmur3_positive(bytes: &[u8]) -> u32 {
    const C1: u32 = 0xcc9e_2d51;
    const C2: u32 = 0x1b87_3593;
    let mix = |k: u32| k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
    let mut h: u32 = 0;
    let mut chunks = bytes.chunks_exact(4);
    for chunk in &mut chunks {
        let k = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        h = (h ^ mix(k))
            .rotate_left(13)
            .wrapping_mul(5)
            .wrapping_add(0xe654_6b64);
    }
    let tail = chunks
        .remainder()
        .iter()
        .enumerate()
        .fold(0u32, |k, (i, b)| k ^ (u32::from(*b) << (8 * i)));
    h ^= mix(tail);
    h ^= bytes.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h & 0x7fff_ffff
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc;

    fn consumers(names: &[(&str, i32)]) -> Vec<Consumer> {
        names
            .iter()
            .enumerate()
            .map(|(i, (name, priority))| Consumer {
                key: i as u64,
                consumer_id: i as u64,
                name: name.to_string(),
                priority: *priority,
                address: "test".into(),
                permits: 0,
                tx: mpsc::unbounded_channel().0,
            })
            .collect()
    }

    #[test]
    fn murmur3_gives_the_reference_values() {
        // Reference values of MurmurHash3_x86_32 with seed 0 (sign bit cleared).
        assert_eq!(murmur3_positive(b""), 0);
        assert_eq!(murmur3_positive(b"hello"), 0x248b_fa47);
        assert_eq!(
            murmur3_positive(b"The quick brown fox jumps over the lazy dog"),
            0x2e4f_f723
        );
    }

    #[test]
    fn a_partition_goes_to_the_candidate_at_its_index_in_name_order() {
        let rule = ActiveRule::for_topic(
            "persistent://public/default/t-partition-3",
            true,
            HANDOVER_DELAY_MS,
        );
        let all = consumers(&[("c", 0), ("a", 0), ("b", 0)]);
        // Sorted a, b, c: partition 3 -> 3 % 3 = 0 -> "a".
        assert_eq!(all[rule.pick(&all).unwrap()].name, "a");
        let rule = ActiveRule::for_topic(
            "persistent://public/default/t-partition-4",
            true,
            HANDOVER_DELAY_MS,
        );
        assert_eq!(all[rule.pick(&all).unwrap()].name, "b");
    }

    #[test]
    fn only_consumers_of_the_highest_priority_are_candidates() {
        let all = consumers(&[("a", 1), ("z", 0), ("b", 1)]);
        for topic in ["t", "u", "t-partition-1", "t-partition-2"] {
            let rule = ActiveRule::for_topic(
                &format!("persistent://public/default/{topic}"),
                true,
                HANDOVER_DELAY_MS,
            );
            assert_eq!(all[rule.pick(&all).unwrap()].name, "z", "{topic}");
        }
    }

    #[test]
    fn the_hash_ring_keeps_the_choice_among_the_others_when_a_consumer_leaves() {
        let rule =
            ActiveRule::for_topic("persistent://public/default/ring", true, HANDOVER_DELAY_MS);
        let all = consumers(&[("a", 0), ("b", 0), ("c", 0), ("d", 0)]);
        let chosen = all[rule.pick(&all).unwrap()].name.clone();
        // Removing a consumer that is not active never changes the choice.
        for gone in ["a", "b", "c", "d"].into_iter().filter(|n| *n != chosen) {
            let rest: Vec<Consumer> = consumers(
                &["a", "b", "c", "d"]
                    .iter()
                    .filter(|n| **n != gone)
                    .map(|n| (*n, 0))
                    .collect::<Vec<_>>(),
            );
            assert_eq!(rest[rule.pick(&rest).unwrap()].name, chosen);
        }
    }

    #[test]
    fn the_ring_gives_the_integration_tests_topics_to_the_consumers_they_expect() {
        // Worked out separately with an independent implementation of Apache's rule.
        let pick = |topic: &str, names: &[&str]| {
            let rule = ActiveRule::for_topic(
                &format!("persistent://public/default/{topic}"),
                true,
                HANDOVER_DELAY_MS,
            );
            let all = consumers(&names.iter().map(|n| (*n, 0)).collect::<Vec<_>>());
            all[rule.pick(&all).unwrap()].name.clone()
        };
        let (a, b, c) = ("consumer-a", "consumer-b", "consumer-c");
        assert_eq!(pick("failover-0", &[b, c]), b);
        assert_eq!(pick("failover-0", &[a, b, c]), b);
        assert_eq!(pick("failover-0", &[a, c]), a);
        assert_eq!(pick("failover-1", &[b, c]), b);
        assert_eq!(pick("failover-1", &[a, b, c]), a);
        // Joining order does not matter, only names.
        assert_eq!(pick("failover-1", &[c, a, b]), a);
    }

    #[test]
    fn names_that_look_like_partitions_but_are_not_have_no_index() {
        assert_eq!(partition_index("persistent://p/n/t-partition-07"), None);
        assert_eq!(partition_index("persistent://p/n/t-partition-x"), None);
        assert_eq!(partition_index("persistent://p/n/t-partition-12"), Some(12));
        assert_eq!(partition_index("persistent://p/n/t"), None);
    }
}
