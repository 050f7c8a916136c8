//! Plans and stages the file assets of an MLSpace tree, as synthesis does, and reports
//! the time taken: the asset part of `scripts/bench.sh`.
//!
//!     cargo run --release --example stage_assets -- ROOT OUTDIR

use std::path::PathBuf;
use std::time::Instant;

use mlspace_cdk::cdk::assets::{plan, stage, AssetOptions, AssetSource};

fn main() {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [root, outdir] = args.as_slice() else {
        eprintln!("usage: stage_assets ROOT OUTDIR");
        std::process::exit(2);
    };
    let started = Instant::now();
    let mut sources = vec![
        AssetSource::Directory(root.join("backend/src")),
        AssetSource::Directory(root.join("frontend/build")),
        AssetSource::Directory(root.join("lib/resources/config")),
        AssetSource::Directory(root.join("lib/resources/sagemaker/global")),
        AssetSource::Data {
            file_name: "notebook-params.json".into(),
            contents: b"{\"bench\":true}".to_vec(),
        },
    ];
    for layer in ["common", "jwt", "notifier"] {
        sources.push(AssetSource::File(
            root.join(format!("lambda_dependencies/{layer}_layer.zip")),
        ));
    }
    let opts = AssetOptions::default();
    let planned: Vec<_> = match sources
        .into_iter()
        .map(|s| plan(s, &opts))
        .collect::<Result<_, _>>()
    {
        Ok(planned) => planned,
        Err(e) => {
            eprintln!("stage_assets: {e}");
            std::process::exit(1);
        }
    };
    let hashed = started.elapsed();
    for asset in &planned {
        if let Err(e) = stage(asset, outdir) {
            eprintln!("stage_assets: {e}");
            std::process::exit(1);
        }
    }
    println!(
        "{} assets: fingerprint {:.1} ms, stage {:.1} ms, total {:.1} ms",
        planned.len(),
        hashed.as_secs_f64() * 1e3,
        (started.elapsed() - hashed).as_secs_f64() * 1e3,
        started.elapsed().as_secs_f64() * 1e3
    );
}
