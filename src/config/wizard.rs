//! Placeholder for the Config Wizard.
#[derive(clap::Args, Debug, Default)]
pub struct WizardArgs {}

pub fn run(_args: &WizardArgs) -> Result<(), Box<dyn std::error::Error>> {
    Err("the config wizard is not written yet".into())
}
