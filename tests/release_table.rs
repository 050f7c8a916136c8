//! The release guard's table (src/config/release_table.rs) is derived from an MLSpace checkout,
//! never edited by hand: with `MLSPACE_CHECKOUT=DIR` (an unmodified checkout of the release) this
//! test derives it again and compares; with `MLSPACE_WRITE_RELEASE_TABLE=1` as well it writes it
//! (what `scripts/release-table.sh` does). Without a checkout it skips with a message.
mod common;
use common::*;

#[test]
fn release_table_matches_the_checkout() {
    let Some(checkout) = std::env::var_os("MLSPACE_CHECKOUT").filter(|v| !v.is_empty()) else {
        return skip(
            "MLSPACE_CHECKOUT is not set (an MLSpace 1.6.10 checkout; scripts/release-table.sh makes one)",
        );
    };
    let table = mlspace_cdk::config::release_guard::render_release_table(checkout.as_ref())
        .unwrap_or_else(|e| panic!("{e}"));
    let path = repo_root().join("src/config/release_table.rs");
    if std::env::var("MLSPACE_WRITE_RELEASE_TABLE").as_deref() == Ok("1") {
        std::fs::write(&path, &table).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap();
    assert!(
        committed == table,
        "{} is not what {} derives; run scripts/release-table.sh",
        path.display(),
        checkout.to_string_lossy()
    );
}
