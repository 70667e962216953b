//! Rule files: arbitrary text through the loader `RuleSet` and `culprit rules check`
//! use (TOML parse, validation, regex compilation, example checks).
#![no_main]

use culprit::rules::{check_examples, Layer, RuleSet};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let layer = Layer { files: vec![("fuzz.toml".to_string(), text.to_string())], built_in: false };
    match RuleSet::from_layers(&[layer]) {
        Ok(set) => {
            let _ = check_examples(&set, false);
        }
        Err(e) => {
            // Errors render (they name the file).
            assert!(e.to_string().contains("fuzz.toml"), "error does not name the file: {e}");
        }
    }
});
