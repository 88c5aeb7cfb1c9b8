//! Deterministic request and process ids: derived from a digest of the input's bytes and the
//! command's arguments, so the same input always gives the same output, byte for byte.
//!
//! The input's digest ([`of`]) is XXH3's 128-bit hash of the XXH3 128-bit hashes of its aligned
//! 1 MiB blocks, so that a second thread can hash the blocks it reads and splice them in
//! ([`StreamDigest`]). XXH3 (the `xxhash-rust` crate) is not a cryptographic hash, and need not
//! be: the ids only have to be the same for the same input (a file that changes between
//! `cancel --json`'s two passes is found by its size and time, not by the digest). It hashes
//! five times as fast as BLAKE3 did here (D-36).

use journal_run::wire::{IdError, ProcessId, RequestId};
use xxhash_rust::xxh3::{xxh3_128, Xxh3};

/// The size of a block of [`StreamDigest`].
pub const BLOCK: u64 = 1 << 20;

/// The hash of the block that starts at a stream offset, hashed by another thread.
pub type BlockHash = (u64, u128);

/// The digest of `bytes`: XXH3-128 of the XXH3-128 hashes (little-endian) of its aligned
/// [`BLOCK`]-byte blocks in order, the last one possibly shorter. What [`StreamDigest`]
/// computes however the stream was split.
pub fn of(bytes: &[u8]) -> u128 {
    let mut outer = Xxh3::new();
    for block in bytes.chunks(BLOCK as usize) {
        outer.update(&xxh3_128(block).to_le_bytes());
    }
    outer.digest128()
}

/// The digest ([`of`]) of a stream fed in order ([`update`](Self::update)), where blocks
/// hashed elsewhere ([`BlockHasher`]) may stand for their bytes ([`splice`](Self::splice)).
pub struct StreamDigest {
    /// The hashes of the blocks before the current one.
    outer: Box<Xxh3>,
    /// How many blocks `outer` took.
    blocks: u64,
    current: Block,
}

/// The block after those in `outer`.
enum Block {
    /// Being hashed here: its hasher and its bytes so far.
    Filling(Box<Xxh3>, u64),
    /// Hashed elsewhere.
    Spliced(u128),
}

impl Default for StreamDigest {
    fn default() -> Self {
        Self {
            outer: Box::default(),
            blocks: 0,
            current: Block::Filling(Box::default(), 0),
        }
    }
}

impl StreamDigest {
    /// The stream offset of the next byte.
    pub const fn offset(&self) -> u64 {
        match self.current {
            Block::Filling(_, n) => self.blocks * BLOCK + n,
            Block::Spliced(_) => (self.blocks + 1) * BLOCK,
        }
    }

    /// More of the stream follows: a complete current block joins `outer` and a new block
    /// begins. The bytes the current block still takes.
    fn settle(&mut self) -> u64 {
        let hash = match &mut self.current {
            Block::Filling(_, n) if *n < BLOCK => return BLOCK - *n,
            Block::Filling(hasher, _) => hasher.digest128(),
            Block::Spliced(hash) => *hash,
        };
        self.outer.update(&hash.to_le_bytes());
        self.blocks += 1;
        match &mut self.current {
            Block::Filling(hasher, n) => {
                hasher.reset();
                *n = 0;
            }
            Block::Spliced(_) => self.current = Block::Filling(Box::default(), 0),
        }
        BLOCK
    }

