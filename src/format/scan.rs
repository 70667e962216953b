//! Finding the next delimiter of a short token eight bytes at a time.
//!
//! logfmt keys and values are a few bytes long: `memchr` pays its set-up for each, and a byte
//! loop pays a branch per byte and a mispredict at the end. Comparing a whole word against each
//! delimiter at once does neither.

const ONES: u64 = 0x0101_0101_0101_0101;
const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// The high bit of each byte of `word` that equals `byte`, and no other bit. Exact: the
/// per-byte addition cannot carry into the next byte.
#[inline(always)]
fn bytes_equal(word: u64, byte: u8) -> u64 {
    let x = word ^ (ONES * byte as u64);
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// The position of the first byte at or after `from` that is one of `set`, or `hay.len()`.
#[inline(always)]
pub fn find_any<const N: usize>(hay: &[u8], from: usize, set: [u8; N]) -> usize {
    let mut pos = from.min(hay.len());
    while let Some(chunk) = hay.get(pos..pos + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let hits = set.iter().fold(0, |acc, &b| acc | bytes_equal(word, b));
        if hits != 0 {
            return pos + (hits.trailing_zeros() / 8) as usize;
        }
        pos += 8;
    }
    while pos < hay.len() && !set.contains(&hay[pos]) {
        pos += 1;
    }
    pos
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive<const N: usize>(hay: &[u8], from: usize, set: [u8; N]) -> usize {
        hay.iter().skip(from).position(|c| set.contains(c)).map_or(hay.len(), |p| from + p)
    }

    #[test]
    fn agrees_with_a_byte_loop_everywhere() {
        // Every delimiter position and length around the word size, with high bytes and the
        // neighbours of each delimiter byte, where a carry or borrow would show.
        let fill = [b'a', 0x7f, 0x80, 0xff, 0x00, b' ' + 1, b'=' - 1, b'"' ^ 0x80];
        for len in 0..40 {
            for &f in &fill {
                for at in 0..=len {
                    let mut hay = vec![f; len];
                    if at < len {
                        hay[at] = b'=';
                    }
                    for from in 0..=len {
                        let set = [b' ', b'\t', b'=', b'"'];
                        assert_eq!(find_any(&hay, from, set), naive(&hay, from, set), "{hay:?} from {from}");
                        assert_eq!(find_any(&hay, from, [b' ']), naive(&hay, from, [b' ']));
                    }
                }
            }
        }
    }

    #[test]
    fn a_start_past_the_end_is_the_end() {
        assert_eq!(find_any(b"abc", 3, [b' ']), 3);
        assert_eq!(find_any(b"abc", 7, [b' ']), 3);
    }
}
