//! mlspace-sagemaker: the notebook instance lifecycle configuration, whose scripts come from the
//! MLSpace source tree (lib/resources/sagemaker).
use crate::cdk::{App, Resource, StackRef, Value};
use crate::mlspace::app::Ctx;
use crate::mlspace::run::RunError;

pub const CREATE_SCRIPT: &str = "lib/resources/sagemaker/lifecycle-create.sh";
pub const START_SCRIPT: &str = "lib/resources/sagemaker/lifecycle-start.sh";
const DATA_BUCKET_PLACEHOLDER: &str = "<DATA_BUCKET_NAME>";

pub fn build(app: &mut App, stack: StackRef, ctx: &Ctx) -> Result<(), RunError> {
    let read = |rel: &str| -> Result<String, RunError> {
        let path = ctx.source_root.join(rel);
        // compat: the TS app decodes the scripts as Node does (a BOM kept, a bad byte replaced).
        crate::cdk::input::read_bytes(&path, crate::cdk::input::SMALL_INPUT)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .map_err(|e| {
            if e.is_not_found() {
                RunError::Asset(format!("{e}: the notebook lifecycle scripts are part of the MLSpace source tree; run from its root"))
            } else {
                e.into()
            }
        })
    };
    let on_create = read(CREATE_SCRIPT)?.replace(
        DATA_BUCKET_PLACEHOLDER,
        &ctx.bucket_name(&ctx.cfg.data_bucket_name),
    );
    let on_start = read(START_SCRIPT)?;
    let hook = |script: String| {
        Value::List(vec![
            crate::map! { "Content" => Value::intrinsic("Fn::Base64", script.into()) },
        ])
    };

    app.construct(stack.node, "mlspace-sagemaker");
    app.resource(
        stack.node,
        "mlspace-notebook-lifecycle-config",
        Resource::new(
            "AWS::SageMaker::NotebookInstanceLifecycleConfig",
            crate::cdk::app::props([
                (
                    "NotebookInstanceLifecycleConfigName",
                    Some(ctx.cfg.mlspace_lifecycle_config_name.clone().into()),
                ),
                ("OnCreate", Some(hook(on_create))),
                ("OnStart", Some(hook(on_start))),
            ]),
        ),
    );
    Ok(())
}
