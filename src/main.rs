//! `mlspace-cdk`: the MLSpace CDK app. Run by the cdk CLI (cdk.json "app"), or on its own.
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mlspace_cdk::mlspace::run::{synth, SynthArgs};

#[derive(Parser)]
#[command(
    name = "mlspace-cdk",
    version,
    about = "The MLSpace CDK app: writes the cloud assembly the cdk CLI deploys"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    synth: SynthArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Synthesize the cloud assembly (what the cdk CLI runs)
    Synth(SynthArgs),
    /// Write lib/config.json with the Config Wizard (Basic or Advanced); `config show` prints
    /// the effective configuration
    Config(ConfigCommand),
}

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
struct ConfigCommand {
    #[command(subcommand)]
    action: Option<ConfigAction>,
    #[command(flatten)]
    wizard: mlspace_cdk::config::wizard::WizardArgs,
}

#[derive(Subcommand)]
enum ConfigAction {
    /// Print the effective configuration, one property per line with where its value comes
    /// from (default, lib/constants.ts:LINE, lib/config.json, cluster-config.json)
    Show(mlspace_cdk::mlspace::show::ShowArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = mlspace_cdk::cdk::cleanup::on_interrupt_remove_registered() {
        eprintln!("mlspace-cdk: warning: cannot watch for interrupts ({e}); an interrupted run may leave staging folders, which the next run removes");
    }
    let result: Result<(), Box<dyn std::error::Error>> = match cli.command {
        Some(Command::Config(ConfigCommand {
            action: Some(ConfigAction::Show(args)),
            ..
        })) => mlspace_cdk::mlspace::show::run(&args, &mut std::io::stdout()),
        Some(Command::Config(args)) => mlspace_cdk::config::wizard::run(&args.wizard),
        Some(Command::Synth(args)) => run_synth(&args),
        None => run_synth(&cli.synth),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let (message, causes) = mlspace_cdk::mlspace::run::error_report(e.as_ref());
            eprintln!("mlspace-cdk: error: {message}");
            for cause in causes {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

fn run_synth(args: &SynthArgs) -> Result<(), Box<dyn std::error::Error>> {
    let cwd = std::env::current_dir()?;
    let report = synth(&cwd, args, &|k| std::env::var(k).ok())?;
    for w in &report.warnings {
        eprintln!("mlspace-cdk: warning: {w}");
    }
    Ok(())
}
