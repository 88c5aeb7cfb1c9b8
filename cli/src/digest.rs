//! Deterministic request and process ids: derived from a BLAKE3 digest of the input's bytes
//! and the command's arguments, so the same input always gives the same output, byte for
//! byte.

use journal_run::wire::{IdError, ProcessId, RequestId};

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
pub fn digest(input: Option<&blake3::Hash>, fields: &[&str]) -> u128 {
    let mut hasher = blake3::Hasher::new();
    if let Some(input) = input {
        hasher.update(input.as_bytes());
    }
    for field in fields {
        hasher.update(&(field.len() as u64).to_le_bytes());
        hasher.update(field.as_bytes());
    }
    let bytes = hasher.finalize();
    let mut first = [0; 16];
    first.copy_from_slice(&bytes.as_bytes()[..16]);
    u128::from_le_bytes(first)
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
    }
}
