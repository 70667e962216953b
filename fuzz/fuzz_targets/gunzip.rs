//! gzip input: any bytes decode to something or to a warning, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (_out, _warning) = culprit::source::gunzip(data);
});
