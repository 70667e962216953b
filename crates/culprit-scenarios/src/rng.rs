//! A small seeded PRNG (splitmix64). Integer-only state and no platform maths
//! (no `exp`/`ln`/`sin`), so a seed gives byte-identical output everywhere.

#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x243F_6A88_85A3_08D3)
    }

    /// An independent stream derived from this seed and a label.
    pub fn fork(&self, label: u64) -> Rng {
        let mut r = Rng(self.0 ^ label.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.next_u64();
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() >> 32) * n.max(1)) >> 32
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1).max(1) as u64) as i64
    }

    /// Uniform in [0, 1), from 53 bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// Index chosen with the given integer weights.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| w as u64).sum();
        let mut x = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if x < w as u64 {
                return i;
            }
            x -= w as u64;
        }
        weights.len() - 1
    }

    /// A count with mean `mean`: jittered, then floor plus a Bernoulli remainder
    /// (only +, * and floor, so exact on every IEEE platform).
    pub fn count(&mut self, mean: f64) -> u32 {
        if mean <= 0.0 {
            return 0;
        }
        let m = mean * (0.6 + 0.8 * self.unit());
        let whole = m.floor();
        whole as u32 + u32::from(self.chance(m - whole))
    }

    /// A heavy-ish tailed positive value around `median` (no transcendental functions).
    pub fn latency(&mut self, median: f64) -> f64 {
        let u = self.unit();
        median * (0.45 + u + 4.0 * u * u * u * u * u * u)
    }

    pub fn hex(&mut self, out: &mut Vec<u8>, n: usize) {
        const H: &[u8; 16] = b"0123456789abcdef";
        let mut v = self.next_u64();
        for i in 0..n {
            if i % 16 == 0 && i > 0 {
                v = self.next_u64();
            }
            out.push(H[(v & 15) as usize]);
            v >>= 4;
        }
    }

    pub fn hex_string(&mut self, n: usize) -> String {
        let mut v = Vec::with_capacity(n);
        self.hex(&mut v, n);
        String::from_utf8(v).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_sequence_and_bounds() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(Rng::new(8).next_u64(), xs[0]);
        for _ in 0..1000 {
            let v = a.range(3, 9);
            assert!((3..=9).contains(&v));
            assert!(a.unit() < 1.0);
        }
        let mean: u32 = (0..10_000).map(|_| a.count(2.5)).sum();
        assert!((22_000..28_000).contains(&mean), "{mean}");
    }
}
