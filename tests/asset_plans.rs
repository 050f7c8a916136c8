//! The MLSpace app fingerprints each large source once per synthesis, in the background: the
//! Lambda code (used by the core and web-tier stacks, and through them every API stack) and the
//! web app's build are prefetched before planning, and `plan` takes its plans from that prefetch.

mod common;

use mlspace_cdk::cdk::assets::{plan, AssetOptions, AssetSource};
use mlspace_cdk::cdk::toolkit::invocation;
use mlspace_cdk::cdk::App;
use mlspace_cdk::mlspace::app::{build, Ctx, FRONTEND_BUILD_PATH, LAMBDA_SOURCE_PATH};
use mlspace_cdk::mlspace::layers::{BuildTools, LayerBuilder};
use mlspace_cdk::mlspace::plan::{plan as plan_inputs, prefetch, FixedClock, LayerTools};

#[test]
fn large_sources_are_fingerprinted_once_ahead_of_their_stacks() {
    let tree = common::example_tree(None);
    let loaded = mlspace_cdk::config::load(tree.path()).unwrap();
    let context = invocation(tree.path(), None, &|_| None).unwrap().context;
    let mut app = App::new(context);
    prefetch(&mut app.asset_plans, tree.path());
    let tools = BuildTools::unavailable();
    let layers = LayerTools {
        builder: LayerBuilder::Local,
        tools: &tools,
    };
    let inputs = plan_inputs(
        tree.path(),
        &loaded.config,
        &layers,
        &FixedClock(1),
        &mut app.asset_plans,
    )
    .unwrap();

    // The Lambda code and the build folder came from their prefetch: nothing large was
    // fingerprinted in the foreground.
    assert_eq!(app.asset_plans.reused(), 2, "{:?}", app.asset_plans);

    // What plan got is what planning the sources directly gives.
    let direct = |rel: &str| {
        plan(
            AssetSource::Directory(tree.path().join(rel)),
            &AssetOptions::default(),
        )
        .unwrap()
    };
    assert_eq!(inputs.assets.lambda_code, direct(LAMBDA_SOURCE_PATH));
    assert_eq!(inputs.assets.frontend_build, direct(FRONTEND_BUILD_PATH));

    // Building from those inputs reads nothing more.
    let ctx = Ctx {
        cfg: &loaded.config,
        env: mlspace_cdk::cdk::Environment {
            account: loaded.config.aws_account.clone(),
            region: loaded.config.aws_region.clone(),
        },
        inputs: &inputs,
    };
    build(&mut app, &ctx).unwrap();
    assert_eq!(app.asset_plans.reused(), 2, "{:?}", app.asset_plans);
}
