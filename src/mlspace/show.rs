//! `mlspace-cdk config show`: the effective configuration and where each value comes from.
use std::io::Write;
use std::path::PathBuf;

use crate::cdk::toolkit::invocation;
use crate::config::origin::{render_json, render_text};

use super::run::check_release;

/// Options of `mlspace-cdk config show`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ShowArgs {
    /// Print a JSON object instead: {"PROPERTY": {"value": ..., "origin": FILE or "default", "line": N}}
    #[arg(long)]
    pub json: bool,
    /// The MLSpace source root to read (default: the current directory)
    #[arg(long, env = "MLSPACE_SOURCE_ROOT")]
    pub source_root: Option<PathBuf>,
}

/// Load the configuration as a synth does and write it to `out`; warnings (unknown keys, what
/// the release guard would stop a synth for) go to stderr.
pub fn run(args: &ShowArgs, out: &mut dyn Write) -> Result<(), Box<dyn std::error::Error>> {
    let cwd = std::env::current_dir()?;
    let root = match &args.source_root {
        Some(root) => cwd.join(root),
        None => cwd,
    };
    let loaded = crate::config::load(&root)?;
    let context = invocation(&root, None, &|k| std::env::var(k).ok())?.context;
    for warning in &loaded.warnings {
        eprintln!("mlspace-cdk: warning: {warning}");
    }
    if let Some(unsupported) = check_release(&root, &context, &loaded)? {
        eprintln!("mlspace-cdk: warning: a synth would stop here: {unsupported}");
    }
    if args.json {
        let mut text = serde_json::to_string_pretty(&render_json(&loaded.shown))?;
        text.push('\n');
        out.write_all(text.as_bytes())?;
    } else {
        out.write_all(render_text(&loaded.shown).as_bytes())?;
    }
    Ok(())
}
