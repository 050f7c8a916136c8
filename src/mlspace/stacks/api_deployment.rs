//! mlspace-api-deployment: deploys the shared REST API into its Prod stage after every API
//! stack has added its routes.
use crate::cdk::{App, Resource, StackRef};
use crate::mlspace::app::Ctx;

use super::web_tier::WebTierOutputs;

pub fn build(app: &mut App, stack: StackRef, ctx: &Ctx, web: &WebTierOutputs) {
    // compat: the TS app puts the synthesis time into the construct id, so every synthesis gives
    // the deployment a new logical id and every deploy redeploys the API.
    app.construct(stack.node, "mlspace-api-deployment");
    app.construct(stack.node, "MLSpaceRestApiRef");
    let now_ms = ctx.inputs.now_ms;
    let scope = app.construct(stack.node, &format!("ApiDeployment-{now_ms}"));
    let mut deployment = Resource::new(
        "AWS::ApiGateway::Deployment",
        crate::cdk::app::props([
            ("RestApiId", Some(web.rest_api_id.clone())),
            ("StageName", Some("Prod".into())),
        ]),
    );
    deployment
        .metadata
        .insert("aws:cdk:do-not-refactor".into(), true.into());
    app.resource(scope, "Resource", deployment);
}

#[cfg(test)]
mod tests {
    use super::super::testing::{app_templates, resources};

    #[test]
    fn deploys_the_shared_api_to_prod() {
        let mut templates = app_templates("");
        let t = templates.remove("mlspace-api-deployment").unwrap();
        let deployments = resources(&t, "AWS::ApiGateway::Deployment");
        assert_eq!(deployments.len(), 1);
        let (id, deployment) = deployments.into_iter().next().unwrap();
        // A new logical id per synthesis (the planned time): every deploy redeploys the API.
        assert!(id.starts_with("ApiDeployment1780315200000"), "{id}");
        assert_eq!(deployment["Properties"]["StageName"], "Prod");
        // The API is the web tier's, imported.
        let api = deployment["Properties"]["RestApiId"].to_string();
        assert!(api.contains("Fn::ImportValue"), "{api}");
        assert!(api.contains("mlspace-web-tier"), "{api}");
    }
}