    /// Adds the next bytes of the stream.
    pub fn update(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let room = self.settle();
            let n = usize::try_from(room).map_or(bytes.len(), |room| room.min(bytes.len()));
            if let Block::Filling(hasher, filled) = &mut self.current {
                hasher.update(&bytes[..n]);
                *filled += n as u64;
            }
            bytes = &bytes[n..];
        }
    }

    /// Lets `block` stand for the next [`BLOCK`] bytes of the stream if it starts where the
    /// stream is (a block boundary); whether it did.
    pub fn splice(&mut self, block: BlockHash) -> bool {
        let next = match self.current {
            Block::Filling(_, 0) => self.blocks * BLOCK,
            Block::Filling(_, BLOCK) | Block::Spliced(_) => (self.blocks + 1) * BLOCK,
            Block::Filling(..) => return false,
        };
        if block.0 != next {
            return false;
        }
        self.settle();
        self.current = Block::Spliced(block.1);
        true
    }

    /// The digest of the stream.
    pub fn finalize(&self) -> u128 {
        let mut outer = self.outer.clone();
        match &self.current {
            Block::Filling(_, 0) => {}
            Block::Filling(hasher, _) => outer.update(&hasher.digest128().to_le_bytes()),
            Block::Spliced(hash) => outer.update(&hash.to_le_bytes()),
        }
        outer.digest128()
    }
}

/// Hashes the blocks of a stream read from offset `start` (a second thread's part): every
/// complete aligned block, for [`StreamDigest::splice`]; with `edges`, it also keeps the bytes
/// before the first block and after the last ([`Part`]).
pub struct BlockHasher {
    /// The stream offset of the next byte.
    at: u64,
    current: Option<Box<Xxh3>>,
    /// With `edges`: the bytes before the first block, and those of the block being read.
    edges: Option<(Vec<u8>, Vec<u8>)>,
    /// The blocks hashed, in order.
    pub blocks: Vec<BlockHash>,
}

/// A part of a stream hashed by another thread, which a [`StreamDigest`] at its start
/// takes as if it had read it ([`StreamDigest::take`]).
pub struct Part {
    start: u64,
    head: Vec<u8>,
    blocks: Vec<BlockHash>,
    tail: Vec<u8>,
}

impl BlockHasher {
    /// A hasher of the stream from offset `start`.
    pub const fn new(start: u64, edges: bool) -> Self {
        Self {
            at: start,
            current: None,
            edges: if edges {
                Some((Vec::new(), Vec::new()))
            } else {
                None
            },
            blocks: Vec::new(),
        }
    }

    /// Adds the next bytes read.
    pub fn update(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let into = self.at % BLOCK;
            let room = BLOCK - into;
            let n = usize::try_from(room).map_or(bytes.len(), |room| room.min(bytes.len()));
            if into == 0 {
                self.current = Some(Box::default());
            }
            match (&mut self.current, &mut self.edges) {
                (Some(hasher), edges) => {
                    hasher.update(&bytes[..n]);
                    if let Some((_, tail)) = edges {
                        tail.extend_from_slice(&bytes[..n]);
                    }
                }
                (None, Some((head, _))) => head.extend_from_slice(&bytes[..n]),
                (None, None) => {}
            }
            self.at += n as u64;
            bytes = &bytes[n..];
            if self.at.is_multiple_of(BLOCK) {
                if let Some(hasher) = self.current.take() {
                    self.blocks.push((self.at - BLOCK, hasher.digest128()));
                }
                if let Some((_, tail)) = &mut self.edges {
                    tail.clear();
                }
            }
        }
    }

    /// The part hashed, from `start`, with its edges (empty without `edges`).
    pub fn part(self, start: u64) -> Part {
        let (head, tail) = self.edges.unwrap_or_default();
        Part {
            start,
            head,
            blocks: self.blocks,
            tail,
        }
    }
}

impl StreamDigest {
    /// Takes `part` as the next bytes of the stream, if it starts where the stream is and
    /// was hashed with its edges; whether it did (otherwise nothing changed).
    pub fn take(&mut self, part: &Part) -> bool {
        if part.start != self.offset() {
            return false;
        }
        self.update(&part.head);
        for &block in &part.blocks {
            // Never refused: the blocks follow the head and one another.
            if !self.splice(block) {
                return false;
            }
        }
        self.update(&part.tail);
        true
    }
}

