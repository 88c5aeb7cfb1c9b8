//! Deterministic request and process ids: a small 128-bit hash of the input's bytes and the
//! command's arguments, so the same input always gives the same output, byte for byte.
//!
//! Not cryptographic: it only has to spread different inputs over different ids. It reads
//! eight bytes at a time, so hashing a large export costs little next to parsing it.

use std::io::{self, Read};

use journal_run::wire::{IdError, ProcessId, RequestId};

/// A 128-bit running hash (two 64-bit lanes), fed bytes in any pieces.
#[derive(Clone)]
pub struct Digest {
    lanes: [u64; 2],
    pending: [u8; 8],
    pending_len: usize,
    total: u64,
}

const K0: u64 = 0x9E37_79B9_7F4A_7C15;
const K1: u64 = 0xC2B2_AE3D_27D4_EB4F;

/// splitmix64's finalizer: every input bit affects every output bit.
const fn avalanche(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

impl Default for Digest {
    fn default() -> Self {
        Self {
            lanes: [0x6A09_E667_F3BC_C908, 0xBB67_AE85_84CA_A73B],
            pending: [0; 8],
            pending_len: 0,
            total: 0,
        }
    }
}

impl Digest {
    fn word(&mut self, word: u64) {
        let [a, b] = &mut self.lanes;
        *a = (*a ^ word).wrapping_mul(K0).rotate_left(29);
        *b = (*b ^ word.rotate_left(32)).wrapping_mul(K1).rotate_left(31);
    }

    /// Feeds `bytes`.
    pub fn update(&mut self, mut bytes: &[u8]) {
        self.total = self.total.wrapping_add(bytes.len() as u64);
        if self.pending_len > 0 {
            let take = (8 - self.pending_len).min(bytes.len());
            let (head, rest) = bytes.split_at(take);
            self.pending[self.pending_len..self.pending_len + take].copy_from_slice(head);
            self.pending_len += take;
            bytes = rest;
            if self.pending_len < 8 {
                return;
            }
            self.word(u64::from_le_bytes(self.pending));
            self.pending_len = 0;
        }
        let mut words = bytes.chunks_exact(8);
        for chunk in &mut words {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.word(u64::from_le_bytes(word));
        }
        let rest = words.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
        self.pending_len = rest.len();
    }

    /// Feeds a piece of text, delimited so that `("ab", "c")` and `("a", "bc")` differ.
    pub fn field(&mut self, text: &str) {
        self.update(&(text.len() as u64).to_le_bytes());
        self.update(text.as_bytes());
    }

    /// The 128-bit value of everything fed so far.
    pub fn finish(&self) -> u128 {
        let mut copy = self.clone();
        let mut last = [0; 8];
        last[..self.pending_len].copy_from_slice(&self.pending[..self.pending_len]);
        copy.word(u64::from_le_bytes(last));
        copy.word(self.total);
        let [a, b] = copy.lanes;
        let high = avalanche(a ^ b.rotate_left(17));
        let low = avalanche(b ^ high);
        (u128::from(high) << 64) | u128::from(low)
    }
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

/// A reader that feeds every byte it reads to a [`Digest`].
pub struct Hashing<'d, R> {
    inner: R,
    digest: &'d mut Digest,
}

impl<'d, R> Hashing<'d, R> {
    /// Wraps `inner`.
    pub fn new(inner: R, digest: &'d mut Digest) -> Self {
        Self { inner, digest }
    }
}

impl<R: Read> Read for Hashing<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.digest.update(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(pieces: &[&[u8]]) -> u128 {
        let mut digest = Digest::default();
        for piece in pieces {
            digest.update(piece);
        }
        digest.finish()
    }

    #[test]
    fn the_split_of_the_input_does_not_change_the_digest() {
        let text = b"{\"journalRun\": {\"number\": \"JR-00000075\"}} and some more bytes";
        let whole = of(&[text]);
        for cut in 0..text.len() {
            let (a, b) = text.split_at(cut);
            assert_eq!(of(&[a, b]), whole, "cut at {cut}");
        }
    }

    #[test]
    fn a_changed_byte_or_length_changes_the_digest() {
        assert_ne!(of(&[b"abcdefgh"]), of(&[b"abcdefgi"]));
        assert_ne!(of(&[b"abc"]), of(&[b"abc\0"]));
        assert_ne!(of(&[b""]), of(&[b"\0"]));
    }

    #[test]
    fn ids_have_zuoras_forms_and_differ_for_different_inputs() {
        let a = of(&[b"one"]);
        let b = of(&[b"two"]);
        let id = |d| request_id(d).map(String::from);
        assert_eq!(id(a).map(|s| s.len()), Ok(36));
        assert_eq!(id(a).map(|s| s[14..15].to_owned()), Ok("8".to_owned()));
        assert_ne!(id(a), id(b));
        assert_eq!(id(a), id(a));
        assert_ne!(process_id(a), process_id(b));
    }
}
