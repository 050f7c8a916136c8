//! The MLSpace app: which stacks exist, in which order, what each gives the others.

use crate::cdk::{App, Environment, StackRef};
use crate::config::Config;
use crate::constructs::lambda;

use super::stacks::{api_deployment, apis, core, iam, kms, sagemaker, vpc, web_tier};

/// What building the stacks can fail on: configuration the stacks cannot honour, found only
/// when they are built. Inputs read from the world fail earlier, in `plan`.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Not reachable after validation (RESOURCE_TERMINATION_INTERVAL is 1 or more); an error
    /// rather than a panic.
    #[error("RESOURCE_TERMINATION_INTERVAL is 0: set it to the minutes between runs of the resource terminator")]
    ZeroTerminationInterval,
    #[error("mlspace-vpc: MLSpace puts the VPC of {region} in {given}, but the account's availability zones there are {known} (availability-zones context); the TS app stops here too: check the account and region, or refresh the lookup with `cdk context --reset` and synthesize again")]
    AvailabilityZones {
        region: String,
        given: String,
        known: String,
    },
    /// Rendering what the API deployment's id is computed from (`finish_deployment`).
    #[error(transparent)]
    Render(#[from] crate::cdk::synth::SynthError),
    /// An asset that cannot be placed; `what` names it (and ends in `: ` where it names one).
    #[error("{what}{source}")]
    Asset {
        what: String,
        #[source]
        source: crate::cdk::assets::AssetError,
    },
}

/// What every stack builder gets: the configuration, where it deploys and the planned inputs.
pub struct Ctx<'a> {
    pub cfg: &'a Config,
    pub env: Environment,
    /// What the stacks take from the world, resolved ahead by [`super::plan::plan`].
    pub inputs: &'a super::plan::Inputs,
}

impl Ctx<'_> {
    pub fn partition(&self) -> &'static str {
        self.cfg.partition()
    }
    pub fn is_iso(&self) -> bool {
        self.cfg.is_iso()
    }
    pub fn translate_enabled(&self) -> bool {
        self.cfg.translate_enabled()
    }
    /// LAMBDA_ARCHITECTURE, as the Lambda constructs take it.
    pub fn lambda_architecture(&self) -> lambda::Architecture {
        self.cfg.lambda_architecture
    }
    /// `<name>-<account>`: bucket names are made unique by the account id.
    pub fn bucket_name(&self, base: &str) -> String {
        format!("{base}-{}", self.cfg.aws_account)
    }
}

/// Where MLSpace keeps its Lambda sources and the web app's build, below the source root.
pub const LAMBDA_SOURCE_PATH: &str = "backend/src";
pub const FRONTEND_BUILD_PATH: &str = "frontend/build";

/// Tags for cost reporting that MLSpace puts on every stack but the VPC and API deployment
/// stacks; none in the isolated regions, which do not support them everywhere.
fn infrastructure_tags(ctx: &Ctx) -> Vec<(String, String)> {
    if ctx.is_iso() {
        return Vec::new();
    }
    let mut tags = vec![
        ("project".to_string(), "MLSpaceInfrastructure".to_string()),
        ("system".to_string(), ctx.cfg.system_tag.clone()),
        ("user".to_string(), "MLSpaceApplication".to_string()),
    ];
    tags.sort();
    tags
}

/// The API stacks, in the order the TS app creates them.
pub const API_STACKS: &[(&str, apis::ApiKind)] = &[
    ("mlspace-admin-apis", apis::ApiKind::Admin),
    ("mlspace-dataset-apis", apis::ApiKind::Datasets),
    ("mlspace-inference-apis", apis::ApiKind::Inference),
    ("mlspace-jobs-apis", apis::ApiKind::Jobs),
    ("mlspace-notebook-apis", apis::ApiKind::Notebooks),
    ("mlspace-project-apis", apis::ApiKind::Projects),
    ("mlspace-emr-apis", apis::ApiKind::Emr),
    ("mlspace-app-config-apis", apis::ApiKind::AppConfiguration),
    ("mlspace-group-apis", apis::ApiKind::Groups),
    (
        "mlspace-group-membership-history-apis",
        apis::ApiKind::GroupMembershipHistory,
    ),
    ("mlspace-translate-apis", apis::ApiKind::Translate),
];

