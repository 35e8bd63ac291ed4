use super::*;

#[test]
fn default_file_loads() {
    let kinds = Kinds::from_toml(DEFAULT_KINDS_TOML).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(kinds.kinds().len(), 7);
}
