//! mlspace-sagemaker: the notebook instance lifecycle configuration, whose scripts come from the
//! MLSpace source tree (lib/resources/sagemaker, read by `plan`).
use crate::cdk::{App, Resource, StackRef, Value};
use crate::mlspace::app::Ctx;

pub const CREATE_SCRIPT: &str = "lib/resources/sagemaker/lifecycle-create.sh";
pub const START_SCRIPT: &str = "lib/resources/sagemaker/lifecycle-start.sh";
const DATA_BUCKET_PLACEHOLDER: &str = "<DATA_BUCKET_NAME>";

pub fn build(app: &mut App, stack: StackRef, ctx: &Ctx) {
    let scripts = &ctx.inputs.lifecycle;
    let on_create = scripts.on_create.replace(
        DATA_BUCKET_PLACEHOLDER,
        &ctx.bucket_name(&ctx.cfg.data_bucket_name),
    );
    let on_start = scripts.on_start.clone();
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
}

#[cfg(test)]
mod tests {
    use super::super::testing::{config, ctx, resources, stack, templates};
    use crate::cdk::App;

    #[test]
    fn holds_the_notebook_lifecycle_config_with_the_data_bucket_put_in() {
        let cfg = config(r#""MLSPACE_LIFECYCLE_CONFIG_NAME": "test-lifecycle""#);
        let ctx = ctx(&cfg);
        let mut app = App::new(Default::default());
        let s = stack(&mut app, &ctx, "mlspace-sagemaker");
        super::build(&mut app, s, &ctx);
        let t = &templates(app)["mlspace-sagemaker"];
        let configs = resources(t, "AWS::SageMaker::NotebookInstanceLifecycleConfig");
        assert_eq!(configs.len(), 1);
        let p = &configs.values().next().unwrap()["Properties"];
        assert_eq!(p["NotebookInstanceLifecycleConfigName"], "test-lifecycle");
        // The planned scripts (fakes), with the data bucket of this deployment put in.
        let on_create = p["OnCreate"][0]["Content"]["Fn::Base64"].as_str().unwrap();
        assert_eq!(
            on_create,
            "#!/bin/bash\naws s3 cp s3://mlspace-data-123456789012/setup.sh .\n"
        );
        let on_start = p["OnStart"][0]["Content"]["Fn::Base64"].as_str().unwrap();
        assert_eq!(on_start, ctx.inputs.lifecycle.on_start);
    }
}
