//! The fuzz target's committed corpus, replayed on stable: every input libFuzzer found
//! interesting keeps being checked by `cargo test`.

#[path = "../../fuzz/checks.rs"]
mod checks;

#[test]
fn every_input_in_the_fuzz_corpus_parses_safely() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/corpus/parse_inputs");
    let inputs: Vec<_> = std::fs::read_dir(dir)
        .expect("the corpus is committed")
        .map(|entry| std::fs::read(entry.expect("a corpus entry").path()).expect("readable"))
        .collect();
    assert!(inputs.len() > 20, "the corpus has {} inputs", inputs.len());
    for input in &inputs {
        checks::check(input);
    }
}
