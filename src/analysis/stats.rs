//! Small-count statistics: Poisson log-likelihood ratios for "did this rate
//! change", a single change-point, and the best elevated segment.

/// `x ln(x / e)` with the conventions `0 ln 0 = 0`.
#[inline]
fn xlogx_over(x: f64, e: f64) -> f64 {
    if x <= 0.0 || e <= 0.0 {
        0.0
    } else {
        x * (x / e).ln()
    }
}

/// Dunning's G (twice the log-likelihood ratio) for two Poisson counts `a` over
/// exposure `ta` and `b` over `tb`, against one common rate. 0 when either exposure is empty.
pub fn poisson_g(a: f64, ta: f64, b: f64, tb: f64) -> f64 {
    if ta <= 0.0 || tb <= 0.0 {
        return 0.0;
    }
    let n = a + b;
    let ea = n * ta / (ta + tb);
    let eb = n * tb / (ta + tb);
    2.0 * (xlogx_over(a, ea) + xlogx_over(b, eb))
}

/// Prefix sums of a count series (len + 1 entries).
pub fn prefix(counts: &[u32]) -> Vec<u64> {
    let mut p = Vec::with_capacity(counts.len() + 1);
    let mut s = 0u64;
    p.push(0);
    for &c in counts {
        s += c as u64;
        p.push(s);
    }
    p
}

/// The best elevated segment `[s, e)` of a series: the one whose rate inside most
/// exceeds the rate outside, by Poisson likelihood ratio. Returns (s, e, G).
pub fn best_segment(counts: &[u32], min_len: usize) -> Option<(usize, usize, f64)> {
    let n = counts.len();
    if n < 2 {
        return None;
    }
    let p = prefix(counts);
    let total = p[n] as f64;
    if total == 0.0 {
        return None;
    }
    let mut best: Option<(usize, usize, f64)> = None;
    for s in 0..n {
        for e in (s + min_len.max(1))..=n {
            let inside = (p[e] - p[s]) as f64;
            let len_in = (e - s) as f64;
            let len_out = (n - (e - s)) as f64;
            if len_out <= 0.0 {
                continue;
            }
            let outside = total - inside;
            if inside / len_in <= outside / len_out {
                continue;
            }
            let g = poisson_g(inside, len_in, outside, len_out);
            if best.is_none_or(|b| g > b.2) {
                best = Some((s, e, g));
            }
        }
    }
    best
}

/// The split `k` in `[lo, hi)` of `counts[..hi]` at which the rate after `k` most exceeds
/// the rate before it. Returns (k, G). `k == 0` means elevated from the start.
pub fn change_point_up(counts: &[u32], lo: usize, hi: usize) -> Option<(usize, f64)> {
    let hi = hi.min(counts.len());
    if lo >= hi {
        return None;
    }
    let p = prefix(&counts[..hi]);
    let total = p[hi] as f64;
    if total == 0.0 {
        return None;
    }
    let mut best: Option<(usize, f64)> = None;
    for (k, &before) in p.iter().enumerate().take(hi).skip(lo) {
        let before = before as f64;
        let after = total - before;
        let tb = k as f64;
        let ta = (hi - k) as f64;
        if tb > 0.0 && after / ta <= before / tb {
            continue;
        }
        let g = if tb == 0.0 { 0.0 } else { poisson_g(before, tb, after, ta) };
        if best.is_none_or(|b| g > b.1) {
            best = Some((k, g));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g_is_zero_for_equal_rates_and_grows_with_difference() {
        assert!(poisson_g(10.0, 10.0, 10.0, 10.0).abs() < 1e-9);
        let small = poisson_g(12.0, 10.0, 10.0, 10.0);
        let big = poisson_g(40.0, 10.0, 10.0, 10.0);
        assert!(big > small && small > 0.0);
        // A rate from zero: never seen in 3 h, 20 in 1 h is highly significant.
        assert!(poisson_g(20.0, 60.0, 0.0, 180.0) > 30.0);
    }

    #[test]
    fn segment_finds_the_burst() {
        let mut c = vec![2u32; 100];
        for x in &mut c[40..60] {
            *x = 12;
        }
        let (s, e, g) = best_segment(&c, 1).unwrap();
        assert_eq!((s, e), (40, 60));
        assert!(g > 50.0);
        assert!(best_segment(&[0, 0, 0], 1).is_none());
    }

    #[test]
    fn change_point_finds_the_step() {
        let mut c = vec![1u32; 50];
        for x in &mut c[30..] {
            *x = 6;
        }
        let (k, g) = change_point_up(&c, 0, 50).unwrap();
        assert_eq!(k, 30);
        assert!(g > 20.0);
    }
}