/// splitmix64's finalizer: every input bit affects every output bit.
const fn avalanche(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

const K1: u64 = 0xC2B2_AE3D_27D4_EB4F;

/// 128 bits of the digest of the input's digest and `fields`, each delimited by its length
/// so that `("ab", "c")` and `("a", "bc")` differ.
pub fn digest(input: Option<u128>, fields: &[&str]) -> u128 {
    let mut hasher = Xxh3::new();
    if let Some(input) = input {
        hasher.update(&input.to_le_bytes());
    }
    for field in fields {
        hasher.update(&(field.len() as u64).to_le_bytes());
        hasher.update(field.as_bytes());
    }
    hasher.digest128()
}

/// The request id for a digest: a UUID (version 8, "custom", RFC 9562) of its bits.
///
/// # Errors
///
/// Never in practice: the text always has the form; the library checks it.
pub fn request_id(digest: u128) -> Result<RequestId, IdError> {
    // Version 8 in bits 76..80, variant `10` in bits 62..64.
    let bits = (digest & !(0xF << 76) & !(0b11 << 62)) | (0x8 << 76) | (0b10 << 62);
    let hex = format!("{bits:032x}");
    let text = format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    );
    RequestId::parse(&text)
}

/// The process id for a digest: 16 upper-case hexadecimal digits, independent of the
/// request id's bits.
///
/// # Errors
///
/// Never in practice: the text always has the form; the library checks it.
pub fn process_id(digest: u128) -> Result<ProcessId, IdError> {
    let bits = avalanche((digest >> 64) as u64 ^ (digest as u64).rotate_left(23) ^ K1);
    ProcessId::parse(&format!("{bits:016X}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_delimited_and_ids_have_zuoras_forms() {
        assert_ne!(digest(None, &["ab", "c"]), digest(None, &["a", "bc"]));
        let a = digest(None, &["one"]);
        let b = digest(None, &["two"]);
        let id = |d| request_id(d).map(String::from);
        assert_eq!(id(a).map(|s| s.len()), Ok(36));
        assert_eq!(id(a).map(|s| s[14..15].to_owned()), Ok("8".to_owned()));
        assert_ne!(id(a), id(b));
        assert_eq!(id(a), id(a));
        assert_ne!(process_id(a), process_id(b));
        // The variant (`10`, RFC 9562) in the first digit of the fourth group, whatever the
        // digest's bits there.
        for d in [0, u128::MAX, a, b] {
            let variant = id(d).map(|s| s[19..20].to_owned());
            assert!(
                matches!(variant.as_deref(), Ok("8" | "9" | "a" | "b")),
                "{variant:?}"
            );
        }
        // Known answers: the same input keeps its ids from one version to the next.
        let known = 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210;
        assert_eq!(
            id(known),
            Ok("01234567-89ab-8def-bedc-ba9876543210".to_owned())
        );
        assert_eq!(
            process_id(known).map(String::from),
            Ok("EE21988D42BCCB7A".to_owned())
        );
    }

    /// A stream of `len` bytes, none alike in any block.
    fn stream(len: usize) -> Vec<u8> {
        (0..len as u64)
            .map(|i| (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as u8)
            .collect()
    }

    /// The stream's digest fed in pieces of `piece` bytes, with the blocks of `from..to`
    /// hashed by a `BlockHasher` and spliced in where the digest reaches them.
    fn digest_of(bytes: &[u8], piece: usize, spliced: std::ops::Range<usize>) -> u128 {
        let mut other = BlockHasher::new(spliced.start as u64, false);
        for part in bytes[spliced.clone()].chunks(piece.max(1)) {
            other.update(part);
        }
        let mut blocks = other.blocks.as_slice();
        let mut digest = StreamDigest::default();
        let mut at = 0;
        while at < bytes.len() {
            if blocks.first().is_some_and(|&b| digest.splice(b)) {
                blocks = &blocks[1..];
                at += BLOCK as usize;
                continue;
            }
            let until_block = BLOCK as usize - at % BLOCK as usize;
            let n = piece.max(1).min(until_block).min(bytes.len() - at);
            digest.update(&bytes[at..at + n]);
            at += n;
            assert_eq!(digest.offset(), at as u64);
        }
        digest.finalize()
    }

    #[test]
    fn the_stream_digest_is_the_streams_digest_however_it_is_split() {
        const B: usize = BLOCK as usize;
        let bytes = stream(5 * B + 3);
        for len in [
            0,
            1,
            1024,
            1025,
            B - 1,
            B,
            B + 1,
            2 * B,
            2 * B + 7,
            3 * B,
            4 * B,
            5 * B + 3,
        ] {
            let bytes = &bytes[..len];
            let want = of(bytes);
            for piece in [1 << 16, 4093, B] {
                // Spliced blocks: none, some, the last whole one, up to the end.
                for spliced in [
                    0..0,
                    B / 3..len,
                    B..len.saturating_sub(1),
                    2 * B - 5..len,
                    0..len,
                ] {
                    let spliced =
                        spliced.start.min(len)..spliced.end.min(len).max(spliced.start.min(len));
                    assert_eq!(
                        digest_of(bytes, piece, spliced.clone()),
                        want,
                        "{len} bytes in pieces of {piece}, {spliced:?} hashed apart"
                    );
                }
            }
        }
    }

    #[test]
    fn a_part_hashed_apart_with_its_edges_is_taken_as_its_bytes() {
        const B: usize = BLOCK as usize;
        let bytes = stream(4 * B + 11);
        let want = of(&bytes);
        // Parts within a block, across one edge, across several, to the end.
        for (from, to) in [
            (5, 900),
            (B - 3, B + 3),
            (B / 2, 3 * B + B / 2),
            (B, 2 * B),
            (7, bytes.len()),
            (2 * B + 1, bytes.len()),
        ] {
            let mut other = BlockHasher::new(from as u64, true);
            for piece in bytes[from..to].chunks(65_521) {
                other.update(piece);
            }
            let part = other.part(from as u64);
            let mut digest = StreamDigest::default();
            digest.update(&bytes[..from - 1]);
            assert!(!digest.take(&part), "taken one byte early");
            digest.update(&bytes[from - 1..from]);
            assert!(digest.take(&part), "{from}..{to}");
            assert_eq!(digest.offset(), to as u64);
            digest.update(&bytes[to..]);
            assert_eq!(digest.finalize(), want, "{from}..{to}");
        }
    }

    #[test]
    fn a_block_is_spliced_only_where_the_stream_is() {
        const B: usize = BLOCK as usize;
        let bytes = stream(3 * BLOCK as usize);
        let mut other = BlockHasher::new(0, false);
        other.update(&bytes);
        assert_eq!(other.blocks.len(), 3);
        let mut digest = StreamDigest::default();
        // Only a block that starts where the stream is: not one further on, nor one already
        // passed, nor while a block is half read.
        assert!(!digest.splice(other.blocks[1]));
        assert!(digest.splice(other.blocks[0]));
        digest.update(&bytes[B..B + 10]);
        assert!(!digest.splice(other.blocks[2]));
        digest.update(&bytes[B + 10..2 * B]);
        assert!(!digest.splice(other.blocks[1]));
        assert!(digest.splice(other.blocks[2]));
        assert_eq!(digest.offset(), 3 * BLOCK);
        assert_eq!(digest.finalize(), of(&bytes));
    }

    #[test]
    fn the_digest_is_xxh3_of_the_blocks_hashes_and_changes_with_any_byte() {
        const B: usize = BLOCK as usize;
        let bytes = stream(2 * B + 5);
        let hashes: Vec<u8> = bytes
            .chunks(B)
            .flat_map(|block| xxh3_128(block).to_le_bytes())
            .collect();
        assert_eq!(of(&bytes), xxh3_128(&hashes));
        assert_eq!(of(&[]), xxh3_128(&[]));
        for at in [0, B - 1, B, 2 * B + 4] {
            let mut changed = bytes.clone();
            changed[at] ^= 1;
            assert_ne!(of(&changed), of(&bytes), "byte {at}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_ne!(of(&longer), of(&bytes));
        assert_ne!(of(&bytes[..B]), of(&bytes[..B + 1]));
    }
}