/// Build every stack into `app`: a function of `ctx` (configuration and planned inputs) only;
/// nothing is read from the world.
pub fn build(app: &mut App, ctx: &Ctx) -> Result<(), BuildError> {
    let tags = infrastructure_tags(ctx);
    let stack = |app: &mut App, id: &str, tagged: bool| -> StackRef {
        app.add_stack(
            id,
            ctx.env.clone(),
            if tagged { tags.clone() } else { Vec::new() },
        )
    };

    let vpc_stack = stack(app, "mlspace-vpc", false);
    let vpc = vpc::build(app, vpc_stack, ctx)?;

    let kms_stack = stack(app, "mlspace-kms", true);
    let kms = kms::build(app, kms_stack, ctx);

    let iam_stack = stack(app, "mlspace-iam", true);
    let iam = iam::build(app, iam_stack, ctx, &vpc, &kms);
    app.add_dependency(iam_stack, vpc_stack);
    app.add_dependency(iam_stack, kms_stack);

    let core_stack = stack(app, "mlspace-core", true);
    core::build(app, core_stack, ctx, &vpc, &kms, &iam)?;
    app.add_dependency(core_stack, kms_stack);
    app.add_dependency(core_stack, vpc_stack);

    let sagemaker_stack = stack(app, "mlspace-sagemaker", true);
    sagemaker::build(app, sagemaker_stack, ctx);

    let web_stack = stack(app, "mlspace-web-tier", true);
    let web = web_tier::build(app, web_stack, ctx, &vpc, &iam)?;
    // The web tier writes a config file into a bucket of the core stack.
    app.add_dependency(web_stack, core_stack);
    app.add_dependency(web_stack, vpc_stack);

    let mut api_stacks = Vec::new();
    for (id, kind) in API_STACKS {
        if *kind == apis::ApiKind::Translate && !ctx.translate_enabled() {
            continue;
        }
        let s = stack(app, id, true);
        apis::build(
            app,
            s,
            ctx,
            *kind,
            &apis::ApiInputs {
                vpc: &vpc,
                iam: &iam,
                web: &web,
            },
        )?;
        api_stacks.push(s);
    }

    let deployment_stack = stack(app, "mlspace-api-deployment", false);
    api_deployment::build(app, deployment_stack, ctx, &web);
    for s in api_stacks {
        app.add_dependency(s, core_stack);
        app.add_dependency(s, iam_stack);
        app.add_dependency(s, vpc_stack);
        app.add_dependency(deployment_stack, s);
    }
    super::permissions_boundary::apply_permissions_boundary(app, ctx.cfg);
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::stacks::testing::{app_templates, resources};

    #[test]
    fn builds_every_stack_in_process() {
        let templates = app_templates("");
        let mut names: Vec<&str> = templates.keys().map(String::as_str).collect();
        names.sort();
        let mut expected = vec![
            "mlspace-vpc",
            "mlspace-kms",
            "mlspace-iam",
            "mlspace-core",
            "mlspace-sagemaker",
            "mlspace-web-tier",
            "mlspace-api-deployment",
        ];
        expected.extend(super::API_STACKS.iter().map(|(id, _)| *id));
        expected.sort();
        assert_eq!(names, expected);
    }

    #[test]
    fn every_function_runs_on_the_configured_architecture() {
        let templates = app_templates(r#""LAMBDA_ARCHITECTURE": "arm64""#);
        let mut functions = 0;
        for t in templates.values() {
            for f in resources(t, "AWS::Lambda::Function").values() {
                // MLSpace's own functions; the custom-resource handlers are not checked here.
                let name = f["Properties"]["FunctionName"].as_str().unwrap_or("");
                if name.starts_with("mls-lambda-") {
                    assert_eq!(f["Properties"]["Architectures"], json!(["arm64"]), "{name}");
                    functions += 1;
                }
            }
        }
        assert!(functions > 50, "{functions} MLSpace functions");
    }

    #[test]
    fn translate_is_left_out_where_it_is_not_offered() {
        let templates = app_templates(r#""AWS_REGION": "us-isob-east-1""#);
        assert!(!templates.contains_key("mlspace-translate-apis"));
        assert!(templates.contains_key("mlspace-admin-apis"));
    }
}
