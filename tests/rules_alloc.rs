//! `match_record` runs on every indexed line, on every thread: after warm-up it
//! must not allocate, whether or not a rule hits.

use culprit::rules::{parse_line, RuleSet, NO_RULE};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // try_with: the thread-local may already be gone while a thread shuts down.
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> u64 {
    ALLOCS.with(|c| c.get())
}

#[test]
fn matching_does_not_allocate_after_warm_up() {
    let set = RuleSet::builtin().unwrap();
    let lines = [
        "Jan 22 15:30:01 web-1 kernel: [1234.5678] e1000e: eth0 NIC Copper Link setup",
        "2024-01-22T15:30:01Z INFO GET /healthz 200 0.3ms",
        r#"{"ts":"2024-01-22T15:30:01Z","level":"debug","msg":"cache hit","key":"user:1234","ttl":300}"#,
        "Dec 10 06:55:48 LabSZ sshd[24200]: Failed password for invalid user webmaster from 173.234.31.186 port 38926 ssh2",
        r#"{"ts":"2024-01-22T15:30:01Z","level":"warn","msg":"request","method":"POST","path":"/api/v1/login","status":401}"#,
        "2024-01-22 15:30:01.123 UTC [812] FATAL:  remaining connection slots are reserved for non-replication superuser connections",
    ];
    let parsed: Vec<_> = lines.iter().map(|l| parse_line(l.as_bytes()).parsed).collect();
    let run = || lines.iter().zip(&parsed).filter(|(l, p)| set.match_record(l.as_bytes(), p) != NO_RULE).count();
    // Warm-up: regex caches and the per-thread scratch buffers are created once.
    assert_eq!(run(), 3);
    let before = allocs();
    for _ in 0..100 {
        assert_eq!(run(), 3);
    }
    assert_eq!(allocs() - before, 0, "allocations while matching");
    // The counter does see allocations on this thread.
    let v: Vec<u8> = std::hint::black_box(Vec::with_capacity(64));
    assert!(allocs() > before, "counting allocator is not counting");
    drop(v);
}
