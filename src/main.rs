use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "mlspace-cdk", version, about = "The MLSpace CDK app")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Write lib/config.json with the Config Wizard (Basic or Advanced)
    Config(mlspace_cdk::config::wizard::WizardArgs),
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Config(args)) => mlspace_cdk::config::wizard::run(&args),
        None => Err("synthesis is not written yet".into()),
    };
    if let Err(e) = result {
        eprintln!("mlspace-cdk: {e}");
        std::process::exit(1);
    }
}
