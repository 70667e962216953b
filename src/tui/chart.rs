//! Text charts: count series resampled to screen columns and drawn with block
//! characters, legible without colour.

use crate::findings::Series;
use crate::index::Index;
use crate::time::Millis;

const BARS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The chart's time span: the whole index, widened to cover every series.
pub fn span(index: &Index, series: &[Series]) -> Option<(Millis, Millis)> {
    let mut lo = index.time_span().map(|s| s.0);
    let mut hi = index.time_span().map(|s| s.1);
    for s in series {
        let end = s.start + s.bucket_ms.max(1) * s.counts.len() as i64;
        lo = Some(lo.map_or(s.start, |l| l.min(s.start)));
        hi = Some(hi.map_or(end, |h| h.max(end)));
    }
    let (lo, hi) = (lo?, hi?);
    Some((lo, hi.max(lo + 1)))
}

/// Screen column of instant `t` across `width` columns spanning `[t0, t1]`.
pub fn column(t: Millis, t0: Millis, t1: Millis, width: usize) -> usize {
    if width == 0 || t <= t0 {
        return 0;
    }
    let f = (t - t0) as f64 / (t1 - t0).max(1) as f64;
    ((f * width as f64) as usize).min(width - 1)
}

/// Counts per screen column. Columns wider than a bucket sum the buckets that
/// start in them; columns narrower than a bucket repeat the bucket under their
/// middle, so a fine screen shows no false gaps.
pub fn resample(s: &Series, t0: Millis, t1: Millis, width: usize) -> Vec<u32> {
    let mut cols = vec![0u32; width];
    if width == 0 {
        return cols;
    }
    let bucket = s.bucket_ms.max(1);
    let col_ms = (t1 - t0) as f64 / width as f64;
    if col_ms >= bucket as f64 {
        for (i, &c) in s.counts.iter().enumerate() {
            let k = column(s.start + bucket * i as i64, t0, t1, width);
            cols[k] = cols[k].saturating_add(c);
        }
    } else {
        for (k, col) in cols.iter_mut().enumerate() {
            let mid = t0 + ((k as f64 + 0.5) * col_ms) as i64;
            if mid >= s.start {
                *col = s.counts.get(((mid - s.start) / bucket) as usize).copied().unwrap_or(0);
            }
        }
    }
    cols
}

/// Folds a sparkline into at most `width` columns (sums).
pub fn shrink(v: &[u32], width: usize) -> Vec<u32> {
    if v.len() <= width || width == 0 {
        return v.to_vec();
    }
    let mut out = vec![0u32; width];
    for (i, &c) in v.iter().enumerate() {
        let k = i * width / v.len();
        out[k] = out[k].saturating_add(c);
    }
    out
}

/// Two rows of block characters (top, bottom) scaled to the peak: twice the vertical resolution.
pub fn bars2(cols: &[u32]) -> (String, String) {
    let peak = cols.iter().copied().max().unwrap_or(0) as u64;
    let mut top = String::with_capacity(cols.len() * 3);
    let mut bottom = String::with_capacity(cols.len() * 3);
    for &c in cols {
        let k = if c == 0 || peak == 0 { 0 } else { ((c as u64 * 16).div_ceil(peak) as usize).clamp(1, 16) };
        bottom.push(BARS[k.min(8)]);
        top.push(BARS[k.saturating_sub(8)]);
    }
    (top, bottom)
}

/// Block characters scaled to the peak; any non-zero count shows at least `▁`.
pub fn bars(cols: &[u32]) -> String {
    let peak = cols.iter().copied().max().unwrap_or(0);
    cols.iter()
        .map(|&c| {
            if c == 0 || peak == 0 {
                BARS[0]
            } else {
                let k = ((c as u64 * 8).div_ceil(peak as u64)) as usize;
                BARS[k.clamp(1, 8)]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_peak() {
        assert_eq!(bars(&[0, 1, 4, 8]), " ▁▄█");
        assert_eq!(bars(&[0, 0]), "  ");
    }

    #[test]
    fn resample_sums_buckets_into_columns() {
        let s = Series { label: "x".into(), start: 0, bucket_ms: 10, counts: vec![1, 2, 3, 4] };
        assert_eq!(resample(&s, 0, 40, 2), vec![3, 7]);
        // Finer columns than buckets: no gaps.
        assert_eq!(resample(&s, 0, 40, 8), vec![1, 1, 2, 2, 3, 3, 4, 4]);
        assert_eq!(bars2(&[0, 4, 8]), ("  █".to_string(), " ██".to_string()));
        assert_eq!(shrink(&[1, 1, 1, 1, 1], 2), vec![3, 2]);
        assert_eq!(column(40, 0, 40, 4), 3);
    }
}
